"""Opt-in tests: a CUDA device (HIDREAM_TEST_GPU=1) or real HiDream weights (HIDREAM_TEST_WEIGHTS=1)."""

from __future__ import annotations

import os

import pytest

from hidream_studio.config import Settings
from hidream_studio.domain import EditRequest, GenerateRequest
from hidream_studio.engines import load_engine


@pytest.mark.gpu
@pytest.mark.parametrize("mode", ["gpu", "transformer-swap", "model-offload", "sequential-offload"])
def test_tiny_on_cuda_in_every_memory_mode(tiny_home, mode, source_image):
    eng = load_engine(Settings(home=tiny_home, model="tiny", memory_mode=mode))
    eng.load()
    assert eng.describe()["device"] == "cuda" and eng.describe()["dtype"] == "bfloat16"
    a = eng.generate(GenerateRequest("a red circle", seed=3))
    b = eng.generate(GenerateRequest("a red circle", seed=3))
    assert a.image.tobytes() == b.image.tobytes()
    edited = eng.edit(EditRequest("make it blue", source_image, seed=1, refine_strength=0.5))
    assert edited.image.width > edited.image.height


@pytest.mark.weights
@pytest.mark.gpu
def test_real_i1_fast_and_e1_1(tmp_path):
    """Needs HiDream-I1-Fast and E1-1 in the HF cache and HIDREAM_STUDIO_LLAMA set to a Llama-3.1-8B-Instruct."""
    llama = os.environ.get("HIDREAM_STUDIO_LLAMA")
    if not llama:
        pytest.skip("set HIDREAM_STUDIO_LLAMA to a Llama-3.1-8B-Instruct id or folder")
    eng = load_engine(Settings(home=tmp_path, model="i1-fast", llama=llama, memory_mode="model-offload"))
    image = eng.generate(GenerateRequest("a red apple on a wooden table", seed=1)).image
    assert image.size == (1024, 1024)
    edited = eng.edit(EditRequest("make the apple green", image, seed=1))
    assert edited.image.size == (1024, 1024)
