"""Official settings per HiDream variant, the size rules, and request validation.

No torch here: presets and checks run before any model is touched (InvalidParams is raised
before a single weight is loaded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from ..domain import EditRequest, GenerateRequest, InvalidParams

E1_FULL_FORMAT = "Editing Instruction: {instruction}. Target Image Description: {description}"
TARGET_MARK = "Target Image Description:"

# (width, height); the official list is written "W x H" (the official demo parsed it as H x W and
# so swapped every non-square choice). Square first for the UI.
I1_ASPECTS = [(1024, 1024), (768, 1360), (1360, 768), (880, 1168), (1168, 880), (1248, 832), (832, 1248)]

LIMITS = {
    "steps": (1, 200),
    "guidance": (0.0, 30.0),
    "image_guidance": (0.0, 30.0),
    "refine_strength": (0.0, 1.0),
    "side": (16, 4096),
    "aspect": 4.0,  # longest side / shortest side
    "prompt_chars": 2000,
}


@dataclass(frozen=True)
class Preset:
    """Settings of one model variant. `sample_size` is the latent side of the default square area."""

    id: str
    kind: str  # "i1" | "e1"
    repo: str | None
    steps: int
    guidance: float
    scheduler: str  # "unipc" (flow UniPC) | "lcm" (flash flow-match Euler) | "euler" | "folder" (keep saved one)
    shift: float
    negative_prompt: str = ""
    image_guidance: float | None = None
    refine_strength: float = 0.0
    prompt_format: str = "plain"  # e1: "e1-full" | "plain"
    edit_size: str = "fixed"  # e1: "fixed" (square work size) | "dynamic" (source aspect, same area)
    guidance_form: str = "clip-cfg-norm"  # e1: "clip-cfg-norm" | "two-factor"
    describer: str | None = None  # e1-full: writes the target description from the instruction (describers.py)
    # Image tokens every non-square latent is padded to, as in the official code (padding changes the output:
    # masked keys still take attention weight). i1: the transformer's own max_seq (4096); e1: what the
    # official scripts fix transformer.max_seq to, and the refine stage pads to the I1 transformer's own.
    # None: exact token counts (small models are trained that way). See docs/engines-fidelity.md.
    max_seq: int | None = None
    sample_size: int = 128
    vae_factor: int = 8
    seconds_per_step: float = 0.2  # one step (all guidance branches) at the preset's area, reference card
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def area(self) -> int:
        side = self.sample_size * self.vae_factor
        return side * side

    def with_overrides(self, overrides: dict[str, Any] | None) -> Preset:
        allowed = {"steps", "guidance", "image_guidance", "refine_strength", "negative_prompt", "shift",
                   "scheduler", "prompt_format", "edit_size", "guidance_form", "seconds_per_step",
                   "describer", "max_seq"}
        return replace(self, **{k: v for k, v in (overrides or {}).items() if k in allowed})


# Step times: H200 bf16 measurements in the facts file (I1 1024^2: 0.192 s batch 1, 0.369 s with CFG;
# E1-Full, 3 branches at 768^2: 0.612 s; E1.1 at ~1 MP: 1.109 s). Small models: CPU guesses.
PRESETS: dict[str, Preset] = {
    "i1-full": Preset("i1-full", "i1", "HiDream-ai/HiDream-I1-Full", 50, 5.0, "unipc", 3.0, seconds_per_step=0.369,
                      max_seq=4096),
    "i1-dev": Preset("i1-dev", "i1", "HiDream-ai/HiDream-I1-Dev", 28, 0.0, "lcm", 6.0, seconds_per_step=0.192,
                     max_seq=4096),
    "i1-fast": Preset("i1-fast", "i1", "HiDream-ai/HiDream-I1-Fast", 16, 0.0, "lcm", 3.0, seconds_per_step=0.192,
                      max_seq=4096),
    "e1-full": Preset(
        "e1-full", "e1", "HiDream-ai/HiDream-E1-Full", 28, 5.0, "unipc", 3.0,
        negative_prompt="low resolution, blur", image_guidance=4.0, refine_strength=0.0,
        prompt_format="e1-full", edit_size="fixed", sample_size=96, seconds_per_step=0.612, max_seq=4608,
    ),
    "e1-1": Preset(
        "e1-1", "e1", "HiDream-ai/HiDream-E1-1", 28, 3.0, "unipc", 3.0,
        negative_prompt="low resolution, blur", image_guidance=1.5, refine_strength=0.3,
        prompt_format="plain", edit_size="dynamic", sample_size=128, seconds_per_step=1.109, max_seq=8192,
    ),
    # Small offline models (the folder's hidream_studio.json may override any field, see engines/formats.py).
    "tiny": Preset("tiny", "i1", None, 4, 3.0, "folder", 3.0, sample_size=16, vae_factor=2, seconds_per_step=0.05),
    "tiny-e1": Preset(
        "tiny-e1", "e1", None, 4, 3.0, "folder", 3.0, image_guidance=1.5, prompt_format="e1-full",
        sample_size=16, vae_factor=2, seconds_per_step=0.05,
    ),
    "nano": Preset("nano", "i1", None, 20, 4.0, "folder", 3.0, sample_size=16, vae_factor=8, seconds_per_step=0.05),
    "nano-e1": Preset(
        "nano-e1", "e1", None, 20, 4.0, "folder", 3.0, image_guidance=1.5, prompt_format="e1-full",
        sample_size=16, vae_factor=8, seconds_per_step=0.05,
    ),
}


def aspect_ratios(area: int, multiple: int = 16) -> list[tuple[int, int]]:
    """The official I1 aspect list scaled to `area` (sides multiples of `multiple`), square first, no repeats."""
    scale = math.sqrt(area / (1024 * 1024))
    out: list[tuple[int, int]] = []
    for w, h in I1_ASPECTS:
        size = (snap(w * scale, multiple), snap(h * scale, multiple))
        if size not in out:
            out.append(size)
    return out


def snap(x: float, multiple: int = 16) -> int:
    return max(multiple, int(round(x / multiple)) * multiple)


def size_for_area(width: int, height: int, area: int, multiple: int = 16) -> tuple[int, int]:
    """(w, h) with the aspect of width x height and about `area` pixels, sides multiples of `multiple`."""
    scale = math.sqrt(area / (width * height))
    return max(multiple, int(width * scale) // multiple * multiple), max(multiple, int(height * scale) // multiple * multiple)


def format_edit_prompt(preset: Preset, instruction: str, description: str | None) -> str:
    """The text the E1 model reads. E1-Full wants instruction + target description (the instruction
    stands in when no description is given); E1.1 reads the plain instruction."""
    if preset.prompt_format == "e1-full":
        desc = (description or instruction).strip().rstrip(".")
        return E1_FULL_FORMAT.format(instruction=instruction.strip().rstrip("."), description=desc)
    return instruction.strip()


def refine_prompt_for(prompt: str) -> str:
    """The text the refine stage reads, by the official rule: what follows "Target Image Description:"
    in the prompt sent (E1-Full's format, trailing "." already dropped), else the whole prompt (E1.1)."""
    if TARGET_MARK in prompt:
        return prompt.split(TARGET_MARK)[1].strip()
    return prompt


# ------------------------------------------------------------------------------------------
# Validation: every check runs before any model does
# ------------------------------------------------------------------------------------------
def _check_text(name: str, text: str | None, required: bool) -> None:
    if text is None or not str(text).strip():
        if required:
            raise InvalidParams(f"the {name} is empty: say what you want to see")
        return
    if len(text) > LIMITS["prompt_chars"]:
        raise InvalidParams(f"the {name} is too long ({len(text)} characters, at most {LIMITS['prompt_chars']})")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: bytes that were not UTF-8 (e.g. a mis-encoded shell argument)
        raise InvalidParams(f"the {name} contains bytes that are not valid UTF-8 text") from None


def _check_range(name: str, value: float | None, key: str | None = None) -> None:
    if value is None:
        return
    lo, hi = LIMITS[key or name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not lo <= value <= hi:
        raise InvalidParams(f"{name.replace('_', ' ')} must be between {lo} and {hi}, got {value!r}")
    if name == "steps" and int(value) != value:
        raise InvalidParams(f"steps must be a whole number, got {value!r}")


def _check_seed(seed: int | None) -> None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise InvalidParams(f"seed must be a whole number between 0 and 2^63-1, got {seed!r}")


def validate_generate(req: GenerateRequest) -> None:
    """Raise InvalidParams for an empty prompt or absurd steps / guidance / size / seed."""
    _check_text("prompt", req.prompt, required=True)
    _check_text("negative prompt", req.negative_prompt, required=False)
    _check_range("steps", req.steps)
    _check_range("guidance", req.guidance)
    _check_seed(req.seed)
    for name, side in (("width", req.width), ("height", req.height)):
        if side is not None:
            _check_range(name, side, "side")
    if req.width and req.height:
        ratio = max(req.width, req.height) / min(req.width, req.height)
        if ratio > LIMITS["aspect"]:
            raise InvalidParams(f"{req.width}x{req.height} is too elongated (at most {LIMITS['aspect']:.0f}:1)")


def validate_edit(req: EditRequest) -> None:
    """Raise InvalidParams for an empty instruction, absurd settings, or a missing source image."""
    _check_text("instruction", req.instruction, required=True)
    _check_text("target description", req.target_description, required=False)
    _check_text("negative prompt", req.negative_prompt, required=False)
    _check_range("steps", req.steps)
    _check_range("guidance", req.guidance)
    _check_range("image_guidance", req.image_guidance)
    _check_range("refine_strength", req.refine_strength)
    _check_seed(req.seed)
    if req.source is None:
        raise InvalidParams("there is no image to edit: generate or upload one first")
