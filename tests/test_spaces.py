"""Hugging Face Spaces pieces: spaces.yaml, the README renderer, spaces.GPU glue and durations."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hidream_studio.cli import main
from hidream_studio.commands import spaces_cmd
from hidream_studio.domain import UserError
from hidream_studio.engines.duration import H2D_BYTES_PER_S, HEADROOM, clamp, turn_seconds
from hidream_studio.engines.presets import PRESETS
from hidream_studio.spaces_support import (
    LLAMA_ID,
    SPACE_MEMORY_MODE,
    ZEROGPU_MAX_S,
    ZEROGPU_MIN_S,
    gpu_call,
    space_defaults,
    spaces_available,
)

REPO = Path(__file__).resolve().parents[1]
SPACES_YAML = REPO / "spaces.yaml"
HIDREAM_MODELS = {
    "HiDream-ai/HiDream-I1-Full",
    "HiDream-ai/HiDream-I1-Dev",
    "HiDream-ai/HiDream-I1-Fast",
    "HiDream-ai/HiDream-E1-Full",
    "HiDream-ai/HiDream-E1-1",
    "meta-llama/Llama-3.1-8B-Instruct",
}


@pytest.fixture
def config():
    return spaces_cmd.load_config(SPACES_YAML)


# --- spaces.yaml ---------------------------------------------------------------------------------
def test_spaces_yaml_describes_a_gradio_6_space(config):
    import gradio

    assert config["sdk"] == "gradio"
    assert config["sdk_version"] == gradio.__version__ == "6.31.0"
    assert config["python_version"] == "3.11"
    assert (REPO / config["app_file"]).is_file()
    assert config["license"] == "mit"
    assert set(config["models"]) == HIDREAM_MODELS
    assert config["suggested_hardware"].startswith("zero-")
    for entry in config["preload_from_hub"]:
        assert entry.split()[0] in HIDREAM_MODELS
    assert "meta-llama/Llama-3.1-8B-Instruct" not in config["preload_from_hub"]  # gated
    assert 0 < len(config["short_description"]) <= 60


# --- rendering -----------------------------------------------------------------------------------
def test_front_matter_round_trips(config):
    text = spaces_cmd.render_readme(config)
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    assert yaml.safe_load(front) == config
    assert "python_version: '3.11'" in front  # stays a string, not the number 3.11
    assert "🎨" in front  # emoji kept as is
    assert body.lstrip().startswith("# HiDream Studio")


def test_cli_prints_the_readme(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert main(["spaces-readme"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\ntitle: HiDream Studio\n")
    assert "sdk_version: 6.31.0\n" in out


def test_out_writes_a_new_readme(tmp_path, capsys):
    out = tmp_path / "README.md"
    assert main(["spaces-readme", "--config", str(SPACES_YAML), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("---\n") and "app_file: app.py" in text
    assert "ZeroGPU" in text
    assert not list(tmp_path.glob("*.tmp"))


def test_out_keeps_the_body_of_an_existing_readme_and_is_idempotent(tmp_path):
    out = tmp_path / "README.md"
    out.write_text("---\ntitle: Old\nsdk: docker\n---\n\n# My project\n\nKeep me.\n", encoding="utf-8")
    args = ["spaces-readme", "--config", str(SPACES_YAML), "--out", str(out)]
    assert main(args) == 0
    first = out.read_text(encoding="utf-8")
    assert "title: Old" not in first and "sdk: docker" not in first
    assert first.count("\n---\n") == 1 and first.endswith("# My project\n\nKeep me.\n")
    assert main(args) == 0
    assert out.read_text(encoding="utf-8") == first

    plain = tmp_path / "PLAIN.md"
    plain.write_text("# Just a body\n", encoding="utf-8")
    assert main(["spaces-readme", "--config", str(SPACES_YAML), "--out", str(plain)]) == 0
    assert plain.read_text(encoding="utf-8").endswith("---\n\n# Just a body\n")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colorFrom": "turquoise"}, "colorFrom"),
        ({"short_description": "x" * 61}, "short_description"),
        ({"python_version": 3.1}, "python_version"),
        ({"sdk": "flask"}, "sdk"),
        ({"sdk_version": None}, "sdk_version"),
        ({"models": ["not-a-hub-id"]}, "models"),
        ({"preload_from_hub": ["nope file.bin"]}, "preload_from_hub"),
    ],
)
def test_bad_settings_are_refused(config, change, message):
    with pytest.raises(UserError, match=message):
        spaces_cmd.validate({**config, **change})


def test_bad_file_is_a_usage_error_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "spaces.yaml"
    bad.write_text("title: X\nsdk: gradio\nsdk_version: '6.31.0'\napp_file: app.py\npython_version: 3.10\n")
    out = tmp_path / "README.md"
    assert main(["spaces-readme", "--config", str(bad), "--out", str(out)]) == 2
    assert "python_version" in capsys.readouterr().err
    assert not out.exists()
    bad.write_text("- just\n- a list\n")
    assert main(["spaces-readme", "--config", str(bad)]) == 2
    assert main(["spaces-readme", "--config", str(tmp_path / "missing.yaml")]) == 2


# --- durations (engines/duration.py: the one model behind spaces.GPU's duration) ----------------
I1_FAST, I1_FULL, E1_1 = PRESETS["i1-fast"], PRESETS["i1-full"], PRESETS["e1-1"]


def test_duration_grows_with_steps_and_size():
    base = turn_seconds(I1_FAST, 16, 1024, 1024)
    assert turn_seconds(I1_FAST, 32, 1024, 1024) > base
    assert turn_seconds(I1_FAST, 16, 1360, 1360) > base
    assert turn_seconds(I1_FAST, 16, 768, 768) < base
    assert turn_seconds(E1_1, 16, 1024, 1024) > base  # three branches on a doubled canvas


def test_duration_has_headroom_over_the_measured_step_times():
    # I1-Full: 50 steps with CFG at 0.369 s per step on an H200 (the measured figure).
    plain = 50 * 0.369
    asked = turn_seconds(I1_FULL, 50, 1024, 1024)
    assert HEADROOM * plain <= asked < ZEROGPU_MAX_S
    assert turn_seconds(I1_FULL, 50, 1024, 1024, loaded=False) > asked  # the first call loads weights


def test_refine_steps_are_priced_as_the_generators_cheaper_steps():
    plain = turn_seconds(E1_1, 28, 1024, 1024)
    refined = turn_seconds(E1_1, 28, 1024, 1024, refiner=I1_FAST, refine_strength=0.3)
    # 8 of 28 steps move from E1.1 (1.109 s, three branches) to I1 with CFG (0.369 s).
    assert refined == pytest.approx(plain - HEADROOM * 8 * (1.109 - 0.369), abs=0.2)


def test_weights_moved_during_a_call_are_paid_for():
    still = turn_seconds(E1_1, 28, 1024, 1024, refiner=I1_FAST, refine_strength=0.3)
    swapped = turn_seconds(E1_1, 28, 1024, 1024, refiner=I1_FAST, refine_strength=0.3, moved_bytes=3 * 34 * 10**9)
    assert swapped - still == pytest.approx(HEADROOM * 3 * 34e9 / H2D_BYTES_PER_S, abs=0.2)
    assert clamp(swapped, ZEROGPU_MIN_S, ZEROGPU_MAX_S) < ZEROGPU_MAX_S  # the Space's edit fits one request


def test_duration_is_clamped_to_zerogpu_limits():
    assert clamp(turn_seconds(PRESETS["tiny"], 1, 64, 64), ZEROGPU_MIN_S, ZEROGPU_MAX_S) == ZEROGPU_MIN_S
    assert clamp(turn_seconds(E1_1, 200, 2048, 2048), ZEROGPU_MIN_S, ZEROGPU_MAX_S) == ZEROGPU_MAX_S
    assert isinstance(clamp(12.01, ZEROGPU_MIN_S, ZEROGPU_MAX_S), int)


@pytest.mark.parametrize("args", [(-1, 512, 512), (10, 0, 512), (10, 512, -4)])
def test_duration_refuses_nonsense(args):
    with pytest.raises(ValueError):
        turn_seconds(I1_FAST, *args)


# --- spaces.GPU glue -----------------------------------------------------------------------------
def test_off_zerogpu_the_function_is_returned_unchanged():
    # spaces is installed here, but this is not a ZeroGPU Space: spaces.GPU is a no-op.
    assert spaces_available()
    assert not os.environ.get("SPACES_ZERO_GPU")

    def generate(prompt: str, steps: int) -> str:
        return f"{prompt}:{steps}"

    wrapped = gpu_call(generate, duration=lambda prompt, steps: 20 + steps)
    assert wrapped is generate
    assert wrapped("cat", 4) == "cat:4"

    def stream(n):
        yield from range(n)

    wrapped_stream = gpu_call(stream, duration=30)
    assert inspect.isgeneratorfunction(wrapped_stream)
    assert list(wrapped_stream(3)) == [0, 1, 2]


def test_async_functions_are_refused_everywhere():
    async def coro():
        return 1

    async def agen():
        yield 1

    for fn in (coro, agen):
        with pytest.raises(TypeError, match="async"):
            gpu_call(fn, duration=30)
    with pytest.raises(TypeError, match="duration"):
        gpu_call(lambda: 1, duration="60")


def test_without_the_spaces_package_nothing_is_imported(tmp_path):
    # A fresh interpreter where `spaces` cannot be found: gpu_call must hand back fn itself.
    code = (
        "import sys\n"
        "sys.modules['spaces'] = None  # what Python does for a package that must not be imported\n"
        "from hidream_studio import spaces_support as s\n"
        "f = lambda x: x + 1\n"
        "print(s.spaces_available(), s.gpu_call(f, duration=10) is f, 'torch' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "False"]


# --- what a Space runs (app.py applies space_defaults before reading the settings) ----------------
def test_off_a_space_nothing_is_chosen():
    assert space_defaults({"HF_TOKEN": "x"}, cuda=True) == ({}, None)


def test_a_space_without_a_gpu_serves_nano_and_says_so():
    env, notice = space_defaults({"SPACE_ID": "me/studio"}, cuda=False)
    assert env == {"HIDREAM_STUDIO_MODEL": "nano", "HIDREAM_STUDIO_EDITOR": "nano"}
    assert "No GPU" in notice and "Nano" in notice


def test_a_gpu_space_without_hf_token_explains_the_gated_llama_instead_of_failing():
    env, notice = space_defaults({"SPACE_ID": "me/studio"}, cuda=True)
    assert env["HIDREAM_STUDIO_MODEL"] == "nano"
    assert "HF_TOKEN" in notice and LLAMA_ID in notice and "gated" in notice


def test_a_gpu_space_with_hf_token_runs_the_real_pair_in_the_space_memory_mode():
    env, notice = space_defaults({"SPACE_ID": "me/studio", "HF_TOKEN": "hf_x"}, cuda=True)
    assert notice is None
    assert env == {"HIDREAM_STUDIO_MODEL": "i1-fast", "HIDREAM_STUDIO_EDITOR": "e1-1",
                   "HIDREAM_STUDIO_LLAMA": LLAMA_ID, "HIDREAM_STUDIO_MEMORY_MODE": SPACE_MEMORY_MODE}


def test_the_owners_own_variables_win():
    env, notice = space_defaults({"SPACE_ID": "me/studio", "HIDREAM_STUDIO_LLAMA": "/data/llama",
                                  "HIDREAM_STUDIO_MEMORY_MODE": "model-offload"}, cuda=True)
    assert notice is None and "HIDREAM_STUDIO_MEMORY_MODE" not in env and "HIDREAM_STUDIO_LLAMA" not in env
    assert env["HIDREAM_STUDIO_MODEL"] == "i1-fast"
    env, notice = space_defaults({"SPACE_ID": "me/studio", "HIDREAM_STUDIO_MODEL": "tiny"}, cuda=False)
    assert (env, notice) == ({}, None)  # a chosen model keeps its own paired editor, and no nano notice
