"""generate_many: different prompts with the same settings in one batched run of the real tiny pipeline
(what the engine tier does with generate requests of different sessions)."""

from __future__ import annotations

import numpy as np
import pytest

from hidream_studio.domain import GenerateRequest, InvalidParams, StepProgress

PROMPTS = ("a red circle", "a yellow square on a black background", "a green triangle")


def test_different_prompts_are_one_batched_run_each_equal_to_its_single_run(engine, transformer_batches):
    requests = [GenerateRequest(prompt, seed=seed, steps=3) for prompt, seed in zip(PROMPTS, (21, 5, 21), strict=True)]
    steps: list[StepProgress] = []
    made = engine.generate_many(requests, on_step=steps.append)
    calls = list(transformer_batches)  # the batched run's forwards, before any single run below
    # One loop: one transformer forward per step, carrying all three requests (x2 with guidance:
    # the negative and positive halves ride in the same forward).
    assert [s.step for s in steps] == [1, 2, 3]
    assert calls == [3 * (2 if made[0].guidance > 1 else 1)] * 3
    assert [(r.prompt_sent, r.seed, r.steps, r.extra["batch"]) for r in made] == [
        (prompt, seed, 3, 3) for prompt, seed in zip(PROMPTS, (21, 5, 21), strict=True)
    ]
    pixels = [np.asarray(r.image, dtype=np.int16) for r in made]
    assert not np.array_equal(pixels[0], pixels[2])  # same seed, another prompt: another picture
    for req, got in zip(requests, pixels, strict=True):
        single = engine.generate(req)
        assert single.extra["batch"] == 1
        # Each recipe makes its image again alone: the batch changes float summation order only.
        assert np.abs(np.asarray(single.image, dtype=np.int16) - got).max() <= 2


def test_a_batch_of_one_is_a_plain_generate(engine):
    req = GenerateRequest("a blue circle", seed=4, steps=2)
    (made,) = engine.generate_many([req])
    single = engine.generate(req)
    assert made.extra["batch"] == 1 and np.array_equal(np.asarray(made.image), np.asarray(single.image))


@pytest.mark.parametrize("other", [
    GenerateRequest("a green triangle", steps=3),
    GenerateRequest("a green triangle", steps=2, guidance=1.0),
    GenerateRequest("a green triangle", steps=2, width=64, height=128),
    GenerateRequest("a green triangle", steps=2, negative_prompt="blurry"),
])  # fmt: skip
def test_mixed_settings_are_refused_before_any_model_runs(engine, other):
    calls = []
    handle = engine.models.pipe.transformer.register_forward_hook(lambda *a: calls.append(1))
    try:
        with pytest.raises(InvalidParams, match="one set of settings"):
            engine.generate_many([GenerateRequest("a red circle", steps=2), other])
    finally:
        handle.remove()
    assert calls == []


def test_every_request_is_validated(engine):
    with pytest.raises(InvalidParams):
        engine.generate_many([GenerateRequest("a red circle", steps=2), GenerateRequest("  ", steps=2)])
    with pytest.raises(InvalidParams):
        engine.generate_many([])


def test_settings_left_to_the_preset_batch_with_the_same_settings_spelled_out(engine):
    defaults = engine.defaults("generate")
    spelled = GenerateRequest("a red circle", steps=defaults["steps"], guidance=defaults["guidance"],
                              width=defaults["width"], height=defaults["height"])  # fmt: skip
    assert engine.batch_key(GenerateRequest("a cat")) == engine.batch_key(spelled)


def test_a_prompt_past_the_padding_length_runs_in_its_own_batch(engine):
    """A long prompt is encoded longer than the padding length; padded with it, the short prompts
    would be encoded longer than their single runs encode them. So the long one runs apart, and every
    image is still its single run's."""
    long = "a red circle and a blue cat and " * 20 + "a green square"
    requests = [GenerateRequest(p, seed=2, steps=2) for p in ("a red circle", long, "a yellow square")]
    made = engine.generate_many(requests)
    assert [r.extra["batch"] for r in made] == [2, 1, 2]
    for req, got in zip(requests, made, strict=True):
        single = np.asarray(engine.generate(req).image, dtype=np.int16)
        assert np.abs(single - np.asarray(got.image, dtype=np.int16)).max() <= 2


def test_a_batch_goes_on_until_every_caller_in_it_is_gone(engine):
    """The engine tier's cancel signal for one batched call (remote._AllGone): one caller leaving does
    not stop the others' images; the run stops at the next step once all have left."""
    import threading

    from hidream_studio.domain import Cancelled

    remote = pytest.importorskip("hidream_studio.engines.remote", reason="needs the [ray] extra")
    requests = [GenerateRequest("a red circle", seed=1, steps=3), GenerateRequest("a blue square", seed=2, steps=3)]
    gone = [threading.Event(), threading.Event()]
    made = engine.generate_many(requests, on_step=lambda p: gone[0].set(), cancel=remote._AllGone(gone))
    assert [r.seed for r in made] == [1, 2]  # one left at step 1: both images were still made
    gone, steps = [threading.Event(), threading.Event()], []

    def both_leave(progress):
        steps.append(progress.step)
        for flag in gone:
            flag.set()

    with pytest.raises(Cancelled):
        engine.generate_many(requests, on_step=both_leave, cancel=remote._AllGone(gone))
    assert steps == [1]  # stopped at the next step boundary
