"""How long one turn keeps the device busy: the one duration model (spaces.GPU's `duration` on a Space).

    turn_seconds(preset, steps, width, height)                         # a generation
    turn_seconds(editor, steps, w, h, refiner=i1_preset, refine_strength=0.3, moved_bytes=...)

Step times are the presets' `seconds_per_step`, measured on an H200 in bf16 for the real models (the
facts behind presets.PRESETS); they scale linearly with the pixel count (measured: E1 at 4608 canvas
tokens 0.612 s, at 8192 tokens 1.109 s, a ratio of 1.81 for 1.78x the tokens). An edit's refine steps
run the generator's transformer, on two guidance branches when the edit's guidance is above 1. No torch here.
"""

from __future__ import annotations

import math

from .presets import Preset

# Measured on the H200 (bench/bench_gpu.py): one I1 forward at 1024^2 is 0.192 s alone and 0.369 s
# with the CFG branch in the same batch.
CFG_FACTOR = 0.369 / 0.192
# Text encoders (Llama 0.025 s + T5 0.039 s for 2 x 128 tokens) and a VAE decode (0.085 s), measured;
# an edit also encodes its source (taken as one more decode).
FIXED_S = {"generate": 0.15, "edit": 0.25}
# Host-to-device copy rate for weights moved during a call (transformer-swap, model offload). Not
# measured yet: PCIe 5 x16 peaks near 55 GB/s, pageable copies reach about half of that.
H2D_BYTES_PER_S = 25e9
LOAD_S = 30.0  # the first call loads the weights when the engine was not loaded at start-up
HEADROOM = 1.5  # step times vary with load and with the first call's warm-up
MIN_SCALE = 0.25  # below this, fixed costs per step dominate the pixel count


def step_seconds(preset: Preset, width: int, height: int) -> float:
    """One step of `preset` (all its guidance branches) at width x height."""
    return preset.seconds_per_step * max(MIN_SCALE, (width * height) / preset.area)


def turn_seconds(preset: Preset, steps: int, width: int, height: int, *, refiner: Preset | None = None,
                 refine_strength: float = 0.0, moved_bytes: int = 0, loaded: bool = True) -> float:
    """A generous estimate of the device seconds of one turn (with HEADROOM over the plain sum).

    preset: the model that runs the steps (the generator, or the editor for an edit). refiner: the
    generator's preset for an edit's refine steps (the last round(steps x refine_strength) steps).
    moved_bytes: weights copied into the device during the call (Offloader.moved_bytes).
    """
    if steps < 0 or width <= 0 or height <= 0:
        raise ValueError("steps must be >= 0 and the size positive")
    kind = "edit" if preset.kind == "e1" else "generate"
    refine_steps = int(round(steps * refine_strength)) if refiner is not None else 0
    seconds = (steps - refine_steps) * step_seconds(preset, width, height)
    if refine_steps:  # the refiner's preset time includes CFG when its own guidance does
        one_branch = step_seconds(refiner, width, height) / (CFG_FACTOR if refiner.guidance > 1 else 1.0)
        seconds += refine_steps * one_branch * (CFG_FACTOR if preset.guidance > 1 else 1.0)
    seconds += FIXED_S[kind] + moved_bytes / H2D_BYTES_PER_S
    return round(HEADROOM * seconds + (0.0 if loaded else LOAD_S), 1)


def clamp(seconds: float, low: int, high: int) -> int:
    """Whole seconds within [low, high] (ZeroGPU's limits)."""
    return int(min(high, max(low, math.ceil(seconds))))
