"""How long the drawn version tree takes to build for a session of N versions (layout + SVG).

    python bench/bench_tree.py [--versions 300] [--runs 5]

Builds a real store (SQLite in a temp folder) with N versions that branch every 7th turn, then
times store.versions + redo_path + tree_svg, the work the page does after every turn.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from hidream_studio.domain import Recipe, VersionKind
from hidream_studio.store import Store
from hidream_studio.ui.tree import tree_svg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'studio.db'}", Path(tmp) / "images")
        sid = store.create_session("bench").id
        image = Image.new("RGB", (16, 16))
        for i in range(1, args.versions + 1):
            if i % 7 == 0:
                store.undo(sid)
                store.undo(sid)
            store.record_turn(sid, image=image, recipe=Recipe(VersionKind.EDIT, f"turn {i}"))
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            versions = store.versions(sid)
            head = store.head(sid)
            svg = tree_svg(versions, head.number, store.redo_path(sid), lambda v: v.image_path)
            times.append((time.perf_counter() - started) * 1000)
        print(f"{args.versions} versions: median {statistics.median(times):.1f} ms "
              f"(min {min(times):.1f}), SVG {len(svg) / 1024:.0f} KiB")
        store.close()


if __name__ == "__main__":
    main()
