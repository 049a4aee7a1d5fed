"""Durability: a real process restart, 8 writer threads, 4 writer processes, a writer killed with
SIGKILL mid-write (on SQLite, and on PostgreSQL when the tests run on a server)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from hidream_studio.domain import Message
from hidream_studio.store import Store, read_png_metadata

from .helpers import add, run_python


def test_the_tree_survives_a_process_restart(home, db_url):
    url = db_url
    child = run_python(
        f"""
        from PIL import Image
        from hidream_studio.domain import Message, Recipe, VersionKind
        from hidream_studio.store import Store
        store = Store.open({url!r}, {str(home / "images")!r})
        sid = store.create_session("restart").id
        for n in range(3):
            store.record_turn(sid, image=Image.new("RGB", (16, 16), (n, 0, 0)),
                              recipe=Recipe(VersionKind.GENERATE, prompt=f"p{{n}}", seed=n),
                              messages=[Message("user", f"p{{n}}"), Message("assistant", "ok", version=0)])
        store.undo(sid)
        store.close()
        print(sid)
        """,
        cwd=home.parent,
    )
    assert child.returncode == 0, child.stderr
    sid = child.stdout.strip()
    with Store.open(url, home / "images") as store:
        assert store.get_session("restart").id == sid
        assert store.head(sid).number == 2
        assert store.redo(sid).number == 3  # the redo path survived too
        assert [m.version for m in store.messages(sid)] == [None, 1, None, 2, None, 3]
        assert all(Path(v.image_path).is_file() for v in store.versions(sid))


def test_eight_threads_fifty_versions_each_lose_nothing(store):
    shared = store.create_session("shared").id
    errors: list[BaseException] = []
    made: list[list[int]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def writer(t: int) -> None:
        try:
            start.wait()
            for i in range(50):
                seed = t * 1000 + i
                msgs = [Message("assistant", f"t{t} i{i}", version=0)]
                made[t].append(add(store, shared, seed, messages=msgs).number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    numbers = sorted(n for per in made for n in per)
    assert numbers == list(range(1, 401))  # unique and gap-free
    versions = store.versions(shared)
    assert [v.number for v in versions] == numbers
    by_prompt = {v.recipe.prompt: v.number for v in versions}
    for t in range(8):
        assert [by_prompt[f"v{t * 1000 + i}"] for i in range(50)] == made[t]
    for v in versions:  # the file's own chunks agree with its row, even when the guess was wrong
        meta = read_png_metadata(Path(v.image_path))
        assert (meta["version"], meta["parent"]) == (v.number, v.parent)
        assert v.parent is None or v.parent < v.number
    msgs = store.messages(shared)
    assert len(msgs) == 400
    assert {m.text: m.version for m in msgs} == {
        f"t{t} i{i}": made[t][i] for t in range(8) for i in range(50)
    }  # fmt: skip


PROCESS_WRITER = """
import json, sys
from PIL import Image
from hidream_studio.domain import Message, Recipe, VersionKind
from hidream_studio.store import Store
url, images, me, turns = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = Store.open(url, images)  # all open a fresh database at once: one migrates, the others wait
sid = store.ensure_session("shared")[0].id  # all ask for the same new title: one session is made
made = []
for i in range(turns):
    v = store.record_turn(sid, image=Image.new("RGB", (16, 16), (me, i, 7)),
                          recipe=Recipe(VersionKind.GENERATE, prompt=f"p{me} i{i}", seed=i),
                          messages=[Message("user", f"p{me} i{i}"), Message("assistant", "ok", version=0)])
    made.append(v.number)
    if i % 5 == 4:
        store.undo(sid)
        store.redo(sid)
store.close()
print(json.dumps({"session": sid, "made": made}))
"""


def test_four_processes_share_one_session_without_gaps(home, db_url):
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(PROCESS_WRITER), db_url, str(home / "images"),
                          str(me), "15"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=home.parent)
        for me in range(4)
    ]  # fmt: skip
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
        outs.append(json.loads(out))
    assert len({o["session"] for o in outs}) == 1
    made = [o["made"] for o in outs]
    assert all(per == sorted(per) for per in made)  # each writer saw its own numbers grow
    numbers = sorted(n for per in made for n in per)
    assert numbers == list(range(1, 61))  # unique and gap-free across processes
    with Store.open(db_url, home / "images") as store:
        assert [s.title for s in store.list_sessions()] == ["shared"]
        sid = outs[0]["session"]
        versions = store.versions(sid)
        by_prompt = {v.recipe.prompt: v.number for v in versions}
        assert by_prompt == {f"p{me} i{i}": made[me][i] for me in range(4) for i in range(15)}
        for v in versions:  # each file's own chunks name its row, whichever writer guessed first
            assert read_png_metadata(Path(v.image_path))["version"] == v.number
        turns: dict[int, list] = {}
        for turn, m in store.message_turns(sid):
            turns.setdefault(turn, []).append((m.role, m.version))
        recorded = [t for t in turns.values() if t[0][0] == "user"]
        assert sorted(t[1][1] for t in recorded) == numbers  # every turn whole: question and answer
        assert all(len(t) == 2 and t[1][0] == "assistant" for t in recorded)


WRITER = """
import os, sys, threading
from PIL import Image
from hidream_studio.domain import Message, Recipe, VersionKind
from hidream_studio.store import Store
store = Store.open(sys.argv[1], sys.argv[2])
sid = store.ensure_session("crash")[0].id
count = 0
lock = threading.Lock()

def loop(t):
    global count
    while True:
        img = Image.frombytes("RGB", (96, 96), os.urandom(96 * 96 * 3))
        store.record_turn(sid, image=img, recipe=Recipe(VersionKind.GENERATE, prompt=f"t{t}"),
                          messages=[Message("user", "go"), Message("assistant", "made", version=0)])
        if t == 0:
            store.undo(sid)
            store.redo(sid)
        with lock:
            count += 1
            if count == 30:
                print("ready", flush=True)

for t in range(3):
    threading.Thread(target=loop, args=(t,), daemon=True).start()
threading.Event().wait()
"""


def test_sigkill_mid_write_leaves_a_sound_database(home, db_url):
    url = db_url
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), url, str(home / "images")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=home.parent,
    )  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == "ready", (
            proc.stderr.read() if proc.poll() is not None else ""
        )
        time.sleep(0.37)  # well inside the write loop
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    if url.startswith("sqlite"):
        raw = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            raw.close()
    with Store.open(url, home / "images") as store:
        sid = store.get_session("crash").id
        versions = store.versions(sid)
        assert len(versions) >= 30
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        for v in versions:  # every row has its complete file
            assert read_png_metadata(Path(v.image_path))["version"] == v.number
            store.load_image(v)
        msgs = store.messages(sid)
        assert len(msgs) == 2 * len(versions)  # each turn: both messages or neither
        assert sorted(m.version for m in msgs if m.role == "assistant") == [v.number for v in versions]
        files_before = sum(1 for _ in store.files.iter_files())
        removed = store.collect_orphans(min_age_s=0)
        assert sum(1 for _ in store.files.iter_files()) == files_before - removed == len(versions)
        assert add(store, sid, 1).number == len(versions) + 1  # and it carries on
