"""The memory plan: real-size components counted on the meta device, each call's working set per mode.

The published sizes (HiDream-I1 17.1 B parameters, Llama-3.1-8B, T5-XXL's 4.7 B encoder, about 95 GB
of bf16 weights for the Space's pair) are the independent check on the configurations.
"""

from __future__ import annotations

import pytest

from hidream_studio.config import MEMORY_MODES, Settings
from hidream_studio.domain import EditRequest, GenerateRequest
from hidream_studio.engines import memory_plan as mp
from hidream_studio.spaces_support import SPACE_MEMORY_MODE

GB = 10**9


@pytest.fixture(scope="module")
def sizes():
    return mp.component_sizes()


def test_meta_builds_match_the_published_sizes(sizes):
    assert sizes["i1"].params == pytest.approx(17.1e9, rel=0.005)
    assert sizes["e1"] == mp.ComponentSize("e1", *mp._fields(sizes["i1"]))
    assert sizes["llama"].params == pytest.approx(8.03e9, rel=0.005)
    assert sizes["t5"].params == pytest.approx(4.76e9, rel=0.005)
    # The facts note's bf16 figures: transformer 34 GB, Llama 16 GB, T5 9.5 GB, CLIPs 1.7 GB, VAE 0.2 GB.
    assert sizes["i1"].weight_bytes("bf16") == pytest.approx(34 * GB, rel=0.02)
    assert sizes["llama"].weight_bytes("bf16") == pytest.approx(16 * GB, rel=0.02)
    assert sizes["t5"].weight_bytes("bf16") == pytest.approx(9.5 * GB, rel=0.02)
    clips = sizes["clip_l"].weight_bytes("bf16") + sizes["clip_g"].weight_bytes("bf16")
    assert clips == pytest.approx(1.7 * GB, rel=0.05)
    assert sizes["vae"].weight_bytes("bf16") == pytest.approx(0.17 * GB, rel=0.05)
    total = sum(s.weight_bytes("bf16") for s in sizes.values())
    assert 94 * GB < total < 97 * GB  # "about 95 GB" for I1 + E1.1 + Llama + T5


def test_quantization_prices_only_what_the_quantizers_reach(sizes):
    for name, size in sizes.items():
        bf16, fp8, nf4 = (size.weight_bytes(p) for p in mp.PRECISIONS)
        if name in mp.QUANTIZED:
            assert nf4 < fp8 < bf16
            assert fp8 > bf16 / 2 and nf4 > bf16 / 4  # scales and the bf16 remainder cost something
        else:
            assert bf16 == fp8 == nf4
    # Llama's output head stays bf16: 128256 x 4096 parameters outside the quantized count.
    assert sizes["llama"].params - sizes["llama"].quantizable >= 2 * 128256 * 4096
    with pytest.raises(ValueError, match="precision"):
        sizes["t5"].weight_bytes("int3")


def test_the_spaces_plan_fits_a_zerogpu_slice_in_every_call(sizes):
    plan = mp.working_sets(SPACE_MEMORY_MODE, "bf16", sizes)
    assert set(plan) == {"generate", "edit", "refine"}
    assert mp.over_budget(plan, mp.BUDGETS["zerogpu"]) == []
    assert plan["edit"].components == (*mp.ENCODERS, "vae", "e1")
    assert "e1" not in plan["refine"].components and "i1" in plan["refine"].components
    assert "i1" not in plan["edit"].components  # never both transformers at once


def test_everything_resident_in_bf16_does_not_fit_zerogpu_but_fits_an_h200(sizes):
    plan = mp.working_sets("gpu", "bf16", sizes)
    assert [ws.call for ws in mp.over_budget(plan, mp.BUDGETS["zerogpu"])] == ["generate", "edit", "refine"]
    assert mp.over_budget(plan, mp.BUDGETS["h200"]) == []
    assert mp.over_budget(mp.working_sets("gpu", "fp8", sizes), mp.BUDGETS["zerogpu"]) == []


@pytest.mark.parametrize(
    ("mode", "precision", "budget"),
    [
        ("transformer-swap", "bf16", "zerogpu"),
        ("gpu", "bf16", "h200"),
        ("gpu", "fp8", "zerogpu"),
        ("model-offload", "bf16", "48gb"),
        ("model-offload", "nf4", "24gb"),
        ("sequential-offload", "bf16", "24gb"),
    ],
)
def test_each_mode_fits_its_card_and_a_lowered_budget_is_caught(sizes, mode, precision, budget):
    plan = mp.working_sets(mode, precision, sizes)
    assert mp.over_budget(plan, mp.BUDGETS[budget]) == []
    for call, ws in plan.items():
        # One byte less than a call's working set: exactly the calls at least that large are refused.
        refused = mp.over_budget(plan, ws.bytes - 1)
        assert call in [r.call for r in refused]
        assert all(r.bytes >= ws.bytes for r in refused)
        assert mp.over_budget(plan, ws.bytes) == [r for r in refused if r.bytes > ws.bytes]


def test_offloading_shrinks_the_working_set_and_each_call_names_its_peak(sizes):
    order = [max(ws.bytes for ws in mp.working_sets(m, "bf16", sizes).values())
             for m in ("gpu", "transformer-swap", "model-offload", "sequential-offload")]
    assert order == sorted(order, reverse=True)
    offload = mp.working_sets("model-offload", "bf16", sizes)
    assert offload["edit"].components == ("e1",) and offload["edit"].phase == "denoise"
    # Without refine, the edit decodes with E1 still resident (the VAE's hook follows I1, not E1).
    no_refine = mp.working_sets("model-offload", "bf16", sizes, refine=False)
    assert set(no_refine) == {"generate", "edit"}
    assert mp.resident("model-offload", "edit", "decode", ("vae",)) == [("e1", "vae")]


def test_every_memory_mode_the_settings_accept_has_a_plan():
    assert set(MEMORY_MODES) == set(mp.MODES)
    with pytest.raises(ValueError, match="memory mode"):
        mp.resident("everywhere", "generate", "denoise", ("i1",))
    with pytest.raises(ValueError, match="call"):
        mp.phases("paint")


def test_the_tables_cover_every_component_and_mode():
    text = mp.tables()
    for name in mp.COMPONENTS:
        assert f"| {name} |" in text
    for mode in mp.MODES:
        assert f"| {mode} |" in text


@pytest.mark.gpu
def test_transformer_swap_keeps_one_transformer_on_cuda(tiny_home, source_image):
    """tiny I1 + tiny E1 as a full transformer: the one running is on cuda, the other in CPU memory."""
    from hidream_studio.engines import load_engine

    eng = load_engine(Settings(home=tiny_home, model="tiny", editor="tiny-full", memory_mode="transformer-swap"))
    eng.load()
    i1, e1 = eng.models.pipe.transformer, eng.models.editor

    def device(module):
        return next(module.parameters()).device.type

    assert device(eng.models.pipe.text_encoder_4) == "cuda"
    eng.generate(GenerateRequest("a red circle", seed=3))
    assert (device(i1), device(e1)) == ("cuda", "cpu")
    eng.edit(EditRequest("make it blue", source_image, seed=1, refine_strength=0.0))
    assert (device(i1), device(e1)) == ("cpu", "cuda")
    eng.edit(EditRequest("make it blue", source_image, seed=1, refine_strength=0.5))
    assert (device(i1), device(e1)) == ("cuda", "cpu")  # the refine steps ran on I1
    biggest = max(sum(p.numel() * p.element_size() for p in m.parameters()) for m in (i1, e1))
    assert eng.models.offloader.moved_bytes("edit", True) == 3 * biggest
    assert eng.models.offloader.moved_bytes("generate", False) == biggest
