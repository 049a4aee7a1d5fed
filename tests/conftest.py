"""Shared test set-up: offline, no analytics, opt-in markers for GPU and real weights."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

_OPT_IN = {
    "gpu": ("HIDREAM_TEST_GPU", "needs a CUDA device: set HIDREAM_TEST_GPU=1 on a GPU machine"),
    "weights": ("HIDREAM_TEST_WEIGHTS", "needs real HiDream weights: set HIDREAM_TEST_WEIGHTS=1"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, (env, reason) in _OPT_IN.items():
            if marker in item.keywords and os.environ.get(env) != "1":
                item.add_marker(pytest.mark.skip(reason=reason))
