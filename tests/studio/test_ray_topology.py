"""The team topology on one machine: `engine-serve` (a local Ray cluster, two nano engine replicas),
two web replicas sharing one database, images folder and secret, and the load test's checks.

Slow (Ray and two replicas start in one to several minutes on 2 CPU cores); skipped without the
[ray] extra or the nano weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hidream_studio.config import NANO_ASSETS
from hidream_studio.domain import Cancelled, EditRequest, GenerateRequest, InvalidImage, InvalidParams

pytest.importorskip("ray.serve", reason="needs the [ray] extra: pip install -e '.[ray]'")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (NANO_ASSETS / "hidream_studio.json").exists(), reason="needs the nano weights"),
]
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


@pytest.fixture(scope="module")
def engine_tier(tmp_path_factory):
    """`hidream-studio engine-serve --replicas 2` on a local Ray cluster, and this process joined to it."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_load

    home = tmp_path_factory.mktemp("engine-home")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    proc = subprocess.Popen(
        bench_load.cli("--home", str(home), "--model", "nano", "--editor", "nano", "--device", "cpu",
                       "engine-serve", "--replicas", "2"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV, start_new_session=True,
    )  # fmt: skip
    try:
        bench_load.wait_for_line(proc, "HiDream engine on Ray Serve", timeout=900)
        from hidream_studio.engines.remote import RemoteEngine

        yield RemoteEngine.connect("auto")
    finally:
        import ray

        ray.shutdown()
        proc.terminate()
        proc.wait(timeout=120)


def test_the_remote_engine_keeps_the_engine_contract(engine_tier):
    engine = engine_tier
    assert engine.describe()["generator"] == "nano" and engine.concurrency == 4
    assert engine.defaults("generate")["steps"] > 0 and (128, 128) in engine.aspect_ratios
    steps = []
    made = engine.generate(GenerateRequest("a red circle on a blue background", seed=3, steps=3), on_step=steps.append)
    assert made.image.size == (128, 128) and made.seed == 3 and made.model_id == "nano"
    assert [p.step for p in steps] == [1, 2, 3] and steps[-1].total == 3  # progress streamed back
    options = engine.generate_options(GenerateRequest("a yellow square", seed=5, steps=2), 2)
    assert [r.seed for r in options] == [5, 6] and all(r.image.size == (128, 128) for r in options)
    edited = engine.edit(EditRequest("make the circle green", source=made.image, seed=1, steps=2))
    assert edited.image.size == (128, 128) and edited.steps == 2
    with pytest.raises(InvalidParams):  # a user mistake keeps its kind across the hop
        engine.generate(GenerateRequest("  "))
    with pytest.raises(InvalidImage):
        engine.edit(EditRequest("make it blue", source=b"not an image"))
    cancel, seen = threading.Event(), []

    def stop_at_two(progress):
        seen.append(progress.step)
        if progress.step == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        engine.generate(GenerateRequest("a red circle", seed=1, steps=40), on_step=stop_at_two, cancel=cancel)
    assert max(seen) <= 3  # stopped within one step of the Stop


@pytest.fixture(scope="module")
def batching_tier(engine_tier, tmp_path_factory):
    """A third engine replica on the same cluster, in its own application, whose batches wait until
    four generate requests are there (max_batch_size=4, a wait far longer than the test's requests
    take to arrive): which requests share a batch is then fixed by the test, not by timing."""
    from ray import serve

    from hidream_studio.bootstrap import register_describers
    from hidream_studio.config import Settings
    from hidream_studio.engines.remote import RemoteEngine, build_app

    settings = Settings(home=tmp_path_factory.mktemp("batch-home"), model="nano", editor="nano", device="cpu")
    app = build_app(settings, 1, cpus_per_replica=0.0, setup=register_describers, max_batch_size=4, batch_wait_s=600)
    handle = serve.run(app, name="hidream-engine-batch-test", route_prefix=None)
    try:
        yield RemoteEngine(handle)
    finally:
        serve.delete("hidream-engine-batch-test")


def _concurrently(engine, requests, cancels=None, on_steps=None):
    """Each request's generate in its own thread, all at once; returns results or the exceptions raised."""
    out: list = [None] * len(requests)

    def one(i):
        try:
            out[i] = engine.generate(requests[i], on_step=(on_steps or {}).get(i), cancel=(cancels or {}).get(i))
        except Exception as exc:  # noqa: BLE001 - returned to the test
            out[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    return out


def _pixels(result):
    import numpy as np

    return np.asarray(result.image, dtype=np.int16)


def test_generate_requests_of_different_sessions_share_one_engine_call(engine_tier, batching_tier):
    """Three prompts with one set of settings and a fourth with other steps arrive as one Serve batch:
    the three run as one engine call, the fourth apart; each image is the one its recipe makes alone,
    and every caller got its own per-step progress."""
    import numpy as np

    requests = [GenerateRequest("a red circle on a blue background", seed=1, steps=3),
                GenerateRequest("a yellow square on a black background", seed=2, steps=3),
                GenerateRequest("a green triangle on a white background", seed=3, steps=3),
                GenerateRequest("a red circle on a blue background", seed=4, steps=2)]  # fmt: skip
    steps = {i: [] for i in range(4)}
    made = _concurrently(batching_tier, requests, on_steps={i: steps[i].append for i in range(4)})
    assert [r.extra["batch"] for r in made] == [3, 3, 3, 1], made
    assert [[p.step for p in steps[i]] for i in range(4)] == [[1, 2, 3]] * 3 + [[1, 2]]
    assert [(r.prompt_sent, r.seed, r.steps) for r in made] == [(q.prompt, q.seed, q.steps) for q in requests]
    for req, got in zip(requests, made, strict=True):
        single = engine_tier.generate(req)  # alone, on another replica
        assert single.extra["batch"] == 1
        assert np.abs(_pixels(single) - _pixels(got)).max() <= 2  # batched float summation order only


def test_a_caller_that_stops_leaves_the_others_of_its_batch_intact(engine_tier, batching_tier):
    import numpy as np

    requests = [GenerateRequest(p, seed=7, steps=4) for p in
                ("a red circle on a blue background", "a yellow square on a black background",
                 "a green triangle on a white background", "a red circle on a white background")]  # fmt: skip
    cancel, seen = threading.Event(), []

    def stop_at_two(progress):
        seen.append(progress.step)
        if progress.step == 2:
            cancel.set()

    made = _concurrently(batching_tier, requests, cancels={3: cancel}, on_steps={3: stop_at_two})
    assert isinstance(made[3], Cancelled) and max(seen) <= 3  # Cancelled at once for the one who stopped
    assert [r.extra["batch"] for r in made[:3]] == [4, 4, 4]  # the batch went on for the others
    for req, got in zip(requests[:3], made[:3], strict=True):
        assert np.abs(_pixels(engine_tier.generate(req)) - _pixels(got)).max() <= 2
    # A user mistake is refused before batching: it fails alone, at once, without a batch to fill.
    with pytest.raises(InvalidParams):
        batching_tier.generate(GenerateRequest("  ", steps=3))


def test_two_web_replicas_under_load_lose_nothing(engine_tier, databases, tmp_path):
    """Users alternate between two web replicas turn by turn; every tree is then checked in the store."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_load.py"), "--attach", "--web-replicas", "2", "--users", "2",
         "--duration", "25", "--home", str(tmp_path), "--database-url", databases.new(), "--json"],
        capture_output=True, text=True, env=ENV, timeout=900,
    )  # fmt: skip
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["problems"] == [] and report["versions"] >= 2 and report["web_replicas"] == 2
