"""Generation through the engine on the tiny checkpoint: shapes, seeds, cache, parity with diffusers."""

from __future__ import annotations

import numpy as np
import torch

from hidream_studio.domain import GenerateRequest


def pixels(result):
    return np.asarray(result.image, dtype=np.int16)


def test_generate_shape_and_seed_reproduces(engine):
    a = engine.generate(GenerateRequest("a red circle on blue", seed=7))
    b = engine.generate(GenerateRequest("a red circle on blue", seed=7))
    c = engine.generate(GenerateRequest("a red circle on blue", seed=8))
    assert a.image.mode == "RGB" and a.image.size == (32, 32) == (a.width, a.height)
    assert a.seed == 7 and a.steps == 4 and a.guidance == 3.0 and a.model_id == "tiny"
    assert np.array_equal(pixels(a), pixels(b))
    assert not np.array_equal(pixels(a), pixels(c))


def test_random_seed_is_reported_and_reproduces(engine):
    first = engine.generate(GenerateRequest("a green square", steps=2))
    again = engine.generate(GenerateRequest("a green square", steps=2, seed=first.seed))
    assert isinstance(first.seed, int)
    assert np.array_equal(pixels(first), pixels(again))


def test_non_square_request_keeps_aspect(engine):
    wide = engine.generate(GenerateRequest("a wide sky", seed=1, steps=2, width=64, height=32))
    assert wide.width > wide.height
    assert wide.image.size == (wide.width, wide.height)


def test_progress_reports_every_step_with_preview(engine):
    seen = []
    engine.generate(GenerateRequest("a cat", seed=3, steps=3), on_step=seen.append)
    assert [(p.step, p.total) for p in seen] == [(1, 3), (2, 3), (3, 3)]
    assert all(p.preview is not None and p.preview.mode == "RGB" for p in seen)


def test_prompt_cache_hit_skips_text_encoders(engine):
    calls = []
    hooks = [m.register_forward_hook(lambda *a, name=i: calls.append(name)) for i, m in enumerate(engine.text.modules)]
    try:
        engine.generate(GenerateRequest("a purple triangle at the top", seed=1, steps=1))
        first = len(calls)
        engine.generate(GenerateRequest("a purple triangle at the top", seed=2, steps=1))
        second = len(calls) - first
    finally:
        for h in hooks:
            h.remove()
    assert first >= 4  # all four encoders ran for the new prompt (the negative may be cached already)
    assert second == 0


def test_words_outside_a_closed_vocabulary_are_reported(engine):
    """The tiny (like nano) tokenizers have a word vocabulary: words they lack are reported, once each."""
    made = engine.generate(GenerateRequest("a red unicorn and a unicorn on the moon, trending", seed=1, steps=1))
    assert made.extra["unknown_words"] == ["unicorn", "trending"]
    assert engine.generate(GenerateRequest("A RED cat on the moon!", seed=1, steps=1)).extra["unknown_words"] == []
    assert engine.text.unknown_words("蓝色背景上的一只猫") == ["只"]


def test_engine_matches_bare_diffusers_call(engine, tiny_home):
    """The engine's turn is the real HiDreamImagePipeline: same checkpoint, settings and seed, same image."""
    from diffusers import HiDreamImagePipeline

    pipe = HiDreamImagePipeline.from_pretrained(tiny_home / "models" / "tiny" / "i1")
    pipe.default_sample_size = 16
    pipe.set_progress_bar_config(disable=True)
    torch.manual_seed(5)
    bare = pipe("a yellow sun", num_inference_steps=3, guidance_scale=3.0, negative_prompt="",
                generator=torch.Generator().manual_seed(5)).images[0]
    ours = engine.generate(GenerateRequest("a yellow sun", seed=5, steps=3, guidance=3.0))
    diff = np.abs(np.asarray(bare, dtype=np.int16) - pixels(ours))
    assert diff.max() <= 1


def test_describe_defaults_and_sizes(engine):
    info = engine.describe()
    assert info == {"generator": "tiny", "editor": "tiny", "device": "cpu", "dtype": "float32", "memory_mode": "cpu"}
    assert engine.defaults("generate")["steps"] == 4
    assert engine.defaults("edit")["image_guidance"] == 1.5
    ratios = engine.aspect_ratios
    assert ratios[0][0] == ratios[0][1] and len(set(ratios)) == len(ratios)
    assert engine.estimate_seconds("edit", 28, 768, 768) > engine.estimate_seconds("generate", 4, 32, 32) > 0
