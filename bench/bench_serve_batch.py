"""Serve batching: N concurrent generate calls through Ray Serve, batched vs one request per engine call.

    python bench/bench_serve_batch.py --users 4 --rounds 4 --repeats 4 --steps 8
    python bench/bench_serve_batch.py --users 4 --rounds 4 --repeats 4 --steps 8 --cpus-per-replica 2

Starts a local Ray cluster and deploys two one-replica engine applications on the same model (nano by
default): one with Serve batching (`--max-batch-size`, default 4, and a 50 ms wait) and one with
max_batch_size=1 (every generate request its own engine call, as without batching). Then, for each
in turn, `--users` threads each send `--rounds` generate calls one after another (different prompts
and seeds, the same settings, as users of different sessions would); the two take turns `--repeats`
times (batched first in even repeats, last in odd ones), so a change in the machine's other load
weighs on both. The run reports turns per second for both over all repeats, their ratio, and the
batch sizes the results carried (extra["batch"]).

On a small CPU machine the ratio is bounded by the cores: the transformer's work grows with the
batch there, and what batching saves is the per-call work around it (one text-encoding pass and one
lock hold per batch, the scheduler's and the pipeline's per-step work once for all). On a GPU a
batch of four uses the device far better than one prompt does.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

PROMPTS = ("a red circle on a blue background", "a yellow square on a black background",
           "a green triangle on a white background", "a blue circle on a yellow background",
           "a red square on a white background", "a black triangle on a green background")  # fmt: skip


def drive(engine, users: int, rounds: int, steps: int, offset: int = 0) -> tuple[int, float, Counter]:
    """`users` threads, each `rounds` generate calls in a row; returns (calls, wall seconds, batch sizes)."""
    from hidream_studio.domain import GenerateRequest

    sizes: Counter = Counter()
    errors: list[BaseException] = []

    def user(u: int) -> None:
        for r in range(rounds):
            prompt = PROMPTS[(u + r + offset) % len(PROMPTS)]
            try:
                result = engine.generate(GenerateRequest(prompt, seed=1000 * u + r + offset, steps=steps))
            except BaseException as exc:  # noqa: BLE001 - reported after the run
                errors.append(exc)
                return
            sizes[result.extra["batch"]] += 1

    threads = [threading.Thread(target=user, args=(u,)) for u in range(users)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} generate calls failed: {errors[0]!r}")
    return users * rounds, wall, sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=4, help="concurrent callers (default 4)")
    parser.add_argument("--rounds", type=int, default=6, help="generate calls per caller per repeat (default 6)")
    parser.add_argument("--repeats", type=int, default=4, help="alternations of the two deployments (default 4)")
    parser.add_argument("--steps", type=int, default=8, help="denoising steps per call (default 8)")
    parser.add_argument("--max-batch-size", type=int, default=4)
    parser.add_argument("--cpus-per-replica", type=float, default=1.0, help="Ray CPUs of the replica (its "
                        "torch threads follow them; default 1)")  # fmt: skip
    parser.add_argument("--model", default="nano")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import ray
    from bench_load import _cpu
    from ray import serve

    from hidream_studio.bootstrap import register_describers
    from hidream_studio.config import Settings
    from hidream_studio.engines import remote

    # Both deployments stay up, so the two are measured in alternation (the machine's other load
    # then weighs on both alike); the local cluster has the CPUs for both replicas.
    ray.init(namespace="hidream-studio", num_cpus=max(2, int(2 * args.cpus_per_replica)), include_dashboard=False,
             logging_level=logging.WARNING, log_to_driver=False)  # fmt: skip
    settings = Settings(home=Path(tempfile.mkdtemp(prefix="hidream-batch-")), model=args.model, editor=args.model,
                        device="cpu")  # fmt: skip
    report = {"model": args.model, "users": args.users, "rounds": args.rounds, "repeats": args.repeats,
              "steps": args.steps, "max_batch_size": args.max_batch_size,
              "cpus_per_replica": args.cpus_per_replica}  # fmt: skip
    modes = {"batched": args.max_batch_size, "unbatched": 1}
    totals = {mode: [0, 0.0, Counter()] for mode in modes}
    try:
        engines = {}
        for mode, size in modes.items():
            handle = remote.deploy(settings, 1, args.cpus_per_replica, 0.0, None, register_describers,
                                   max_batch_size=size, app_name=f"hidream-engine-{mode}")  # fmt: skip
            engines[mode] = remote.RemoteEngine(handle)
            engines[mode].load()
            drive(engines[mode], args.users, 1, args.steps)  # warm-up: one call per user
        for repeat in range(args.repeats):
            order = list(modes) if repeat % 2 == 0 else list(modes)[::-1]
            for mode in order:
                calls, wall, sizes = drive(engines[mode], args.users, args.rounds, args.steps, offset=repeat)
                totals[mode][0] += calls
                totals[mode][1] += wall
                totals[mode][2].update(sizes)
    finally:
        serve.shutdown()
    for mode, (calls, wall, sizes) in totals.items():
        report[f"{mode}_turns_per_s"] = round(calls / wall, 3)
        report[f"{mode}_batch_sizes"] = {str(k): v for k, v in sorted(sizes.items())}
    report["ratio"] = round(report["batched_turns_per_s"] / report["unbatched_turns_per_s"], 2)
    report["cpu"] = _cpu()
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
