"""E1 editing on the tiny checkpoints: LoRA and full forms, aspect, shared parts, refine safety, guidance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hidream_studio.domain import EditRequest, GenerateRequest
from hidream_studio.engines.edit_conditioning import exact_max_seq, predict_edit_velocity
from hidream_studio.engines.edit_pipeline import combine_guidance


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def same_weights(module, snap):
    state = module.state_dict()
    return state.keys() == snap.keys() and all(torch.equal(state[k], snap[k]) for k in snap)


@pytest.mark.parametrize("which", ["engine", "engine_full"])
def test_edit_keeps_source_aspect_and_reproduces(which, request, source_image):
    eng = request.getfixturevalue(which)
    a = eng.edit(EditRequest("make the circle green", source_image, seed=4))
    b = eng.edit(EditRequest("make the circle green", source_image, seed=4))
    assert a.image.width / a.image.height == pytest.approx(96 / 64, rel=0.05)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert a.prompt_sent.startswith("Editing Instruction: make the circle green.")
    assert a.extra["branches"] == 3 and a.extra["editor_form"] == ("e1-lora" if which == "engine" else "e1-full")


def test_encoders_and_vae_are_shared_objects(engine, engine_full):
    for eng in (engine, engine_full):
        pipe = eng.models.pipe
        assert eng.edit_pipeline.text is eng.text
        assert eng.text.modules == (pipe.text_encoder, pipe.text_encoder_2, pipe.text_encoder_3, pipe.text_encoder_4)
        assert eng.edit_pipeline.vae is pipe.vae
        assert eng.edit_pipeline.refiner is pipe.transformer
    assert engine.edit_pipeline.editor is engine.models.pipe.transformer  # LoRA over the I1 transformer
    assert engine_full.edit_pipeline.editor is not engine_full.models.pipe.transformer


@pytest.mark.parametrize("which", ["engine", "engine_full"])
def test_refine_stage_never_writes_i1_or_e1_weights(which, request, source_image):
    eng = request.getfixturevalue(which)
    i1_before, e1_before = snapshot(eng.models.pipe.transformer), snapshot(eng.edit_pipeline.editor)
    gen_before = eng.generate(GenerateRequest("a dog", seed=2, steps=2))
    result = eng.edit(EditRequest("add a dog", source_image, seed=1, steps=4, refine_strength=0.5))
    assert result.extra["refine_steps"] == 2 and result.extra["edit_steps"] == 2
    assert same_weights(eng.models.pipe.transformer, i1_before)
    assert same_weights(eng.edit_pipeline.editor, e1_before)
    gen_after = eng.generate(GenerateRequest("a dog", seed=2, steps=2))  # the LoRA is off again
    assert np.array_equal(np.asarray(gen_before.image), np.asarray(gen_after.image))


def test_lora_changes_the_prediction(engine):
    tr = engine.edit_pipeline.editor
    x, src = torch.randn(1, 16, 8, 8), torch.randn(1, 16, 8, 8)
    e = engine.text.encode("make it red")
    with torch.no_grad():
        plain = predict_edit_velocity(tr, x, src, torch.tensor([500.0]), e.t5, e.llama, e.pooled)
        with engine.edit_pipeline._adapter(True):
            lora = predict_edit_velocity(tr, x, src, torch.tensor([500.0]), e.t5, e.llama, e.pooled)
    assert not torch.allclose(plain, lora)
    assert not tr._hf_peft_config_loaded or all(not m.merged for m in tr.modules() if hasattr(m, "merged"))


def test_canvas_runs_with_exact_max_seq_and_restores_it(engine_full):
    tr = engine_full.edit_pipeline.editor
    seen = []
    hook = tr.register_forward_pre_hook(lambda mod, args: seen.append(mod.max_seq))
    e = engine_full.text.encode("move it left")
    try:
        with torch.no_grad():
            out = predict_edit_velocity(tr, torch.randn(2, 16, 6, 10), torch.zeros(1, 16, 6, 10),
                                        torch.tensor([900.0, 100.0]), e.t5.expand(2, -1, -1),
                                        e.llama.expand(-1, 2, -1, -1), e.pooled.expand(2, -1))
    finally:
        hook.remove()
    assert out.shape == (2, 16, 6, 10)
    assert seen == [3 * 10]  # (6/2) x (20/2) canvas tokens, no padding
    assert tr.max_seq == 64
    with exact_max_seq(tr, 4, 4) as tokens:
        assert tokens == 4 == tr.max_seq
    assert tr.max_seq == 64


def test_guidance_forms():
    uncond, img, full = torch.full((1, 4, 2, 2), 1.0), torch.full((1, 4, 2, 2), 2.0), torch.full((1, 4, 2, 2), 4.0)
    pred = torch.cat([uncond, img, full])
    two = combine_guidance(pred, guidance=3.0, image_guidance=2.0, form="two-factor")
    assert torch.allclose(two, torch.full_like(uncond, 1 + 2 * 1 + 3 * 2))
    norm = combine_guidance(pred, guidance=3.0, image_guidance=1.0, form="clip-cfg-norm")
    # image_cond + 3 (full - image_cond) = 8 per channel, clamped back to the norm of `full` (4)
    assert torch.allclose(norm, full)
    gentle = combine_guidance(pred, guidance=1.0, image_guidance=2.0, form="clip-cfg-norm")
    assert torch.allclose(gentle, uncond + 2 * (full - uncond))
