"""Cancel, the per-device lock and overlapping requests, on real tiny pipelines."""

from __future__ import annotations

import threading

import pytest

from hidream_studio.domain import Cancelled, EditRequest, GenerateRequest


def test_cancel_stops_within_one_step_and_releases_lock(engine):
    cancel = threading.Event()
    seen = []

    def on_step(p):
        seen.append(p.step)
        if p.step == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        engine.generate(GenerateRequest("a house", seed=1, steps=6), on_step=on_step, cancel=cancel)
    assert seen == [1, 2]
    assert engine.lock.acquire(blocking=False)
    engine.lock.release()
    ok = engine.generate(GenerateRequest("a house", seed=1, steps=2))  # the engine still works
    assert ok.image.size == (32, 32)


def test_cancel_edit_and_cancel_before_start(engine, source_image):
    cancel = threading.Event()
    seen = []

    def on_step(p):
        seen.append(p.step)
        cancel.set()

    with pytest.raises(Cancelled):
        engine.edit(EditRequest("make it red", source_image, seed=1, steps=5), on_step=on_step, cancel=cancel)
    assert seen == [1]
    seen.clear()
    with pytest.raises(Cancelled):  # already set: nothing runs
        engine.generate(GenerateRequest("a tree", steps=3), on_step=seen.append, cancel=cancel)
    assert seen == []
    assert engine.lock.acquire(blocking=False)
    engine.lock.release()


def test_two_threads_never_run_loops_at_once(engine, engine_full):
    """Both engines share the CPU's lock: the steps of one job are never interleaved with another's."""
    events = []
    errors = []

    def job(eng, name):
        try:
            eng.generate(GenerateRequest(f"a {name} moon", seed=1, steps=4), on_step=lambda p: events.append(name))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(e, n)) for e, n in ((engine, "a"), (engine_full, "b"), (engine, "c"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert engine.lock is engine_full.lock
    runs = [events[i:i + 4] for i in range(0, len(events), 4)]
    assert len(events) == 12 and all(len(set(run)) == 1 for run in runs)
