"""Runtime services shared by the I1 and E1 paths: one job per device, seeds, cancel/progress,
the prompt-embedding cache and cheap step previews."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import torch

from ..domain import Cancelled, StepProgress

# ------------------------------------------------------------------------------------------
# One denoising loop at a time per device
# ------------------------------------------------------------------------------------------
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def device_lock(device: str | torch.device) -> threading.Lock:
    """The process-wide lock of a device ("cuda:0", "cpu"): every engine on it shares the lock,
    so two engines (or two requests) never run denoising loops on one device at once."""
    key = str(torch.device(device))
    if key == "cuda":
        key = f"cuda:{torch.cuda.current_device()}" if torch.cuda.is_available() else "cuda:0"
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


# ------------------------------------------------------------------------------------------
# Seeds
# ------------------------------------------------------------------------------------------
def resolve_seed(seed: int | None) -> int:
    """The seed actually used: the request's, or a fresh random one (reported back in the result)."""
    return int(seed) if seed is not None else secrets.randbelow(2**31)


def seeded_generator(seed: int, device: str | torch.device) -> torch.Generator:
    """A generator for the initial noise AND the global RNG seeded too: the Dev/Fast schedulers
    re-noise every step from the global RNG (the pipeline does not pass its generator on)."""
    torch.manual_seed(seed)
    gen_device = "cpu" if torch.device(device).type not in ("cuda",) else device
    return torch.Generator(device=gen_device).manual_seed(seed)


# ------------------------------------------------------------------------------------------
# Progress and cancel
# ------------------------------------------------------------------------------------------
class StepReporter:
    """Calls on_step after each step, raises Cancelled at the next step boundary once cancel is set.

    `preview(latents)` makes the StepProgress.preview image; it runs only when someone listens.
    """

    def __init__(self, total: int, on_step: Callable[[StepProgress], None] | None,
                 cancel: threading.Event | None, preview: Callable[[torch.Tensor], Any] | None = None):
        self.total = total
        self.on_step = on_step
        self.cancel = cancel
        self.preview = preview
        self.steps_done = 0

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled(f"stopped after {self.steps_done} of {self.total} steps")

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def step(self, latents: torch.Tensor | None) -> None:
        self.steps_done += 1
        if self.on_step is not None:
            image = self.preview(latents) if (self.preview is not None and latents is not None) else None
            self.on_step(StepProgress(step=self.steps_done, total=self.total, preview=image))


# ------------------------------------------------------------------------------------------
# Prompt-embedding cache
# ------------------------------------------------------------------------------------------
class PromptCache:
    """LRU of text embeddings keyed by (text, encoded length); one cache per encoder set (TextEncoders).

    Value: (t5 [1, seq, d], llama [layers, 1, seq, d], pooled [1, d]) on the encoders' output device.
    A prompt or negative prompt seen before skips the four text encoders entirely.
    """

    def __init__(self, capacity: int = 64):
        self.capacity = capacity
        self._data: OrderedDict[tuple, tuple[torch.Tensor, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: tuple, compute: Callable[[], tuple[torch.Tensor, ...]]) -> tuple[torch.Tensor, ...]:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        value = compute()
        with self._lock:
            self.misses += 1
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# ------------------------------------------------------------------------------------------
# Previews: a fixed linear map from the 16 FLUX latent channels to RGB (no VAE call)
# ------------------------------------------------------------------------------------------
# An approximate fixed latent->RGB map for the 16-channel FLUX VAE (not fitted here): previews only
# need a recognisable thumbnail; wrong coefficients would only change the tint.
_FLUX_RGB = [
    (-0.0346, 0.0244, 0.0681), (0.0034, 0.0210, 0.0687), (0.0275, -0.0668, -0.0433), (-0.0174, 0.0160, 0.0617),
    (0.0859, 0.0721, 0.0329), (0.0004, 0.0383, 0.0115), (0.0405, 0.0861, 0.0915), (-0.0236, -0.0185, -0.0259),
    (-0.0245, 0.0250, 0.1180), (0.1008, 0.0755, -0.0421), (-0.0515, 0.0201, 0.0011), (0.0428, -0.0012, -0.0036),
    (0.0817, 0.0765, 0.0749), (-0.1264, -0.0522, -0.1103), (-0.0280, -0.0881, -0.0499), (-0.1262, -0.0982, -0.0778),
]
_FLUX_BIAS = (-0.0329, -0.0718, -0.0851)


def latent_preview(latents: torch.Tensor, scaling: float = 0.3611, shift: float = 0.1159, max_side: int = 128):
    """A small PIL image from (B, 16, h, w) latents, for step previews. Costs microseconds."""
    from PIL import Image

    with torch.no_grad():
        lat = latents[0].float().cpu() / scaling + shift
        if lat.shape[0] != len(_FLUX_RGB):
            rgb = lat[:3]
        else:
            weight = torch.tensor(_FLUX_RGB)  # (16, 3)
            rgb = torch.einsum("chw,cr->rhw", lat, weight) + torch.tensor(_FLUX_BIAS).view(3, 1, 1)
        rgb = ((rgb.clamp(-1, 1) + 1) * 127.5).byte().permute(1, 2, 0).numpy()
    img = Image.fromarray(rgb, "RGB")
    scale = max_side / max(img.size)
    if scale < 1:
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
    elif scale > 2:
        img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.NEAREST)
    return img
