"""Load test: K simulated users on a deployed topology for a bounded time, then every tree checked.

    python bench/bench_load.py --engine-replicas 2 --web-replicas 2 --users 4 --duration 60
    python bench/bench_load.py --engine local --web-replicas 1 --users 4 --duration 60   # no Ray
    python bench/bench_load.py --hop-runs 20          # the Ray hop's cost per turn, in ms

It starts the topology itself: `hidream-studio engine-serve` (a local Ray cluster with N engine
replicas) unless `--engine local`, then W `hidream-studio serve --engine ray` web replicas on free
ports, all sharing one database (`--database-url`, default a SQLite file in the run's home), one
images folder and one browser-state secret. Each user is a real `gradio_client` session that
alternates between the web replicas turn by turn (so every session continues on another replica)
and does a random mix of generate, edit, undo, variation and checkout ("go back to version k").

Every user keeps its own model of its tree from what the server answered. At the end the store
is read directly and each session must match its model exactly: the same versions (numbers
gap-free, none lost or duplicated), the same parents and kinds, head where the user left it,
and every image file present with the hash its row names. Any mismatch is printed and the exit
status is 1. Figures: turns per minute (all users), p50 / p95 turn latency as the user sees it.

On a small CPU machine the engine replicas share the same cores, so a second replica cannot make
turns much faster there; the figures show the tier working, not a GPU cluster's scaling.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CREATED = re.compile(r"^\*\*v(\d+)\*\* · ")  # how the chat shows a reply that made a version
ACTIONS = ("generate", "edit", "undo", "variation", "checkout")
WEIGHTS = (3, 3, 2, 1, 1)
PROMPTS = ("a red circle on a blue background", "a yellow square on a black background",
           "a green triangle on a white background")  # fmt: skip
EDITS = ("make the circle green", "make the background yellow", "make the square red")


@dataclass
class TreeModel:
    """What one user believes its session looks like, built only from the server's answers."""

    parents: dict[int, int | None] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    head: int | None = None

    def made(self, number: int, kind: str, problems: list[str]) -> None:
        expected = len(self.parents) + 1
        if number != expected:
            problems.append(f"the server made v{number}, expected v{expected}")
        self.parents[number], self.kinds[number], self.head = self.head, kind, number

    def undo(self) -> None:
        if self.head is not None and self.parents[self.head] is not None:
            self.head = self.parents[self.head]


@dataclass
class UserStats:
    latencies: list[float] = field(default_factory=list)
    turns: int = 0
    notices: int = 0
    problems: list[str] = field(default_factory=list)
    session: str | None = None
    model: TreeModel = field(default_factory=TreeModel)


def simulate_user(urls: list[str], seed: int, deadline: float, steps: int, stats: UserStats) -> None:
    """One user: turns until `deadline`, alternating web replicas, recording its tree model."""
    from gradio_client import Client

    fields = api_fields()
    rng = random.Random(seed)
    clients = [Client(url, verbose=False) for url in urls]
    state: dict = {"session": None}
    turn = 0
    while time.time() < deadline:
        client = clients[turn % len(clients)]
        turn += 1
        model = stats.model
        action = rng.choices(ACTIONS, WEIGHTS)[0] if model.head is not None else "generate"
        started = time.perf_counter()
        try:
            if action == "undo":
                out = dict(zip(fields[1:], client.predict(state, api_name="/undo"), strict=True))  # no input box
                state = out["state"]
                model.undo()
            else:
                text = {
                    "generate": rng.choice(PROMPTS),
                    "edit": rng.choice(EDITS),
                    "variation": "another one",
                    "checkout": f"go back to version {rng.randint(1, max(1, len(model.parents)))}",
                }[action]
                out = client.predict({"text": text, "files": []}, state, steps, None, None, None,
                                     rng.randrange(1000), None, api_name="/send")  # fmt: skip
                out = dict(zip(fields, out, strict=True))
                state = out["state"]
                notice = out["progress"] or ""
                reply = _last_reply(out["chat"])
                if notice.startswith("⚠"):
                    stats.notices += 1  # a refused turn (nano could not read the canvas): nothing made
                elif action == "checkout":
                    model.head = int(text.rsplit(" ", 1)[1])
                elif (m := CREATED.match(reply)) is not None:
                    model.made(int(m.group(1)), "variation" if action == "variation" else action, stats.problems)
                else:
                    stats.problems.append(f"{action}: neither a notice nor a new version: {reply[-120:]!r}")
        except Exception as exc:  # noqa: BLE001 - a failed turn is a finding, not a crash of the bench
            stats.problems.append(f"{action} failed: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        stats.latencies.append(time.perf_counter() - started)
        stats.turns += 1
        stats.session = state.get("session") if isinstance(state, dict) else stats.session


def api_fields() -> list[str]:
    """The page's outputs in the order API callers receive them (buttons carry no API value)."""
    from dataclasses import fields

    from hidream_studio.ui.outputs import Outputs

    return [f.name for f in fields(Outputs) if f.name not in ("undo", "redo", "flip")]


def _last_reply(chat) -> str:
    """The text of the turn's last assistant message (an image message follows a made version's)."""
    for message in reversed(chat or []):
        if message.get("role") != "assistant":
            continue
        parts = message.get("content")
        parts = parts if isinstance(parts, list) else [parts]
        texts = [p if isinstance(p, str) else p.get("text") for p in parts if isinstance(p, str | dict)]
        texts = [t for t in texts if isinstance(t, str) and t.strip()]
        if texts:
            return texts[-1]
    return ""


def check_trees(db_url: str, images: Path, users: list[UserStats]) -> list[str]:
    """Compare every session in the store with its user's model; return the mismatches."""
    from hidream_studio.store import Store

    problems = []
    with Store.open(db_url, images) as store:
        for i, user in enumerate(users):
            if user.session is None:
                if user.model.parents:
                    problems.append(f"user {i}: versions made but no session known")
                continue
            versions = store.versions(user.session)
            got = {v.number: (v.parent, v.recipe.kind.value) for v in versions}
            want = {n: (p, user.model.kinds[n]) for n, p in user.model.parents.items()}
            if got != want:
                problems.append(f"user {i}: tree {sorted(got.items())} != expected {sorted(want.items())}")
            head = store.get_session(user.session).head
            if head != user.model.head:
                problems.append(f"user {i}: head v{head}, the user left it at v{user.model.head}")
            for v in versions:
                path = Path(v.image_path)
                if not path.is_file():
                    problems.append(f"user {i}: image of v{v.number} is missing")
                elif hashlib.sha256(path.read_bytes()).hexdigest() != v.image_sha256:
                    problems.append(f"user {i}: image of v{v.number} does not match its hash")
    return problems


# ------------------------------------------------------------------------------------ the topology
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "hidream_studio", *args]


def wait_for_line(proc: subprocess.Popen, marker: str, timeout: float) -> None:
    """Read `proc`'s output until a line contains `marker` (the child's stdout goes on to our stderr)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{proc.args[3:]} exited with {proc.wait()} before it was ready")
        if marker in line:
            threading.Thread(target=_drain, args=(proc,), daemon=True).start()
            return
    raise RuntimeError(f"{proc.args[3:]} not ready after {timeout:.0f} s")


def _drain(proc: subprocess.Popen) -> None:
    for _ in proc.stdout:
        pass


class Topology:
    """The engine tier (Ray Serve, or none) and the web replicas, stopped in reverse order."""

    def __init__(self, home: Path, db_url: str, model: str, engine_replicas: int, web_replicas: int,
                 engine: str, attach: bool = False):  # fmt: skip
        self.home, self.db_url, self.procs, self.urls = home, db_url, [], []
        self.common = ["--home", str(home), "--database-url", db_url, "--model", model, "--editor", model,
                       "--device", "cpu"]  # fmt: skip
        self.env = {**os.environ, "HIDREAM_STUDIO_SECRET": secrets.token_urlsafe(32), "PYTHONUNBUFFERED": "1",
                    "GRADIO_ANALYTICS_ENABLED": "False", "RAY_AUTH_MODE": "disabled"}  # fmt: skip
        self.engine, self.engine_replicas, self.web_replicas = engine, engine_replicas, web_replicas
        self.attach = attach  # use the engine deployment already running on this machine's Ray cluster

    def start(self, timeout: float = 900) -> list[str]:
        if self.engine == "ray" and not self.attach:
            engine = self._spawn(*self.common, "engine-serve", "--replicas", str(self.engine_replicas))
            wait_for_line(engine, "HiDream engine on Ray Serve", timeout)
        for _ in range(self.web_replicas):
            port = free_port()
            web = self._spawn(*self.common, "serve", "--engine", self.engine, "--port", str(port))
            wait_for_line(web, "Running on local URL", timeout)
            self.urls.append(f"http://127.0.0.1:{port}/")
        return self.urls

    def _spawn(self, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(cli(*args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=self.env, start_new_session=True)  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def run_load(args) -> dict:
    home = Path(args.home or tempfile.mkdtemp(prefix="hidream-load-"))
    db_url = args.database_url or f"sqlite:///{home / 'studio.db'}"
    topo = Topology(home, db_url, args.model, args.engine_replicas, args.web_replicas, args.engine, args.attach)
    try:
        urls = topo.start()
        users = [UserStats() for _ in range(args.users)]
        deadline = time.time() + args.duration
        threads = [threading.Thread(target=simulate_user,
                                    args=(urls[i % len(urls):] + urls[:i % len(urls)], args.seed + i, deadline,
                                          args.steps, users[i]))
                   for i in range(args.users)]  # fmt: skip
        started = time.time()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.time() - started
    finally:
        topo.stop()
    latencies = sorted(x for u in users for x in u.latencies)
    problems = [f"user {i}: {p}" for i, u in enumerate(users) for p in u.problems]
    problems += check_trees(db_url, home / "images", users)
    return {
        "engine": args.engine, "engine_replicas": args.engine_replicas if args.engine == "ray" else args.web_replicas,
        "web_replicas": args.web_replicas, "users": args.users, "steps": args.steps, "duration_s": round(wall, 1),
        "turns": len(latencies), "notices": sum(u.notices for u in users),
        "versions": sum(len(u.model.parents) for u in users),
        "turns_per_min": round(60 * len(latencies) / wall, 1) if wall else 0.0,
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "p95_s": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 2) if latencies else None,
        "problems": problems, "database": db_url.split("://")[0], "cpu": _cpu(),
    }  # fmt: skip


# ------------------------------------------------------------------------------------ the Ray hop
def run_hop(args) -> dict:
    """The same nano generate in process and through a 1-replica deployment; the hop is the difference
    of (wall time - the engine's own elapsed_s), medians over `--hop-runs` turns."""
    from hidream_studio.config import Settings
    from hidream_studio.domain import GenerateRequest
    from hidream_studio.engines import load_engine, remote

    settings = Settings(home=Path(tempfile.mkdtemp(prefix="hidream-hop-")), model=args.model, editor=args.model,
                        device="cpu")  # fmt: skip
    from hidream_studio.bootstrap import register_describers

    register_describers()
    remote.deploy(settings, 1, 1.0, 0.0, None, register_describers)
    far = remote.RemoteEngine.connect("auto")
    near = load_engine(settings)
    near.load()
    far.load()

    def overhead(engine) -> list[float]:
        out = []
        for i in range(args.hop_runs + 2):
            steps = []
            t = time.perf_counter()
            result = engine.generate(GenerateRequest(PROMPTS[0], seed=i, steps=args.steps), on_step=steps.append)
            if i >= 2:  # two warm-up turns
                out.append(time.perf_counter() - t - result.elapsed_s)
        return out

    local, ray_ = overhead(near), overhead(far)
    from ray import serve

    serve.shutdown()
    return {"steps": args.steps, "runs": args.hop_runs, "local_outside_model_ms": round(1000 * statistics.median(local), 1),
            "ray_outside_model_ms": round(1000 * statistics.median(ray_), 1),
            "hop_ms": round(1000 * (statistics.median(ray_) - statistics.median(local)), 1), "cpu": _cpu()}  # fmt: skip


def _cpu() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("ray", "local"), default="ray", help="engine tier (default ray)")
    parser.add_argument("--engine-replicas", type=int, default=1)
    parser.add_argument("--web-replicas", type=int, default=1)
    parser.add_argument("--attach", action="store_true", help="use the engine-serve deployment already running")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--duration", type=float, default=60, help="seconds of turns (then the checks)")
    parser.add_argument("--steps", type=int, default=2, help="denoising steps per turn (default 2)")
    parser.add_argument("--model", default="nano")
    parser.add_argument("--database-url", help="shared database (default: SQLite in the run's home)")
    parser.add_argument("--home", help="the run's home (default: a new temporary folder)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hop-runs", type=int, help="measure the Ray hop over this many turns instead")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    report = run_hop(args) if args.hop_runs else run_load(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 1 if report.get("problems") else 0


if __name__ == "__main__":
    sys.exit(main())
