"""Planner latency: what the resident Llama adds to a turn (route, describe, reply, expand).

    python bench/bench_planner.py [--repeats 7] [--threads 1] [--home /tmp/hidream-bench]

On the CPU it times the tiny model's random Llama (2 layers, 32 wide): the planner's own overhead
(templating, tokenizing, the cache repeat, the checks), not a real model's speed. bench_gpu.py calls
`planner_latency` on a full-size random Llama-3.1-8B for the figures that matter.

A random Llama never writes its end token, so every generating job runs to its token cap
(MAX_NEW_TOKENS): those figures are the cap's worst case; real answers are shorter.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _median(fn, repeats: int, sync=lambda: None) -> float:
    fn()  # warm-up
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 4)


def planner_latency(planner, repeats: int, sync=lambda: None) -> dict:
    """Median seconds of each planner job (budget lifted), and the prompt sizes they ran at."""
    from hidream_studio.engines import planner_io as io
    from hidream_studio.engines.planner import MAX_NEW_TOKENS

    planner.budget_s = 1e9
    empty = io.PlannerState(False)
    prompts = [f"a cat wearing a {c} hat, studio photo" for c in ("red", "blue", "green", "white")] * 3
    full = io.PlannerState(True, prompts[-1], tuple(enumerate(prompts, start=1)), head=12, previous_route="edit")
    message = "go back to the one with the red hat"
    out = {
        "route_no_canvas_s": _median(lambda: planner.choose_route("a lighthouse at night", empty), repeats, sync),
        "route_12_versions_s": _median(lambda: planner.choose_route(message, full), repeats, sync),
        "describe_s": _median(lambda: planner.describe("make the hat green", prompts[0]), repeats, sync),
        "reply_s": _median(lambda: planner.reply("thanks, that's great!", full), repeats, sync),
        "expand_s": _median(lambda: planner.expand("a cat in a hat"), repeats, sync),
    }
    out["route_options"] = {"no_canvas": len(io.route_options(empty)), "12_versions": len(io.route_options(full))}
    out["prompt_tokens"] = {
        "route_12_versions": len(planner.prompt_ids(io.route_messages(message, full))),
        "describe": len(planner.prompt_ids(io.describe_messages("make the hat green", prompts[0]))),
    }
    out["generated_tokens_cap"] = dict(MAX_NEW_TOKENS)
    out["describe_answer_ended"] = planner.last is not None and planner.last.outcome != "no end within the token limit"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--home", default="/tmp/hidream-bench")
    args = parser.parse_args()

    import torch

    from hidream_studio.config import Settings
    from hidream_studio.engines import load_engine
    from hidream_studio.router import route

    torch.set_num_threads(args.threads)
    engine = load_engine(Settings(home=Path(args.home), model="tiny", device="cpu", dtype="float32", planner="on"))
    engine.load()  # builds <home>/models/tiny on first use
    rules = _median(lambda: route("go back to the one with the red hat", has_canvas=True), max(args.repeats, 50))
    print(json.dumps({
        "benchmark": "planner_cpu_tiny",
        "machine": f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores), torch threads {args.threads}",
        "torch": torch.__version__,
        "model": "tiny random Llama (2 layers, hidden 32): the planner's own overhead, not a real model's speed",
        "repeats": args.repeats,
        "rules_route_s": rules,
        "median_s": planner_latency(engine.planner, args.repeats),
    }, indent=2))


if __name__ == "__main__":
    main()
