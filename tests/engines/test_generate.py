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
    assert made.unknown_words == ["unicorn", "trending"]
    assert engine.generate(GenerateRequest("A RED cat on the moon!", seed=1, steps=1)).unknown_words == []
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


LONG = "a red circle and a blue cat and " * 20  # 160 words (~180 CLIP tokens): past the tiny padding of 128


def test_a_prompt_past_the_padding_length_grows_instead_of_being_cut(engine):
    """diffusers cuts prompts at max_sequence_length; the engine encodes a longer one whole (padded to a
    multiple of 8, at most HiDream's 218), so its end still counts. Prompts that fit keep the padding."""
    text = engine.text
    short = text.encode("a red circle")
    assert short.t5.shape[1] == short.llama.shape[2] == text.max_sequence_length == 128
    ends_green, ends_purple = text.encode(LONG + "a green square"), text.encode(LONG + "a purple triangle")
    length = text.length_for(LONG + "a green square")
    assert 128 < length < 218 and length % 8 == 0
    assert ends_green.t5.shape[1] == ends_green.llama.shape[2] == length
    assert not torch.equal(ends_green.t5, ends_purple.t5)  # cut at 128 tokens they were the same
    assert not torch.equal(ends_green.llama, ends_purple.llama)
    assert text.length_for(LONG * 3) == 218  # HiDream's limit: beyond it diffusers cuts (and warns)
    assert text.length_for("a cat", LONG + "a green square") == length  # texts batched together: the longest


def test_long_prompts_generate_and_edit_with_guidance(engine, source_image):
    """Positive and negative embeddings share one length (they are batched for guidance), and the end
    of a long prompt changes the picture."""
    green = engine.generate(GenerateRequest(LONG + "a green square", seed=3, steps=2, negative_prompt="blurry"))
    purple = engine.generate(GenerateRequest(LONG + "a purple triangle", seed=3, steps=2, negative_prompt="blurry"))
    assert green.guidance > 1 and not np.array_equal(pixels(green), pixels(purple))
    assert green.tokens_ignored == 0
    too_long = engine.generate(GenerateRequest(LONG * 3, seed=3, steps=1))  # ~540 CLIP tokens: 218 are read
    assert too_long.tokens_ignored == engine.text.tokens_past_limit(LONG * 3) > 300
    from hidream_studio.domain import EditRequest

    # Shorter than LONG: E1-Full's prompt holds it twice (the instruction stands in for the description).
    instruction = "a red circle and a blue cat and " * 7 + "make the circle green"
    edited = engine.edit(EditRequest(instruction, source_image, seed=1, steps=2))
    assert engine.text.length_for(edited.prompt_sent) > 128 and edited.tokens_ignored == 0
    assert edited.image.size[0] > edited.image.size[1]
