"""Hugging Face Spaces glue: ZeroGPU's `spaces.GPU` when it is installed, nothing otherwise.

    generate = gpu_call(engine_generate, duration=lambda request, *a, **k: gpu_duration(
        "generate", request.steps, request.width, request.height, seconds_per_step=0.2))

`spaces.GPU` (spaces 0.51) is itself a no-op unless the Space runs on ZeroGPU (SPACES_ZERO_GPU set);
there it asks for a GPU slice for at most `duration` seconds per call. `duration` may be a callable:
spaces calls it with the wrapped function's own arguments before each call. ZeroGPU refuses async
functions, so they are refused here everywhere, not only on a Space.

On a ZeroGPU Space `import spaces` must come before anything initialises CUDA; this module imports it
only when gpu_call runs, so the app should call gpu_call (or `import spaces`) before loading models.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# ZeroGPU limits (spaces 0.51 and the ZeroGPU maintainers: default 60 s, "5 minutes is the maximum
# time that can be requested at once"); a shorter request gets a better place in the queue.
ZEROGPU_DEFAULT_S = 60
ZEROGPU_MIN_S = 20  # below this a cold slice (weights moving in) risks being cut off
ZEROGPU_MAX_S = 300

# Fixed cost per call on top of the denoising steps: moving weights onto the slice, the four text
# encoders (Llama-3.1-8B among them), VAE encode/decode. Edits encode a source image as well.
OVERHEAD_S = {"generate": 8.0, "edit": 12.0, "variation": 8.0}
HEADROOM = 1.5  # measured step times vary with load and the first call's warm-up
REFERENCE_PIXELS = 1024 * 1024  # seconds_per_step is measured at this size


def spaces_available() -> bool:
    """True when the `spaces` package can be imported (it need not be a Space)."""
    try:
        return importlib.util.find_spec("spaces") is not None
    except (ImportError, ValueError):  # a broken install, or sys.modules["spaces"] = None
        return False


def gpu_duration(kind: str, steps: int, width: int, height: int, seconds_per_step: float) -> int:
    """Seconds to ask ZeroGPU for: steps x time per step at this size, plus fixed overhead, with headroom.

    kind: "generate", "edit" or "variation" (sets the fixed overhead).
    seconds_per_step: measured at 1024x1024; the time per step grows a bit faster than the pixel
    count (attention is quadratic in tokens, the MLPs linear), modelled as (pixels / 1024^2) ** 1.2.
    Clamped to ZeroGPU's limits [ZEROGPU_MIN_S, ZEROGPU_MAX_S].
    """
    if kind not in OVERHEAD_S:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(OVERHEAD_S)}")
    if steps < 0 or width <= 0 or height <= 0 or seconds_per_step < 0:
        raise ValueError("steps, width, height and seconds_per_step must be positive")
    scale = ((width * height) / REFERENCE_PIXELS) ** 1.2
    estimate = OVERHEAD_S[kind] + steps * seconds_per_step * scale
    return int(min(ZEROGPU_MAX_S, max(ZEROGPU_MIN_S, math.ceil(estimate * HEADROOM))))


def gpu_call(fn: F, duration: int | Callable[..., int], *, size: str | None = None) -> F:
    """`fn` wrapped with `spaces.GPU(duration=...)` when `spaces` is importable, else `fn` itself.

    duration: seconds, or a callable taking fn's own arguments and returning seconds (spaces calls
    it before every call). size: None, "large" or "xlarge" (ZeroGPU slice size).
    Generator functions are fine (spaces streams them); coroutines are refused with TypeError.
    """
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(f"{getattr(fn, '__name__', fn)!r} is async: ZeroGPU only runs plain functions")
    if not (isinstance(duration, int) or callable(duration)):
        raise TypeError("duration must be seconds (int) or a callable returning seconds")
    if not spaces_available():
        return fn
    try:
        import spaces
    except ImportError:  # installed but unusable (e.g. imported half-way through gradio's import)
        return fn
    return spaces.GPU(fn, duration=duration, size=size)


def zero_gpu() -> bool:
    """True on a ZeroGPU Space (the `spaces` package reads the same variable)."""
    return os.environ.get("SPACES_ZERO_GPU", "").strip().lower() in ("1", "true", "yes")


class GpuScheduledEngine:
    """An engine whose generate/edit go through `spaces.GPU` with a duration from steps and size.

    Everything else (describe, defaults, aspect_ratios, ...) is the wrapped engine's. On ZeroGPU the
    call runs in a forked worker, so the per-step callback and the cancel Event (which cannot cross
    that process boundary) are not passed there: the turn runs to its end and shows no previews.
    """

    def __init__(self, engine):
        self._engine = engine
        self._generate = gpu_call(engine.generate, lambda request, *a, **k: self._seconds("generate", request))
        self._edit = gpu_call(engine.edit, lambda request, *a, **k: self._seconds("edit", request))

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def _seconds(self, kind: str, request) -> int:
        defaults = self._engine.defaults(kind)
        if kind == "edit":
            width, height = request.source.size if request.source is not None else (defaults["width"], defaults["height"])
        else:
            width, height = request.width or defaults["width"], request.height or defaults["height"]
        steps = request.steps or defaults["steps"]
        return int(min(ZEROGPU_MAX_S, max(ZEROGPU_MIN_S, math.ceil(self._engine.estimate_seconds(kind, steps, width, height)))))

    def generate(self, request, on_step=None, cancel=None):
        if zero_gpu():
            return self._generate(request)
        return self._generate(request, on_step=on_step, cancel=cancel)

    def edit(self, request, on_step=None, cancel=None):
        if zero_gpu():
            return self._edit(request)
        return self._edit(request, on_step=on_step, cancel=cancel)


def schedule_on_gpu(engine):
    """The engine itself off Spaces (no `spaces` package), else a GpuScheduledEngine around it."""
    return GpuScheduledEngine(engine) if spaces_available() else engine
