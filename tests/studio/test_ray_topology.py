"""The team topology on one machine: `engine-serve` (a local Ray cluster, two nano engine replicas),
two web replicas sharing one database, images folder and secret, and the load test's checks.

Slow (Ray and two replicas start in one to several minutes on 2 CPU cores); skipped without the
[ray] extra or the nano weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hidream_studio.config import NANO_ASSETS
from hidream_studio.domain import Cancelled, EditRequest, GenerateRequest, InvalidImage, InvalidParams

pytest.importorskip("ray.serve", reason="needs the [ray] extra: pip install -e '.[ray]'")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (NANO_ASSETS / "hidream_studio.json").exists(), reason="needs the nano weights"),
]
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


@pytest.fixture(scope="module")
def engine_tier(tmp_path_factory):
    """`hidream-studio engine-serve --replicas 2` on a local Ray cluster, and this process joined to it."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_load

    home = tmp_path_factory.mktemp("engine-home")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    proc = subprocess.Popen(
        bench_load.cli("--home", str(home), "--model", "nano", "--editor", "nano", "--device", "cpu",
                       "engine-serve", "--replicas", "2"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV, start_new_session=True,
    )  # fmt: skip
    try:
        bench_load.wait_for_line(proc, "HiDream engine on Ray Serve", timeout=900)
        from hidream_studio.engines.remote import RemoteEngine

        yield RemoteEngine.connect("auto")
    finally:
        import ray

        ray.shutdown()
        proc.terminate()
        proc.wait(timeout=120)


def test_the_remote_engine_keeps_the_engine_contract(engine_tier):
    engine = engine_tier
    assert engine.describe()["generator"] == "nano" and engine.concurrency == 4
    assert engine.defaults("generate")["steps"] > 0 and (128, 128) in engine.aspect_ratios
    steps = []
    made = engine.generate(GenerateRequest("a red circle on a blue background", seed=3, steps=3), on_step=steps.append)
    assert made.image.size == (128, 128) and made.seed == 3 and made.model_id == "nano"
    assert [p.step for p in steps] == [1, 2, 3] and steps[-1].total == 3  # progress streamed back
    options = engine.generate_options(GenerateRequest("a yellow square", seed=5, steps=2), 2)
    assert [r.seed for r in options] == [5, 6] and all(r.image.size == (128, 128) for r in options)
    edited = engine.edit(EditRequest("make the circle green", source=made.image, seed=1, steps=2))
    assert edited.image.size == (128, 128) and edited.steps == 2
    with pytest.raises(InvalidParams):  # a user mistake keeps its kind across the hop
        engine.generate(GenerateRequest("  "))
    with pytest.raises(InvalidImage):
        engine.edit(EditRequest("make it blue", source=b"not an image"))
    cancel, seen = threading.Event(), []

    def stop_at_two(progress):
        seen.append(progress.step)
        if progress.step == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        engine.generate(GenerateRequest("a red circle", seed=1, steps=40), on_step=stop_at_two, cancel=cancel)
    assert max(seen) <= 3  # stopped within one step of the Stop


def test_two_web_replicas_under_load_lose_nothing(engine_tier, databases, tmp_path):
    """Users alternate between two web replicas turn by turn; every tree is then checked in the store."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_load.py"), "--attach", "--web-replicas", "2", "--users", "2",
         "--duration", "25", "--home", str(tmp_path), "--database-url", databases.new(), "--json"],
        capture_output=True, text=True, env=ENV, timeout=900,
    )  # fmt: skip
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["problems"] == [] and report["versions"] >= 2 and report["web_replicas"] == 2
