"""The E1 fidelity cases shared by the reference harness (bench/fidelity_harness.py, which records the official
pipeline's final latents here) and the golden test (tests/engines/test_fidelity.py, which runs ours).

A case is one edit on the tiny checkpoints (`make-tiny`, seed 0) in one of three forms standing in
for the published editors at tiny scale:

    e1-full-lora  the E1 LoRA over the I1 transformer, E1-Full's prompt format, a fixed square work size
    e1-full       the same with a full E1 transformer
    e1-1          a full E1 transformer, plain instruction, a dynamic work size (E1.1)

The official scripts fix `transformer.max_seq` to the canvas of their work area (4608 for E1-Full at
768^2, 8192 for E1.1 at 1 MP); the tiny analogue is the canvas at the tiny area, 128 tokens.

`expect` says what the test checks:
    equal              ours equals the official latents (to TOLERANCE)
    ignores-ig         official turns guidance off at guidance 1 and ignores image guidance; ours keeps
                       it: ours differs, and ours with image guidance 1 equals the official latents
    prompt-growth      a prompt past 128 tokens: official cuts it, ours grows; with growth off ours equals
    refine-weights     official as written refines with the E1 weights (state_dict shares storage); ours
                       with the I1 weights differs, and ours refining with the E1 transformer equals
    exact-max-seq      official run with max_seq set to the exact canvas: equals ours with the small
                       models' exact rule (Preset.max_seq None) and differs from the padded run
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LATENTS_FILE = HERE / "official_latents.safetensors"
INDEX_FILE = HERE / "index.json"
TOLERANCE = 1e-5  # float32 CPU: the measured agreement is ~1e-6

SEED = 3
INSTRUCTION = "make the circle green"
DESCRIPTION = "a green circle on a blue background."  # the trailing "." must not reach the refine prompt
NEGATIVE = "low resolution, blur"
LONG_DESCRIPTION = " ".join(["a green circle on a blue background with a red square in the corner"] * 12)
TINY_MAX_SEQ = 128  # canvas tokens at the tiny area (32 x 32 px, VAE /2, patch 2, two halves)
SOURCES = {"square": (48, 48), "wide": (96, 64)}


@dataclass(frozen=True)
class Case:
    form: str  # e1-full-lora | e1-full | e1-1
    steps: int
    refine: float
    guidance: float
    image_guidance: float
    source: str  # key of SOURCES
    scheduler: str = "unipc"  # the real presets' flow UniPC, or "folder" (the tiny folder's Euler)
    expect: str = "equal"
    long_prompt: bool = False

    @property
    def name(self) -> str:
        extra = "" if self.expect == "equal" else f"-{self.expect}"
        sched = "" if self.scheduler == "unipc" else f"-{self.scheduler}"
        return (f"{self.form}-s{self.steps}-r{self.refine:g}-g{self.guidance:g}-ig{self.image_guidance:g}"
                f"-{self.source}{sched}{extra}")


# Every level of every factor appears for every form, and each pair of (steps, refine, source) levels.
_GRID = [  # (guidance, image_guidance, steps, refine, source)
    (1, 1, 8, 0.0, "square"),
    (3, 1, 8, 0.3, "wide"),
    (3, 1.5, 28, 0.0, "square"),
    (5, 1, 28, 0.3, "square"),
    (5, 1.5, 8, 0.0, "wide"),
    (3, 1.5, 8, 0.3, "square"),
    (3, 1.5, 28, 0.3, "wide"),  # E1.1's defaults (28 steps, 3.0, 1.5, refine 0.3): 19 edit + 9 refine steps
]

CASES: list[Case] = [
    Case(form, steps, refine, g, ig, source)
    for form in ("e1-full-lora", "e1-full", "e1-1")
    for g, ig, steps, refine, source in _GRID
] + [
    Case("e1-1", 8, 0.3, 3, 1.5, "square", scheduler="folder"),
    Case("e1-full", 8, 0.3, 1, 1.5, "wide", expect="ignores-ig"),
    Case("e1-1", 8, 0.0, 1, 1.5, "wide", expect="ignores-ig"),
    Case("e1-full", 8, 0.3, 3, 1.5, "square", expect="prompt-growth", long_prompt=True),
    Case("e1-1", 8, 0.3, 3, 1.5, "square", expect="refine-weights"),
    Case("e1-1", 8, 0.3, 3, 1.5, "wide", expect="exact-max-seq"),
]

# Our settings per form (over the tiny-e1 preset); the tiny folders' own preset keeps max_seq None.
FORM_PRESETS = {
    "e1-full-lora": {"prompt_format": "e1-full", "edit_size": "fixed", "max_seq": TINY_MAX_SEQ},
    "e1-full": {"prompt_format": "e1-full", "edit_size": "fixed", "max_seq": TINY_MAX_SEQ},
    "e1-1": {"prompt_format": "plain", "edit_size": "dynamic", "max_seq": TINY_MAX_SEQ},
}
_KEEP = object()


def ours(engines: dict, case: Case, *, image_guidance: float | None = None, longest: int | None = None,
         refiner=None, max_seq=_KEEP):
    """Our final latents for `case`: plan_edit + HiDreamEditPipeline.denoise, the two halves of
    Engine.edit, on the loaded tiny engines {"lora": ..., "full": ...}. The keywords make the one
    change a deliberate difference is about: image guidance, the longest prompt length, the refine
    transformer, the padding rule. Returns (latents, plan, info)."""
    from dataclasses import replace

    from hidream_studio.engines.edit_pipeline import HiDreamEditPipeline, plan_edit
    from hidream_studio.engines.loader import make_scheduler
    from hidream_studio.engines.runtime import StepReporter, seeded_generator
    from hidream_studio.imageio import open_image

    engine = engines["lora" if case.form == "e1-full-lora" else "full"]
    pipe, base = engine.models.pipe, engine.edit_pipeline
    preset = engine.editor_spec.preset.with_overrides({**FORM_PRESETS[case.form], "scheduler": case.scheduler})
    if max_seq is not _KEEP:
        preset = replace(preset, max_seq=max_seq)
    scheduler = make_scheduler(preset, dict(pipe.scheduler.config))
    edit = HiDreamEditPipeline(base.text, base.vae, base.editor, refiner or base.refiner, scheduler, base.lora,
                               base.offloader, pipe)
    source = open_image(source_image(case.source), min_side=1)
    description = LONG_DESCRIPTION if case.long_prompt else DESCRIPTION
    plan = plan_edit(preset, source, INSTRUCTION, description if preset.prompt_format == "e1-full" else None,
                     steps=case.steps, guidance=case.guidance,
                     image_guidance=case.image_guidance if image_guidance is None else image_guidance,
                     refine_strength=case.refine, negative=NEGATIVE, vae_factor=pipe.vae_scale_factor)
    previous = engine.text.longest
    engine.text.longest = longest or previous
    try:
        latents, info = edit.denoise(plan, seeded_generator(SEED, base.device), StepReporter(case.steps, None, None))
    finally:
        engine.text.longest = previous
    return latents, plan, info


def source_image(kind: str):
    """A deterministic test picture: a red disc and a yellow bar on a blue gradient."""
    from PIL import Image, ImageDraw

    width, height = SOURCES[kind] if kind in SOURCES else kind
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    img = Image.merge("RGB", (img.getchannel(0).point(lambda v: v // 4), img.getchannel(0).point(lambda v: v // 2),
                              Image.new("L", (width, height), 200)))
    draw = ImageDraw.Draw(img)
    draw.ellipse((width * 0.2, height * 0.15, width * 0.6, height * 0.75), fill=(220, 30, 30))
    draw.rectangle((width * 0.65, height * 0.1, width * 0.8, height * 0.9), fill=(240, 220, 40))
    return img


def official_prompt(case: Case) -> str:
    """The prompt the official scripts hand their pipeline for this case (E1-Full: the instruction
    refinement's format, description without its final "."; E1.1: the plain instruction)."""
    if case.form == "e1-1":
        return INSTRUCTION
    description = LONG_DESCRIPTION if case.long_prompt else DESCRIPTION.rstrip(".")
    return f"Editing Instruction: {INSTRUCTION}. Target Image Description: {description}"


def weights_digest(family: Path) -> str:
    """sha256 over every tensor (name, dtype, shape, bytes) of the tiny family's safetensors files.

    The fixtures hold only for these exact weights: the test compares this digest first."""
    from safetensors.numpy import load_file

    h = hashlib.sha256()
    for path in sorted(Path(family).rglob("*.safetensors")):
        h.update(str(path.relative_to(family)).encode())
        tensors = load_file(str(path))
        for key in sorted(tensors):
            t = tensors[key]
            h.update(f"{key}|{t.dtype}|{t.shape}".encode())
            h.update(t.tobytes())
    return h.hexdigest()


def pixels_digest(img) -> str:
    import numpy as np

    return hashlib.sha256(np.asarray(img.convert("RGB")).tobytes()).hexdigest()


def read_index() -> dict:
    return json.loads(INDEX_FILE.read_text())


def case_record(case: Case) -> dict:
    return {"name": case.name, **asdict(case), "official_prompt": official_prompt(case)}
