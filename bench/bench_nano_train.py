"""Seconds per nano-I1 training step: plain fp32, --bf16, --compile, and both, in one run.

    python bench/bench_nano_train.py --run /tmp/nano-runs [--steps 60] [--modes fp32,bf16,compile,compile+bf16]
                                     [--device auto|cpu|cuda]

RUN must hold a trained VAE and text encoders (`hidream-studio nano train-vae --out RUN` first); each
mode trains a throwaway copy (RUN/bench-<mode>, removed afterwards) from scratch for --steps steps
at the real NanoSpec and batch size, and the step time is the median of the trainer's own log
intervals after the first 20 steps (compilation happens there). Compare modes within one run only:
the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", default="/tmp/nano-runs")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--modes", default="fp32,bf16,compile,compile+bf16")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda[:N]")
    args = parser.parse_args()
    run = Path(args.run)
    if not (run / "vae" / "vae").exists():
        raise SystemExit(f"{run}/vae/vae is missing: run `hidream-studio nano train-vae --out {run}` first")

    from hidream_studio.nano import train_i1

    report = {"machine": platform.processor() or platform.machine(), "threads": args.threads, "steps": args.steps,
              "device": str(train_i1.training_device(args.device))}
    for mode in args.modes.split(","):
        name = f"bench-{mode.replace('+', '-')}"
        started = time.perf_counter()
        try:
            out = train_i1.train(run, steps=args.steps, resume=False, out_name=name, threads=args.threads,
                                 ckpt_every=10**9, log_every=10, bf16="bf16" in mode, compile="compile" in mode,
                                 device=args.device)
            rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
            marks = [(r["step"], r["t"]) for r in rows if "step" in r and r["step"] >= 20]
            per_step = [(t2 - t1) / (s2 - s1) for (s1, t1), (s2, t2) in zip(marks, marks[1:], strict=False)]
            report[mode] = {"s_per_step": round(statistics.median(per_step), 3),
                            "total_s": round(time.perf_counter() - started, 1)}
        finally:
            shutil.rmtree(run / name, ignore_errors=True)
        print(json.dumps({mode: report[mode]}), flush=True)
    base = report.get("fp32", {}).get("s_per_step")
    if base:
        report["speedup_vs_fp32"] = {m: round(base / report[m]["s_per_step"], 2)
                                     for m in args.modes.split(",") if m != "fp32"}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
