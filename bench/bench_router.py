"""Benchmark of the router (a plain script; prints JSON).

    python bench/bench_router.py [--starts 10]

  route_ms     route() per message, in process, over the project's phrasings and hand-written
               mixed turns (rules and classifier alike), model already loaded: wall median, p95,
               max; route_cpu_ms the mean CPU time (process_time: unaffected by other processes)
  load_ms      reading the shipped weights (assets/router/router.bin) once
  start_s      `python -m hidream_studio.cli route --canvas "make it blue"` as a new process,
               wall clock from spawn to exit: median and max of --starts runs; bare_python_start_s
               the same for `python -c pass` on the same machine at the same time
  imports      heavy modules a route process loads (must be none: no torch, no numpy)
Goals (issue 13): <= 5 ms per message, <= 1 s process start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from hidream_studio.router import route
from hidream_studio.router.model import WEIGHTS, IntentModel
from hidream_studio.router.training import project


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10, help="process starts to time")
    args = parser.parse_args()

    t = time.perf_counter()
    model = IntentModel.load(WEIGHTS)
    load_ms = (time.perf_counter() - t) * 1000

    messages = [e.text for e in project.handwritten()] + [m for m, _, _ in project.mixed_turns()]
    for text in messages[:20]:  # warm the regex caches
        route(text, has_canvas=True, model=model)
    times, cpu = [], []
    for text in messages:
        t, c = time.perf_counter(), time.process_time()
        route(text, has_canvas=True, model=model)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()

    cmd = [sys.executable, "-m", "hidream_studio.cli", "route", "--canvas", "make it blue"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    starts = []
    for _ in range(args.starts):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        starts.append(time.perf_counter() - t)
    bare = []
    for _ in range(args.starts):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
        bare.append(time.perf_counter() - t)
    probe = ("import sys; from hidream_studio.cli import main; main(['route', '--canvas', 'make it blue']); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('torch', 'numpy', 'diffusers', 'transformers', 'gradio', 'sqlalchemy', 'PIL')))")
    imports = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                             env=env).stdout.strip().splitlines()[-1]

    print(json.dumps({
        "cpu": _cpu(), "cores": os.cpu_count(), "python": platform.python_version(),
        "messages": len(times),
        "route_ms": {"median": round(statistics.median(times), 3), "p95": round(times[int(0.95 * len(times))], 3),
                     "max": round(times[-1], 3)},
        "route_cpu_ms": {"mean": round(statistics.fmean(cpu), 3)},
        "load_ms": round(load_ms, 1),
        "weights_bytes": WEIGHTS.stat().st_size,
        "start_s": {"median": round(statistics.median(starts), 3), "max": round(max(starts), 3)},
        "bare_python_start_s": {"median": round(statistics.median(bare), 3)},
        "imports": imports,
    }, indent=1))


if __name__ == "__main__":
    main()
