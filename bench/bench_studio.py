"""Studio overhead per turn over the bare engine call, and the time from start to serving.

    python bench/bench_studio.py [--model tiny] [--turns 20] [--steps 2]

Prints JSON. Overhead = median(studio.handle) - median(engine.generate / engine.edit) on the same
prompt, steps and seed, measured alternately in one run (goal <= 50 ms). Start-to-serving launches
`hidream-studio serve` in a subprocess and times until the page answers HTTP 200.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def overhead(model: str, turns: int, steps: int, home: Path) -> dict:
    from hidream_studio.bootstrap import build_studio
    from hidream_studio.config import Settings
    from hidream_studio.domain import EditRequest, GenerateRequest
    from hidream_studio.studio import GenSettings, Turn

    studio = build_studio(Settings(home=home, model=model, editor=model), load_models=True)
    settings = GenSettings(steps=steps, seed=1)
    prompt, instruction = "a red circle on a blue background", "make the circle green"
    session = studio.new_session()
    studio.handle(Turn(session.id, prompt, settings=settings))  # warm-up, and a canvas to edit
    source = studio.store.load_image(studio.store.head(session.id))
    timings: dict[str, list[float]] = {k: [] for k in ("engine_generate", "studio_generate", "engine_edit", "studio_edit")}
    for _ in range(turns):
        t = time.perf_counter()
        studio.engine.generate(GenerateRequest(prompt, seed=1, steps=steps))
        timings["engine_generate"].append(time.perf_counter() - t)
        fresh = studio.new_session()
        t = time.perf_counter()
        studio.handle(Turn(fresh.id, prompt, settings=settings))
        timings["studio_generate"].append(time.perf_counter() - t)
        t = time.perf_counter()
        studio.engine.edit(EditRequest(instruction, source, seed=1, steps=steps))
        timings["engine_edit"].append(time.perf_counter() - t)
        t = time.perf_counter()
        studio.handle(Turn(fresh.id, instruction, settings=settings))
        timings["studio_edit"].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in timings.items()}
    return {
        "median_s": {k: round(v, 4) for k, v in med.items()},
        "overhead_ms_generate": round((med["studio_generate"] - med["engine_generate"]) * 1000, 1),
        "overhead_ms_edit": round((med["studio_edit"] - med["engine_edit"]) * 1000, 1),
    }


def start_to_serving(model: str, home: Path) -> float:
    port = free_port()
    cmd = [sys.executable, "-m", "hidream_studio", "--home", str(home), "--model", model, "serve", "--port", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 300:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the studio did not start within 300 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        result = {"model": args.model, "turns": args.turns, "steps": args.steps}
        result |= overhead(args.model, args.turns, args.steps, home)
        result["start_to_serving_s"] = round(start_to_serving(args.model, home), 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
