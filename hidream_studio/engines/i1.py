"""Text encoding shared by I1 and E1, and HiDream-I1 generation through diffusers' pipeline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from ..domain import Cancelled, EngineResult, GenerateRequest, StepProgress
from .edit_conditioning import exact_max_seq
from .presets import Preset
from .runtime import PromptCache, StepReporter, latent_preview, seeded_generator

MAX_SEQUENCE_LENGTH = 128  # HiDream's default padding length
LONGEST_SEQUENCE_LENGTH = 218  # HiDream's limit: up to 218 works, longer gives noise


@dataclass(frozen=True)
class Embeds:
    t5: torch.Tensor  # [B, seq, d]
    llama: torch.Tensor  # [layers, B, seq, d]
    pooled: torch.Tensor  # [B, d]

    @staticmethod
    def cat(parts: list[Embeds]) -> Embeds:
        return Embeds(torch.cat([p.t5 for p in parts]), torch.cat([p.llama for p in parts], dim=1),
                      torch.cat([p.pooled for p in parts]))


class TextEncoders:
    """The generator pipeline's CLIP-L, CLIP-G, T5 and Llama, used by both I1 and E1 (the same objects),
    behind an LRU cache: a text seen before never reaches the encoders again."""

    def __init__(self, pipe, device: torch.device | str, cache: PromptCache | None = None,
                 max_sequence_length: int = MAX_SEQUENCE_LENGTH):
        self.pipe = pipe
        # Fixed by the placement. Asking pipe._execution_device instead walks every sub-module of every
        # component (diffusers' offload detection): ~7 ms per call on the tiny model.
        self.device = torch.device(device)
        self.cache = cache or PromptCache()
        self.max_sequence_length = max_sequence_length
        self.longest = allow_long_prompts(pipe)

    @property
    def modules(self) -> tuple[Any, ...]:
        p = self.pipe
        return (p.text_encoder, p.text_encoder_2, p.text_encoder_3, p.text_encoder_4)

    def length_for(self, *texts: str) -> int:
        """The token length to encode `texts` at, so their embeddings can share one batch: the model's
        padding length (max_sequence_length), grown in steps of 8 for a longer text (never cut short)."""
        return padded_length(self.pipe, texts, self.max_sequence_length, self.longest)

    def encode(self, text: str, length: int | None = None) -> Embeds:
        """Embeddings of `text` padded to `length` tokens (default: length_for(text))."""
        length = length or self.length_for(text)
        key = (text, length)
        t5, llama, pooled = self.cache.get_or_compute(key, lambda: self._encode(text, length))
        return Embeds(t5, llama, pooled)

    def tokens_past_limit(self, text: str) -> int:
        """How many tokens of `text` (in its longest tokenization) lie past the longest length the
        encoders take: they are cut and never reach the model, so a reply can say so. Usually 0."""
        return max(0, token_count(self.pipe, text) - self.longest)

    def unknown_words(self, text: str) -> list[str]:
        """The words of `text` the Llama tokenizer (the encoder HiDream leans on most) maps to its unknown
        token: a closed word vocabulary such as nano's drops them, so a reply can say so. Byte-level
        tokenizers (the real Llama 3.1) know every text and give []."""
        tokenizer = self.pipe.tokenizer_4
        unk = tokenizer.unk_token_id
        if unk is None or not getattr(tokenizer, "is_fast", False):
            return []
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        pairs = zip(encoded.input_ids, encoded.offset_mapping, strict=True)
        words = [text[a:b] for token, (a, b) in pairs if token == unk]
        return list(dict.fromkeys(words))  # in order, once each

    def _encode(self, text: str, length: int) -> tuple[torch.Tensor, ...]:
        with torch.inference_mode():
            t5, _, llama, _, pooled, _ = self.pipe.encode_prompt(
                prompt=text, do_classifier_free_guidance=False, max_sequence_length=length, device=self.device,
            )
        return t5, llama, pooled


# Why prompts grow instead of being cut: diffusers pads AND truncates every prompt to
# max_sequence_length. A model trained at a short length (nano: 40) then loses the end of a long
# prompt; for nano's Chinese edits ("Editing Instruction: ... Target Image Description: ...", one
# token per character) that was 16% of them, cut inside the description of the second shape, which
# nano then drew as the wrong kind. Prompts that fit keep the exact padding the model was trained with.
def allow_long_prompts(pipe) -> int:
    """Let the pipeline's tokenizers reach the longest length the encoders support, and return it:
    LONGEST_SEQUENCE_LENGTH, or less where a CLIP or Llama encoder has fewer positions.

    diffusers caps T5 and Llama at their tokenizer's model_max_length, which nano's tokenizers were
    saved with = its padding length; raising it changes nothing for prompts that fit (for CLIP, which
    diffusers pads to min(length, 218) anyway, it only silences transformers' "longer than" warning)."""
    longest = LONGEST_SEQUENCE_LENGTH
    for encoder in (pipe.text_encoder, pipe.text_encoder_2, pipe.text_encoder_4):
        longest = min(longest, getattr(encoder.config, "max_position_embeddings", longest))
    for tokenizer in _tokenizers(pipe):
        tokenizer.model_max_length = max(tokenizer.model_max_length, longest)
    return longest


def padded_length(pipe, texts: tuple[str, ...] | list[str], base: int, longest: int) -> int:
    """`base`, or for texts longer than that (in any of the four tokenizers, special tokens included)
    their longest token count rounded up to a multiple of 8, at most `longest` (beyond it diffusers cuts)."""
    needed = max((token_count(pipe, text) for text in texts), default=0)
    if needed <= base:
        return base
    return max(base, min(longest, -(-needed // 8) * 8))


def token_count(pipe, text: str) -> int:
    """The most tokens any of the four tokenizers makes of `text`, special tokens included."""
    return max(len(tokenizer(text).input_ids) for tokenizer in _tokenizers(pipe))


def _tokenizers(pipe) -> tuple[Any, ...]:
    """CLIP-L, CLIP-G, T5 and Llama tokenizers of a HiDream pipeline."""
    return (pipe.tokenizer, pipe.tokenizer_2, pipe.tokenizer_3, pipe.tokenizer_4)


def output_size(preset: Preset, width: int | None, height: int | None, vae_factor: int) -> tuple[int, int]:
    """The size diffusers' pipeline will make: the preset's area at the requested aspect (multiples of 2*vae)."""
    side = preset.sample_size * vae_factor
    width, height = width or side, height or side
    division = vae_factor * 2
    scale = (side * side / (width * height)) ** 0.5
    return int(width * scale // division * division), int(height * scale // division * division)


def generate(
    pipe,
    text: TextEncoders,
    preset: Preset,
    model_id: str,
    req: GenerateRequest,
    seed: int,
    lock: threading.Lock,
    on_step: Callable[[StepProgress], None] | None = None,
    cancel: threading.Event | None = None,
    after_job: Callable[[], None] | None = None,
) -> EngineResult:
    """One text-to-image run. The device lock is held from text encoding to decoding."""
    return generate_batch(pipe, text, preset, model_id, req, [seed], lock, on_step, cancel, after_job)[0]


def generate_batch(
    pipe,
    text: TextEncoders,
    preset: Preset,
    model_id: str,
    req: GenerateRequest,
    seeds: list[int],
    lock: threading.Lock,
    on_step: Callable[[StepProgress], None] | None = None,
    cancel: threading.Event | None = None,
    after_job: Callable[[], None] | None = None,
) -> list[EngineResult]:
    """len(seeds) images of one request in ONE batched denoising loop (options: one prompt, several seeds)."""
    return generate_many(pipe, text, preset, model_id, [req] * len(seeds), seeds, lock, on_step, cancel, after_job)


def run_settings(preset: Preset, req: GenerateRequest, vae_factor: int) -> tuple[int, float, str | None, int, int]:
    """What a batch must share: (steps, guidance, negative prompt, width, height) with the preset's
    defaults filled in (the negative prompt only counts where guidance uses it)."""
    steps = int(req.steps if req.steps is not None else preset.steps)
    guidance = float(req.guidance if req.guidance is not None else preset.guidance)
    negative = req.negative_prompt if req.negative_prompt is not None else preset.negative_prompt
    width, height = output_size(preset, req.width, req.height, vae_factor)
    return steps, guidance, (negative if guidance > 1 else None), width, height


def generate_many(
    pipe,
    text: TextEncoders,
    preset: Preset,
    model_id: str,
    reqs: list[GenerateRequest],
    seeds: list[int],
    lock: threading.Lock,
    on_step: Callable[[StepProgress], None] | None = None,
    cancel: threading.Event | None = None,
    after_job: Callable[[], None] | None = None,
) -> list[EngineResult]:
    """One image per request (each with its own prompt and seed) in ONE batched denoising loop: one
    forward per step for all. The requests must share run_settings (steps, guidance, negative prompt,
    size); the caller checks that.

    Every prompt is encoded at one length (length_for over all prompts and the negative prompt) and
    the embeddings are stacked along the batch axis (T5 and pooled: dim 0; Llama: dim 1, its layers
    come first). Each image's initial noise comes from its own seed (a generator per image), so with
    the deterministic schedulers (Euler, UniPC) image i equals a single run of reqs[i] with seeds[i]
    (when that single run encodes at the same length), up to batched float arithmetic. The Fast/Dev
    schedulers re-noise from the global RNG, shared by the batch.
    """
    count = len(seeds)
    assert count == len(reqs) >= 1, "one seed per request"
    req = reqs[0]
    vae_factor = pipe.vae_scale_factor
    steps, guidance, _, width, height = run_settings(preset, req, vae_factor)
    negative = req.negative_prompt if req.negative_prompt is not None else preset.negative_prompt
    reporter = StepReporter(steps, on_step, cancel, preview=latent_preview)

    def callback(p, i, t, kwargs):
        reporter.step(kwargs["latents"])
        if reporter.cancelled:
            p._interrupt = True  # the loop skips its remaining steps
        return {}

    prompts = [r.prompt for r in reqs]
    with lock:
        reporter.check()  # cancelled while waiting for the device
        started = time.perf_counter()
        try:
            length = text.length_for(*dict.fromkeys(prompts), negative or "")
            positive = Embeds.cat([text.encode(prompt, length) for prompt in prompts])
            extra: dict[str, Any] = {}
            if guidance > 1:  # the pipeline's own rule for classifier-free guidance
                neg = Embeds.cat([text.encode(negative or "", length)] * count)  # one per image, as positive
                extra = {"negative_prompt_embeds_t5": neg.t5, "negative_prompt_embeds_llama3": neg.llama,
                         "negative_pooled_prompt_embeds": neg.pooled}
            # Made last-to-first so the global RNG ends seeded with seeds[0], as a single run leaves it.
            generators = [seeded_generator(seed, text.device) for seed in reversed(seeds)][::-1]
            latent_h, latent_w = height // vae_factor, width // vae_factor
            with torch.inference_mode(), exact_max_seq(pipe.transformer, latent_h, latent_w, preset.max_seq):
                latents = pipe(
                    prompt_embeds_t5=positive.t5, prompt_embeds_llama3=positive.llama,
                    pooled_prompt_embeds=positive.pooled, **extra, num_images_per_prompt=1,
                    width=width, height=height, num_inference_steps=steps, guidance_scale=guidance,
                    generator=generators if count > 1 else generators[0], output_type="latent",
                    callback_on_step_end=callback, callback_on_step_end_tensor_inputs=["latents"],
                ).images
                if reporter.cancelled:
                    raise Cancelled(f"stopped after {reporter.steps_done} of {steps} steps")
                images = [decode(pipe, latents[i : i + 1]) for i in range(count)]
        finally:
            if after_job is not None:
                after_job()
        elapsed = time.perf_counter() - started
    words = {prompt: (text.unknown_words(prompt), text.tokens_past_limit(prompt)) for prompt in dict.fromkeys(prompts)}
    return [
        EngineResult(
            image=image, model_id=model_id, model_revision=None, prompt_sent=prompt,
            negative_prompt=negative if guidance > 1 else None, seed=seed, steps=steps, guidance=guidance,
            image_guidance=None, width=image.width, height=image.height, elapsed_s=elapsed,
            unknown_words=words[prompt][0], tokens_ignored=words[prompt][1],
            extra={"scheduler": type(pipe.scheduler).__name__, "image_tokens": (latent_h // 2) * (latent_w // 2),
                   "batch": count},
        )
        for prompt, seed, image in zip(prompts, seeds, images, strict=True)
    ]


def decode(pipe, latents: torch.Tensor):
    """Latents (pipeline convention: scaled and shifted) -> one PIL image."""
    vae = pipe.vae
    latents = latents / vae.config.scaling_factor + (vae.config.shift_factor or 0.0)
    pixels = vae.decode(latents.to(vae.dtype), return_dict=False)[0]
    return pipe.image_processor.postprocess(pixels, output_type="pil")[0]
