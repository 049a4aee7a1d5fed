"""Benchmark of the version store on a 10,000-version session (a plain script; prints JSON).

    python bench/bench_store.py [--versions 10000] [--samples 300] [--keep DIR]

Builds a session of N versions (a long history with a side branch every 50 versions, two
messages per version) in a temporary SQLite store, then times, on top of it:
  add_version      record_turn with a 64x64 image: PNG encode, atomic fsynced file, one transaction
  undo / redo      one head move each (alternating at the deep end of the history)
  checkout         to a random version (re-points the redo path: a recursive read)
  load_tree        store.versions(): the whole tree as Version objects, for display; cold (a
                   freshly opened store) and after a turn (the store's append-only cache of rows)
  image_file_write the content-addressed file alone (write, fsync, rename, fsync folder): the
                   disk's share of add_version
  open             Store.open on the existing database (schema check + orphan scan)
Goals (issue 2): add <= 5 ms, undo/redo <= 2 ms, load_tree <= 100 ms (medians).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from hidream_studio.domain import Message, Recipe, VersionKind
from hidream_studio.store import Store
from hidream_studio.store import queries as q
from hidream_studio.store.files import encode_png, recipe_metadata
from hidream_studio.store.schema import messages, sessions, utcnow, versions


def build(store: Store, n: int) -> str:
    """A session with `n` versions, inserted in bulk (same rows record_turn writes)."""
    sid = store.create_session("bench").id
    recipe = Recipe(VersionKind.GENERATE, prompt="a lighthouse at dusk", prompt_sent="a lighthouse at dusk",
                    model_id="HiDream-ai/HiDream-I1-Fast", seed=1, steps=16, guidance=0.0, width=64, height=64)  # fmt: skip
    sha = store.files.write(encode_png(Image.new("RGB", (64, 64)), recipe_metadata(recipe, session=sid, version=1,
                                                                                      parent=None)))  # fmt: skip
    now = utcnow()
    rows, msgs = [], []
    for number in range(1, n + 1):
        parent = None if number == 1 else (number - 10 if number % 50 == 0 else number - 1)
        rows.append({"session_id": sid, "number": number, "parent": parent, "kind": "generate",
                     "prompt": f"{recipe.prompt} {number}", "prompt_sent": recipe.prompt, "model_id": recipe.model_id,
                     "seed": number, "steps": 16, "guidance": 0.0, "width": 64, "height": 64,
                     "image_sha256": sha, "elapsed_s": 1.5, "created_at": now})  # fmt: skip
        msgs += [{"session_id": sid, "turn": number, "role": "user", "text": f"draw {number}", "version": None,
                  "decision": {"route": "generate", "text": "x", "target": None, "reason": ""}, "created_at": now},
                 {"session_id": sid, "turn": number, "role": "assistant", "text": "here", "version": number,
                  "decision": None, "created_at": now}]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(sa.insert(versions), rows)
        conn.execute(sa.insert(messages), msgs)
        conn.execute(
            sa.update(sessions).where(sessions.c.id == sid).values(head=n, last_number=n, last_turn=n)
        )
        q.point_path_at(conn, sid, n)
    return sid


def timed(fn, samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3),
            "samples": len(ms)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--keep", help="build the store in this folder (default: a temporary one)")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-store-"))
    url = f"sqlite:///{root / 'studio.db'}"
    rng = random.Random(0)

    store = Store.open(url, root / "images")
    t0 = time.perf_counter()
    sid = build(store, args.versions)
    build_s = time.perf_counter() - t0

    imgs = [Image.frombytes("RGB", (64, 64), rng.randbytes(64 * 64 * 3)) for _ in range(args.samples)]
    it = iter(imgs)
    recipe = Recipe(VersionKind.EDIT, prompt="make it green", model_id="HiDream-ai/HiDream-E1-Full", seed=3)
    turn = [Message("user", "make it green"), Message("assistant", "done", version=0)]
    add = timed(lambda: store.record_turn(sid, image=next(it), recipe=recipe, messages=turn), args.samples)
    undo = timed(lambda: store.undo(sid), args.samples)
    redo = timed(lambda: store.redo(sid), args.samples)
    undo_redo = timed(lambda: (store.undo(sid), store.redo(sid)), args.samples)
    total = args.versions + args.samples
    checkout = timed(lambda: store.checkout(sid, rng.randint(1, total)), 100)
    store.versions(sid)
    load_warm = timed(lambda: (store.record_turn(sid, messages=turn), store.versions(sid)), 15)
    assert len(store.versions(sid)) == total
    file_write = timed(lambda: store.files.write(rng.randbytes(13_000)), 100)  # ~ a 64x64 PNG
    store.close()
    reopen = timed(lambda: Store.open(url, root / "images").close(), 5)
    load_cold = []
    for _ in range(7):
        with Store.open(url, root / "images") as fresh:
            load_cold += timed(lambda fresh=fresh: fresh.versions(sid), 1)

    result = {
        "benchmark": "store",
        "versions_in_session": total,
        "build_s": round(build_s, 2),
        "add_version": summary(add),
        "undo": summary(undo),
        "redo": summary(redo),
        "undo_then_redo_pair": summary(undo_redo),
        "checkout_random": summary(checkout),
        "image_file_write_fsync": summary(file_write),
        "load_tree_cold": summary(load_cold),
        "load_tree_after_a_turn": summary(load_warm),
        "open_existing": summary(reopen),
        "goals_met": {
            "add_version_median_le_5ms": statistics.median(add) <= 5,
            "undo_redo_median_le_2ms": max(statistics.median(undo), statistics.median(redo)) <= 2,
            "load_tree_cold_median_le_100ms": statistics.median(load_cold) <= 100,
        },
        "machine": {
            "python": platform.python_version(),
            "sqlalchemy": sa.__version__,
            "sqlite": __import__("sqlite3").sqlite_version,
            "cpus": os.cpu_count(),
            "load_avg_1min": round(os.getloadavg()[0], 2),  # 2 shared cores: figures vary with it
        },  # fmt: skip
        "database": str(root / "studio.db"),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
