"""Median turn time of HiDream-Nano through the studio engine (text encoding + denoising + decoding).

    python bench/bench_nano.py [--runs 7] [--steps N] [--threads 2]

Prints JSON: median / min seconds for a generate turn and an edit turn at the nano presets
(128x128), measured after one warm-up turn each, prompt cache defeated by a fresh prompt per turn;
and "edit_long": Chinese edits whose E1-Full prompt is longer than nano's padding length (40 tokens),
so the text is encoded at 48-56 tokens instead (the slowest turns nano has).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--steps", type=int, default=None, help="default: the nano preset's")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from hidream_studio.config import Settings
    from hidream_studio.domain import EditRequest, GenerateRequest
    from hidream_studio.engines import load_engine
    from hidream_studio.nano import world

    engine = load_engine(Settings(home=tempfile.mkdtemp(), model="nano", device="cpu"))
    t0 = time.perf_counter()
    engine.load()
    load_s = time.perf_counter() - t0
    rng = random.Random(0)
    long_rng = random.Random(1)  # its own stream: the generate / edit cases stay those of earlier runs
    times: dict[str, list[float]] = {"generate": [], "edit": [], "edit_long": []}

    def timed_edit(kind: str, e, seed: int) -> None:
        source = world.render(e.source)
        t = time.perf_counter()
        engine.edit(EditRequest(instruction=e.instruction, source=source, target_description=e.description,
                                seed=seed, steps=args.steps))
        if seed:  # turn 0 is the warm-up
            times[kind].append(time.perf_counter() - t)

    for i in range(args.runs + 1):  # the first turn of each kind is a warm-up
        scene = world.sample_scene(rng, split=None)
        prompt = world.describe(scene, rng.choice(world.LANGS), rng)  # new text: the prompt cache misses
        t = time.perf_counter()
        engine.generate(GenerateRequest(prompt=prompt, seed=i, steps=args.steps))
        if i:
            times["generate"].append(time.perf_counter() - t)
        timed_edit("edit", world.sample_edit(rng, split=None), i)
        timed_edit("edit_long", long_chinese_edit(engine, long_rng), i)
    print(json.dumps({
        "model": engine.describe(),
        "defaults": {"generate": engine.defaults("generate"), "edit": engine.defaults("edit")},
        "threads": args.threads, "cpu": platform.processor() or platform.machine(), "runs": args.runs,
        "load_s": round(load_s, 2),
        **{f"{k}_median_s": round(statistics.median(v), 3) for k, v in times.items()},
        **{f"{k}_min_s": round(min(v), 3) for k, v in times.items()},
        "goal_median_s": 1.5,
    }, default=str))


def long_chinese_edit(engine, rng):
    """A Chinese edit whose E1-Full prompt is encoded past the model's padding length."""
    from hidream_studio.nano import world

    while True:
        e = world.sample_edit(rng, "zh", split=None)
        if engine.text.length_for(world.edit_prompt(e.instruction, e.description)) > engine.text.max_sequence_length:
            return e


if __name__ == "__main__":
    main()
