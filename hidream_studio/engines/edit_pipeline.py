"""HiDream-E1 instruction editing, written here on diffusers components (diffusers has no E1 pipeline).

1. encode the texts (shared encoders, cached);   2. encode the source image with the shared VAE;
3. start from seeded noise at the work size;     4. for each step, run the E1 transformer on the
side-by-side canvas [target | source] (edit_conditioning.predict_edit_velocity) with three guidance
branches and combine them; for the last `refine_strength` fraction of the steps, drop the source and
run the I1 transformer (a separate refiner, or the same transformer with the E1 LoRA disabled) with
two-branch text guidance on the target description;    5. decode and resize to the source's aspect.

`plan_edit` turns a request into exactly what the loop reads (prompt texts, the source at the work
size, settings), by the official scripts' rules; docs/engines-fidelity.md lists where and why the
outputs differ from the official pipeline.

The official scripts switch to the refiner by saving `state_dict()` and loading it back in place;
state_dict() shares storage with the parameters, so their "original" weights are silently overwritten.
Here the I1 weights are never written: the refiner is the already-loaded I1 transformer.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

from ..imageio import fit_area, fit_square
from .edit_conditioning import configured_max_seq, encode_image, predict_edit_velocity, run_transformer
from .formats import E1_ADAPTER
from .i1 import Embeds, TextEncoders, decode
from .presets import Preset, format_edit_prompt, refine_prompt_for, size_for_area
from .runtime import StepReporter


@dataclass(frozen=True)
class EditSettings:
    steps: int
    guidance: float
    image_guidance: float
    refine_strength: float
    guidance_form: str  # "clip-cfg-norm" | "two-factor"
    work_size: tuple[int, int]  # (width, height) the model works at
    output_size: tuple[int, int]  # (width, height) returned: the source's aspect ratio
    max_seq: int | None = None  # canvas tokens to pad to (Preset.max_seq); None: exact

    @property
    def edit_steps(self) -> int:
        """Steps before the refine stage, counted as the official pipeline does (refine starts at step
        int(steps * (1 - r)): 28 steps at r = 0.3 are 19 edit + 9 refine)."""
        return int(self.steps * (1.0 - self.refine_strength))


@dataclass(frozen=True)
class EditPlan:
    """One edit, ready for the loop: `source` is already at settings.work_size."""

    source: Image.Image
    prompt: str  # what the E1 transformer reads
    negative: str
    refine_prompt: str  # what the refine stage reads
    settings: EditSettings


def plan_edit(preset: Preset, source: Image.Image, instruction: str, description: str | None, *, steps: int,
              guidance: float, image_guidance: float, refine_strength: float, negative: str,
              vae_factor: int) -> EditPlan:
    """The texts, work size and source pixels of an edit, by the official scripts' rules.

    fixed (E1-Full): the source squashed to the preset's square with bicubic; dynamic (E1.1): bicubic
    plus a centre crop to about the preset's area (imageio.fit_area). The result is resized back to
    the source's aspect ratio at the preset's area (output_size).
    """
    area = preset.sample_size ** 2 * vae_factor ** 2
    multiple = vae_factor * 2
    if preset.edit_size == "dynamic":
        work_source = fit_area(source, area, multiple)
    else:
        work_source = fit_square(source, math.isqrt(area) // multiple * multiple)
    output = size_for_area(source.width, source.height, area, multiple)
    prompt = format_edit_prompt(preset, instruction, description)
    settings = EditSettings(steps, guidance, image_guidance, refine_strength, preset.guidance_form,
                            work_source.size, output, preset.max_seq)
    return EditPlan(work_source, prompt, negative, refine_prompt_for(prompt), settings)


def combine_guidance(pred: torch.Tensor, guidance: float, image_guidance: float, form: str) -> torch.Tensor:
    """Three branches -> one velocity.

    clip-cfg-norm: branches (no image, prompt), (image, negative), (image, prompt) = uncond, image_cond, full;
        pred = image_cond + g (full - image_cond), its norm over channels clamped to that of full,
        out = uncond + ig (pred - uncond).
    two-factor: branches (no image, negative), (image, negative), (image, prompt);
        out = uncond + ig (image_cond - uncond) + g (full - image_cond).
    """
    uncond, image_cond, full = pred.chunk(3)
    if form == "two-factor":
        return uncond + image_guidance * (image_cond - uncond) + guidance * (full - image_cond)
    guided = image_cond + guidance * (full - image_cond)
    ratio = full.norm(dim=1, keepdim=True) / guided.norm(dim=1, keepdim=True).clamp_min(1e-6)
    guided = guided * ratio.clamp(max=1.0)
    return uncond + image_guidance * (guided - uncond)


class HiDreamEditPipeline:
    """E1 editing on shared components. Holds references only: `text` and `vae` are the generator's objects.

    editor:   the transformer edits run through; with `lora=True` it is the I1 transformer carrying the
              peft adapter "e1" (enabled for edit steps, disabled for refine steps).
    refiner:  the I1 transformer (adapters disabled) for the refine stage.
    """

    def __init__(self, text: TextEncoders, vae, editor, refiner, scheduler, lora: bool, offloader=None,
                 pipe=None):
        self.text = text
        self.vae = vae
        self.editor = editor
        self.refiner = refiner
        self.scheduler = scheduler
        self.lora = lora
        self.offloader = offloader
        self.pipe = pipe  # the generator pipeline (for its execution device and offload hooks)

    @property
    def device(self) -> torch.device:
        return self.text.device

    @contextlib.contextmanager
    def _adapter(self, enabled: bool):
        """LoRA form: switch the E1 adapter on for edit steps; always leave it off afterwards."""
        if not self.lora:
            yield
            return
        if enabled:
            self.editor.enable_adapters()
            self.editor.set_adapter(E1_ADAPTER)
        else:
            self.editor.disable_adapters()
        try:
            yield
        finally:
            self.editor.disable_adapters()

    # ---------------------------------------------------------------------------------------
    def encode_source(self, source: Image.Image) -> torch.Tensor:
        """VAE latent of a source already at the work size (pixels normalised by the pipeline's own
        image processor, as the official pipeline does)."""
        pixels = self.pipe.image_processor.preprocess(source.convert("RGB"))
        return encode_image(self.vae, pixels.to(self.device))

    def __call__(self, plan: EditPlan, generator: torch.Generator,
                 reporter: StepReporter) -> tuple[Image.Image, dict[str, Any]]:
        """The edited image at plan.settings.output_size, and what was run (steps, branches, tokens)."""
        latents, info = self.denoise(plan, generator, reporter)
        image = decode(self.pipe, latents)  # 5. decode, back to the source's aspect ratio
        if image.size != plan.settings.output_size:
            image = image.resize(plan.settings.output_size, Image.Resampling.LANCZOS)
        return image, info

    @torch.inference_mode()
    def denoise(self, plan: EditPlan, generator: torch.Generator,
                reporter: StepReporter) -> tuple[torch.Tensor, dict[str, Any]]:
        """Steps 1-4: the final latents (pipeline convention: scaled and shifted) and the run's info."""
        s = plan.settings
        device = self.device
        # Guidance 1 with image guidance above 1 still runs three branches: the official pipeline turns
        # all guidance off below guidance 1 and so ignores image guidance there (engines-fidelity.md).
        three = s.guidance > 1 or s.image_guidance > 1
        negative = plan.negative or ""
        # 1. texts (cached; the same encoders as generation)
        length = self.text.length_for(plan.prompt, negative, plan.refine_prompt)  # one batch, one length
        pos = self.text.encode(plan.prompt, length)
        neg = self.text.encode(negative, length) if three else None
        if three:
            first = pos if s.guidance_form == "clip-cfg-norm" else neg
            embeds = Embeds.cat([first, neg, pos])
        else:
            embeds = pos
        edit_steps = s.edit_steps
        refine_embeds = None
        if edit_steps < s.steps:
            ref = self.text.encode(plan.refine_prompt, length)
            refine_embeds = Embeds.cat([self.text.encode(negative, length), ref]) if s.guidance > 1 else ref
        # 2. source latent at the work size
        source_latent = self.encode_source(plan.source)
        if self.offloader is not None:
            self.offloader.before_edit_loop(self.pipe)
        branches = 3 if three else 1
        image_latents = torch.cat([torch.zeros_like(source_latent), source_latent, source_latent]) if three else source_latent
        # The refine stage pads like its own transformer when the canvas does (the official code run
        # with a separate I1 refiner); exact otherwise.
        refine_pad = configured_max_seq(self.refiner) if s.max_seq else None
        # 3. noise
        shape = source_latent.shape
        dtype = self.editor.dtype
        latents = torch.randn(shape, generator=generator, device=generator.device, dtype=torch.float32)
        latents = latents.to(device=device, dtype=dtype)
        self.scheduler.set_timesteps(s.steps, device=device)
        timesteps = self.scheduler.timesteps
        # 4. denoise
        for i, t in enumerate(timesteps):
            reporter.check()
            if i < edit_steps:
                with self._adapter(True):
                    model_in = latents.expand(branches, *latents.shape[1:])
                    v = predict_edit_velocity(self.editor, model_in, image_latents.to(dtype), t.expand(branches),
                                              embeds.t5, embeds.llama, embeds.pooled, pad_to=s.max_seq)
                v = combine_guidance(v, s.guidance, s.image_guidance, s.guidance_form) if three else v
            else:
                if i == edit_steps and self.offloader is not None:
                    self.offloader.before_refine(self.pipe)
                n = 2 if s.guidance > 1 else 1
                with self._adapter(False):
                    v = run_transformer(self.refiner, latents.expand(n, *latents.shape[1:]), t.expand(n),
                                        refine_embeds.t5, refine_embeds.llama, refine_embeds.pooled,
                                        pad_to=refine_pad)
                if n == 2:
                    v_neg, v_pos = v.chunk(2)
                    v = v_neg + s.guidance * (v_pos - v_neg)
            latents = self.scheduler.step(v.to(latents.dtype), t, latents, return_dict=False)[0].to(dtype)
            reporter.step(latents)
        reporter.check()
        canvas_tokens = (shape[-2] // 2) * (shape[-1] // 2) * 2
        info = {"edit_steps": edit_steps, "refine_steps": s.steps - edit_steps, "branches": branches,
                "canvas_tokens": canvas_tokens, "padded_tokens": max(canvas_tokens, s.max_seq or 0),
                "work_size": list(s.work_size), "guidance_form": s.guidance_form}
        return latents, info
