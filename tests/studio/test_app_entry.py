"""The Spaces entry point: `app.py` builds a module-level `demo` from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_exposes_a_module_level_demo(tmp_path):
    env = os.environ | {
        "HIDREAM_STUDIO_HOME": str(tmp_path),
        "HIDREAM_STUDIO_MODEL": "tiny",
        "SPACE_ID": "someone/hidream-studio",  # as on a Space: public mode is the default
    }
    code = (
        "import app, gradio as gr; "
        "assert isinstance(app.demo, gr.Blocks); "
        "assert app.settings.public and app.settings.host == '0.0.0.0'; "
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")
