"""Helpers shared by the version-store tests (small images, recipes, a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PIL import Image

from hidream_studio.domain import Recipe, VersionKind
from hidream_studio.store import Store


def image(seed: int, size: int = 16) -> Image.Image:
    """A small image whose pixels depend on `seed` (distinct seeds give distinct bytes)."""
    img = Image.new("RGB", (size, size), (seed % 256, (seed // 256) % 256, 7))
    img.putpixel((0, 0), (seed % 251, seed % 241, seed % 239))
    return img


def recipe(prompt: str = "a cat", kind: VersionKind = VersionKind.GENERATE, seed: int = 1) -> Recipe:
    return Recipe(kind=kind, prompt=prompt, prompt_sent=prompt, model_id="tiny", seed=seed, steps=2,
                  guidance=3.5, width=16, height=16)  # fmt: skip


def add(store: Store, session_id: str, seed: int, **kwargs):
    """Record one generated version (prompt 'v<seed>')."""
    return store.record_turn(session_id, image=image(seed), recipe=recipe(f"v{seed}", seed=seed), **kwargs)


def run_python(code: str, cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `code` with `args` in a fresh interpreter (a real process restart), from `cwd`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip
