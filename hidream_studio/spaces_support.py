"""Hugging Face Spaces glue: ZeroGPU's `spaces.GPU` when it is installed, nothing otherwise.

    engine = schedule_on_gpu(load_engine(settings))   # generate/edit through spaces.GPU where installed
    generate = gpu_call(fn, duration=lambda *args, **kwargs: 60)  # any plain function

`spaces.GPU` (spaces 0.51) is itself a no-op unless the Space runs on ZeroGPU (SPACES_ZERO_GPU set);
there it asks for a GPU slice for at most `duration` seconds per call. `duration` may be a callable:
spaces calls it with the wrapped function's own arguments before each call. ZeroGPU refuses async
functions, so they are refused here everywhere, not only on a Space.

On a ZeroGPU Space `import spaces` must come before anything initialises CUDA; this module imports it
only when gpu_call runs, so the app should call gpu_call (or `import spaces`) before loading models.
A call's duration is the engine's own estimate (engines/duration.py), clamped to ZeroGPU's limits.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# ZeroGPU limits (spaces 0.51 and the ZeroGPU maintainers: default 60 s, "5 minutes is the maximum
# time that can be requested at once"); a shorter request gets a better place in the queue.
ZEROGPU_DEFAULT_S = 60
ZEROGPU_MIN_S = 20  # below this a cold slice (weights moving in) risks being cut off
ZEROGPU_MAX_S = 300

# The Space's memory mode: one of the two 34 GB transformers on the slice at a time (docs/spaces.md,
# engines/memory_plan.py: every call's working set fits the ZeroGPU slice in bf16).
SPACE_MEMORY_MODE = "transformer-swap"
LLAMA_ID = "meta-llama/Llama-3.1-8B-Instruct"  # gated: the Space's HF_TOKEN secret must have access


def space_defaults(environ: Mapping[str, str], cuda: bool) -> tuple[dict[str, str], str | None]:
    """Studio settings (HIDREAM_STUDIO_* variables) for a Space, and one line for its page.

    Off a Space (no SPACE_ID): nothing. Without a GPU: the offline nano model. With one: I1-Fast and
    E1.1 in the Space's memory mode with Llama-3.1-8B-Instruct, which is gated; without an HF_TOKEN
    secret (or a HIDREAM_STUDIO_LLAMA of the owner's choosing) the Space serves nano and says how to
    turn the real models on, instead of failing on the first turn. Variables already set win.
    """
    if not environ.get("SPACE_ID"):
        return {}, None
    chosen = {k: v for k, v in environ.items() if k.startswith("HIDREAM_STUDIO_") and v}
    nano = {"HIDREAM_STUDIO_MODEL": "nano", "HIDREAM_STUDIO_EDITOR": "nano"}
    if "HIDREAM_STUDIO_MODEL" in chosen and not cuda:
        return {}, None
    if not cuda:
        notice = "No GPU here: this Space serves HiDream-Nano, the small offline model (a CPU turn takes a second or two)."
        return nano, notice
    if not environ.get("HF_TOKEN") and "HIDREAM_STUDIO_LLAMA" not in chosen and "HIDREAM_STUDIO_MODEL" not in chosen:
        notice = (f"HiDream-I1 needs {LLAMA_ID}, which is gated, and this Space has no HF_TOKEN secret: it serves "
                  "HiDream-Nano meanwhile. Add an HF_TOKEN secret (a token with access to Llama-3.1) in the "
                  "Space's settings and restart it to run HiDream-I1-Fast and E1.1.")
        return _unset(nano, chosen), notice
    real = {"HIDREAM_STUDIO_MODEL": "i1-fast", "HIDREAM_STUDIO_EDITOR": "e1-1", "HIDREAM_STUDIO_LLAMA": LLAMA_ID,
            "HIDREAM_STUDIO_MEMORY_MODE": SPACE_MEMORY_MODE}
    return _unset(real, chosen), None


def _unset(defaults: dict[str, str], chosen: Mapping[str, str]) -> dict[str, str]:
    """The defaults the owner has not set; a chosen model keeps its own paired editor."""
    paired = "HIDREAM_STUDIO_MODEL" in chosen
    return {k: v for k, v in defaults.items() if k not in chosen and not (paired and k == "HIDREAM_STUDIO_EDITOR")}


def spaces_available() -> bool:
    """True when the `spaces` package can be imported (it need not be a Space)."""
    try:
        return importlib.util.find_spec("spaces") is not None
    except (ImportError, ValueError):  # a broken install, or sys.modules["spaces"] = None
        return False


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
        # A batch of N candidates costs about N single images on a card that is compute-bound at 1024²
        # (H200: I1 forward 0.192 s at batch 1, 0.369 s at batch 2).
        self._generate_options = gpu_call(
            engine.generate_options, lambda request, count, *a, **k: self._seconds("generate", request, count))

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def _seconds(self, kind: str, request, count: int = 1) -> int:
        from .engines.duration import clamp

        defaults = self._engine.defaults(kind)
        if kind == "edit":
            width, height = request.source.size if request.source is not None else (defaults["width"], defaults["height"])
            refine = {"refine_strength": request.refine_strength}
        else:
            width, height = request.width or defaults["width"], request.height or defaults["height"]
            refine = {}
        steps = request.steps or defaults["steps"]
        seconds = self._engine.estimate_seconds(kind, steps, width, height, **refine) * count
        return clamp(seconds, ZEROGPU_MIN_S, ZEROGPU_MAX_S)

    def generate(self, request, on_step=None, cancel=None):
        if zero_gpu():
            return self._generate(request)
        return self._generate(request, on_step=on_step, cancel=cancel)

    def generate_options(self, request, count, on_step=None, cancel=None):
        if zero_gpu():
            return self._generate_options(request, count)
        return self._generate_options(request, count, on_step=on_step, cancel=cancel)

    def edit(self, request, on_step=None, cancel=None):
        if zero_gpu():
            return self._edit(request)
        return self._edit(request, on_step=on_step, cancel=cancel)


def schedule_on_gpu(engine):
    """The engine itself off Spaces (no `spaces` package), else a GpuScheduledEngine around it."""
    return GpuScheduledEngine(engine) if spaces_available() else engine
