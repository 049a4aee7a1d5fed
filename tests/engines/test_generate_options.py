"""Options: N candidates of one request in one batched run of the real tiny pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from hidream_studio.domain import GenerateRequest, InvalidParams, StepProgress


def test_options_are_one_batched_run_each_equal_to_its_single_seed(engine, transformer_batches):
    req = GenerateRequest("a red circle", seed=11, steps=3)
    steps: list[StepProgress] = []
    options = engine.generate_options(req, 3, on_step=steps.append)
    calls = list(transformer_batches)  # the batched run's forwards, before any single run below
    # One loop: a forward per step (x2 with guidance), each carrying all three candidates.
    assert [s.step for s in steps] == [1, 2, 3]
    assert set(calls) == {3 * (2 if options[0].guidance > 1 else 1)}
    assert [o.seed for o in options] == [11, 12, 13]
    pixels = [np.asarray(o.image, dtype=np.int16) for o in options]
    assert not np.array_equal(pixels[0], pixels[1])  # different seeds, different pictures
    for seed, got in zip((11, 12, 13), pixels, strict=True):
        single = np.asarray(engine.generate(GenerateRequest("a red circle", seed=seed, steps=3)).image, dtype=np.int16)
        assert np.abs(single - got).max() <= 2  # the batch changes float summation order only


@pytest.mark.parametrize("count", [0, 9])
def test_option_count_is_checked_before_any_model_runs(engine, count):
    with pytest.raises(InvalidParams, match="between 1 and 8"):
        engine.generate_options(GenerateRequest("a cat"), count)
