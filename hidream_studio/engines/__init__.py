"""Engines: HiDream-I1 generation and the studio's own HiDream-E1 editing pipeline.

Importing this package is cheap: torch/diffusers load only when an engine is built or loaded.
"""

from __future__ import annotations

from typing import Any


def load_engine(settings: Any):
    """Resolve model names from `settings` and return an Engine (no weights loaded yet)."""
    from .engine import Engine

    return Engine.from_settings(settings)


__all__ = ["load_engine"]
