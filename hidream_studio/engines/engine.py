"""The Engine the studio talks to: I1 generation + E1 editing behind one small API.

    engine = load_engine(settings)      # resolves names, loads no weights
    engine.load()                       # loads / builds the weights now (serve calls it at start-up)
    engine.generate(GenerateRequest, on_step=None, cancel=None) -> EngineResult
    engine.generate_options(GenerateRequest, count, ...) -> [EngineResult]  (one batched run)
    engine.generate_many([GenerateRequest, ...], ...) -> [EngineResult]  (different prompts, one batched run)
    engine.edit(EditRequest, on_step=None, cancel=None) -> EngineResult   (source's aspect ratio)
    engine.describe() / defaults(kind) / aspect_ratios / estimate_seconds(kind, steps, width, height)

Errors: InvalidParams and InvalidImage before any model runs; ModelUnavailable when weights are
missing; Cancelled when `cancel` is set (checked at every step; nothing is returned).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain import (
    MAX_OPTIONS,
    EditRequest,
    EngineResult,
    GenerateRequest,
    InvalidImage,
    InvalidParams,
    ModelUnavailable,
    StepProgress,
)
from .formats import E1_LORA
from .presets import aspect_ratios, validate_edit, validate_generate
from .resolve import ModelSpec, resolve_editor, resolve_generator

OnStep = Callable[[StepProgress], None] | None


def _warn_if_lora_base_differs(generator: ModelSpec, editor: ModelSpec | None) -> None:
    """A LoRA editor is applied to the loaded generator's transformer: say so when it was trained on another."""
    from pathlib import Path

    if editor is None or editor.form != E1_LORA or not editor.meta.get("base") or not generator.local:
        return
    base = (Path(editor.source) / editor.meta["base"]).resolve()
    if base != Path(generator.source).resolve():
        warnings.warn(f"the E1 LoRA in {editor.source} was trained over {base}, but the generator is "
                      f"{generator.source}: edits may be poor", stacklevel=3)


class Engine:
    def __init__(self, settings, generator: ModelSpec | None, editor: ModelSpec | None,
                 error: ModelUnavailable | None = None, editor_error: ModelUnavailable | None = None):
        self.settings = settings
        self.generator_spec = generator
        self.editor_spec = editor
        self._resolve_error = error
        self._editor_error = editor_error
        self._load_lock = threading.Lock()
        self.models = None  # loader.LoadedModels once loaded
        self.text = None  # i1.TextEncoders (shared by I1 and E1)
        self.edit_pipeline = None
        self.placement = None
        self.planner = None  # planner.Planner on the loaded Llama, when Settings.planner allows one

    @classmethod
    def from_settings(cls, settings) -> Engine:
        """Cheap: resolve names only. A model that cannot be resolved is reported when it is needed."""
        try:
            generator = resolve_generator(settings)
        except ModelUnavailable as exc:
            return cls(settings, None, None, error=exc)
        try:
            editor = resolve_editor(settings, generator)
            editor_error = None if editor is not None else ModelUnavailable(
                f"{generator.id} has no paired editor: pass --editor (tiny, nano, e1-full, e1-1 or a folder)")
        except ModelUnavailable as exc:
            editor, editor_error = None, exc
        _warn_if_lora_base_differs(generator, editor)
        return cls(settings, generator, editor, editor_error=editor_error)

    # ------------------------------------------------------------------------------ loading
    def load(self) -> None:
        """Load (or build, for tiny) every weight now. Idempotent and thread-safe."""
        if self.models is not None:
            return
        with self._load_lock:
            if self.models is not None:
                return
            if self._resolve_error is not None:
                raise self._resolve_error
            from .edit_pipeline import HiDreamEditPipeline
            from .i1 import MAX_SEQUENCE_LENGTH, TextEncoders
            from .loader import load_all
            from .memory import choose_placement
            from .runtime import PromptCache, device_lock

            self.placement = choose_placement(self.settings)
            models = load_all(self.generator_spec, self.editor_spec, self.settings, self.placement)
            # Sizes follow the VAE actually loaded (a custom folder may not use the preset's /8).
            factor = models.pipe.vae_scale_factor
            self.generator_spec = replace(self.generator_spec, preset=replace(self.generator_spec.preset, vae_factor=factor))
            if self.editor_spec is not None:
                self.editor_spec = replace(self.editor_spec, preset=replace(self.editor_spec.preset, vae_factor=factor))
            max_len = int(self.generator_spec.meta.get("max_sequence_length", MAX_SEQUENCE_LENGTH))
            self.text = TextEncoders(models.pipe, self.placement.device, PromptCache(), max_sequence_length=max_len)
            if models.editor is not None:
                self.edit_pipeline = HiDreamEditPipeline(
                    self.text, models.pipe.vae, models.editor, models.pipe.transformer, models.editor_scheduler,
                    lora=models.editor_form == E1_LORA, offloader=models.offloader, pipe=models.pipe,
                )
            self.lock = device_lock(self.placement.device)
            from .planner import make_planner

            self.planner = make_planner(self.settings, self.generator_spec, models.pipe, self.placement.device,
                                        self.lock, after_call=lambda: models.offloader.after_job(models.pipe))
            self.models = models

    # ------------------------------------------------------------------------------ API
    def generate(self, req: GenerateRequest, on_step: OnStep = None, cancel: threading.Event | None = None) -> EngineResult:
        validate_generate(req)
        self.load()
        from .i1 import generate
        from .runtime import resolve_seed

        models = self.models
        req, typed = self._expand(req)
        result = generate(models.pipe, self.text, self.generator_spec.preset, self.generator_spec.id, req,
                          resolve_seed(req.seed), self.lock, on_step, cancel,
                          after_job=lambda: models.offloader.after_job(models.pipe))
        if typed is not None:
            result.extra["expanded_from"] = typed  # prompt_sent is the expansion; the recipe keeps the typed prompt
        return result

    def batch_key(self, req: GenerateRequest) -> tuple:
        """What generate requests must share to run as one batch (generate_many): steps, guidance,
        negative prompt and output size, the preset's defaults filled in. Validates `req` (InvalidParams)."""
        validate_generate(req)
        self.load()
        from .i1 import run_settings

        return run_settings(self.generator_spec.preset, req, self.models.pipe.vae_scale_factor)

    def generate_many(self, requests: list[GenerateRequest], on_step: OnStep = None,
                      cancel: threading.Event | None = None) -> list[EngineResult]:
        """One image per request, different prompts and seeds, in one batched denoising run (one forward
        per step for all): what the engine tier does with generate requests from different sessions.

        The requests must share batch_key (InvalidParams otherwise, before any model runs). Each result
        is the image a single `generate` of its request (prompt, seed) makes, up to batched float
        arithmetic, and its extra["batch"] says how many ran together. A prompt that needs a longer
        encoding than the others (past the model's padding length) runs in its own batch, so that it
        is encoded as its single run encodes it. `cancel` stops the whole run."""
        if not requests:
            raise InvalidParams("a batch needs at least one request")
        if len({self.batch_key(req) for req in requests}) > 1:
            raise InvalidParams("a batch runs one set of settings (steps, guidance, negative prompt, size): "
                                "these requests differ")  # fmt: skip
        from .i1 import generate_many
        from .runtime import resolve_seed

        models = self.models
        preset = self.generator_spec.preset
        expanded = [self._expand(req) for req in requests]
        reqs = [req for req, _ in expanded]
        seeds = [resolve_seed(req.seed) for req in reqs]
        negative = reqs[0].negative_prompt if reqs[0].negative_prompt is not None else preset.negative_prompt
        runs: dict[int, list[int]] = {}
        for i, req in enumerate(reqs):
            runs.setdefault(self.text.length_for(req.prompt, negative or ""), []).append(i)
        results: list[EngineResult | None] = [None] * len(reqs)
        for members in runs.values():
            made = generate_many(models.pipe, self.text, preset, self.generator_spec.id, [reqs[i] for i in members],
                                 [seeds[i] for i in members], self.lock, on_step, cancel,
                                 after_job=lambda: models.offloader.after_job(models.pipe))  # fmt: skip
            for i, result in zip(members, made, strict=True):
                results[i] = result
        for result, (_, typed) in zip(results, expanded, strict=True):
            if typed is not None:
                result.extra["expanded_from"] = typed
        return results

    def _expand(self, req: GenerateRequest) -> tuple[GenerateRequest, str | None]:
        """The request with its prompt expanded by the planner (when it expands prompts), and the typed
        prompt (None when nothing changed)."""
        typed = req.prompt
        expanded = self.planner.expand(typed) if (self.planner is not None and self.settings.expand_prompts) else None
        return (replace(req, prompt=expanded), typed) if expanded else (req, None)

    def generate_options(self, req: GenerateRequest, count: int, on_step: OnStep = None,
                         cancel: threading.Event | None = None) -> list[EngineResult]:
        """`count` candidates of one request in one batched denoising run (one forward per step for
        all of them). Seeds: the request's seed, seed+1, ... or fresh random ones."""
        validate_generate(req)
        if not 1 <= count <= MAX_OPTIONS:
            raise InvalidParams(f"options must be between 1 and {MAX_OPTIONS}, not {count}")
        self.load()
        from .i1 import generate_batch
        from .runtime import resolve_seed

        seeds = [req.seed + i for i in range(count)] if req.seed is not None else [resolve_seed(None) for _ in range(count)]
        models = self.models
        return generate_batch(models.pipe, self.text, self.generator_spec.preset, self.generator_spec.id, req,
                              seeds, self.lock, on_step, cancel,
                              after_job=lambda: models.offloader.after_job(models.pipe))

    def edit(self, req: EditRequest, on_step: OnStep = None, cancel: threading.Event | None = None) -> EngineResult:
        validate_edit(req)
        from ..imageio import open_image

        # Not upscaled: the editor resizes the source to its work size once (a valid size stays as it is).
        source = open_image(req.source, min_side=1)  # InvalidImage before any model runs
        if source.width < 1:
            raise InvalidImage("the source image is empty")
        if self.editor_spec is None and self._resolve_error is None:
            raise self._editor_error
        self.load()
        if self.edit_pipeline is None:
            raise self._editor_error or ModelUnavailable("no editor is loaded")
        from .edit_pipeline import plan_edit
        from .runtime import StepReporter, latent_preview, resolve_seed, seeded_generator

        preset = self.editor_spec.preset
        steps = int(req.steps if req.steps is not None else preset.steps)
        guidance = float(req.guidance if req.guidance is not None else preset.guidance)
        image_guidance = float(req.image_guidance if req.image_guidance is not None else preset.image_guidance or 1.0)
        refine = float(req.refine_strength if req.refine_strength is not None else preset.refine_strength)
        negative = req.negative_prompt if req.negative_prompt is not None else preset.negative_prompt
        description, described_by = self._target_description(preset, source, req)
        plan = plan_edit(preset, source, req.instruction, description, steps=steps, guidance=guidance,
                         image_guidance=image_guidance, refine_strength=refine, negative=negative,
                         vae_factor=self.models.pipe.vae_scale_factor)
        prompt = plan.prompt
        seed = resolve_seed(req.seed)
        reporter = StepReporter(steps, on_step, cancel, preview=latent_preview)
        models = self.models
        with self.lock:
            reporter.check()
            started = time.perf_counter()
            try:
                generator = seeded_generator(seed, self.edit_pipeline.device)
                image, info = self.edit_pipeline(plan, generator, reporter)
            finally:
                models.offloader.after_job(models.pipe)
            elapsed = time.perf_counter() - started
        return EngineResult(
            image=image, model_id=self.editor_spec.id, model_revision=None, prompt_sent=prompt,
            negative_prompt=negative, seed=seed, steps=steps, guidance=guidance, image_guidance=image_guidance,
            width=image.width, height=image.height, elapsed_s=elapsed, target_description=description,
            described_by=described_by, tokens_ignored=self.text.tokens_past_limit(prompt),
            extra={**info, "refine_strength": refine, "editor_form": models.editor_form},
        )

    def _target_description(self, preset, source, req: EditRequest) -> tuple[str | None, str | None]:
        """(description, who wrote it), E1-Full only: the request's own, else the preset's describer's,
        else the planner's (from the instruction and the canvas' prompt, as the official demo's LLM)."""
        from .describers import get_describer

        if req.target_description or preset.prompt_format != "e1-full":
            return req.target_description, None
        describer = get_describer(preset.describer)
        if describer is not None:
            description = describer(source, req.instruction)
            return description, (preset.describer if description else None)
        if self.planner is not None:
            description = self.planner.describe(req.instruction, req.source_prompt)
            return description, ("planner" if description else None)
        return None, None

    # ------------------------------------------------------------------------------ info
    def describe(self) -> dict[str, Any]:
        from .memory import choose_placement

        placement = self.placement
        if placement is None:
            try:
                placement = choose_placement(self.settings)
            except ModelUnavailable:
                placement = None
        return {
            "generator": self.generator_spec.id if self.generator_spec else self.settings.resolved_model,
            "editor": self.editor_spec.id if self.editor_spec else None,
            "device": placement.device if placement else self.settings.device,
            "dtype": placement.dtype_name if placement else self.settings.dtype,
            "memory_mode": placement.memory_mode if placement else self.settings.memory_mode,
        }

    def defaults(self, kind: str) -> dict[str, Any]:
        if kind == "generate":
            preset = self._preset("generate")
            side = preset.sample_size * preset.vae_factor
            return {"steps": preset.steps, "guidance": preset.guidance, "image_guidance": None,
                    "width": side, "height": side}
        if kind == "edit":
            preset = self._preset("edit")
            side = preset.sample_size * preset.vae_factor
            return {"steps": preset.steps, "guidance": preset.guidance, "image_guidance": preset.image_guidance,
                    "refine_strength": preset.refine_strength, "width": side, "height": side}
        raise ValueError(f"kind must be 'generate' or 'edit', not {kind!r}")

    @property
    def aspect_ratios(self) -> list[tuple[int, int]]:
        preset = self._preset("generate")
        custom = self.generator_spec.meta.get("aspect_ratios") if self.generator_spec else None
        if custom:
            return [tuple(x) for x in custom]
        return aspect_ratios(preset.area, multiple=min(16, 2 * preset.vae_factor))

    def estimate_seconds(self, kind: str, steps: int, width: int, height: int,
                         refine_strength: float | None = None) -> float:
        """A generous estimate of one turn's device seconds (the spaces.GPU duration): duration.py."""
        from .duration import turn_seconds

        preset = self._preset(kind)
        refiner = self._preset("generate") if kind == "edit" else None
        refine = preset.refine_strength if refine_strength is None else refine_strength
        moved = self.models.offloader.moved_bytes(kind, refine > 0) if self.models is not None else 0
        return turn_seconds(preset, steps, width, height, refiner=refiner, refine_strength=refine,
                            moved_bytes=moved, loaded=self.models is not None)

    def _preset(self, kind: str):
        from .presets import PRESETS

        spec = self.generator_spec if kind == "generate" else (self.editor_spec or None)
        if spec is not None:
            return spec.preset
        return PRESETS["nano" if kind == "generate" else "nano-e1"]
