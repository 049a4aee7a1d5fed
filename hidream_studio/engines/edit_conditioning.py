"""The one place where an E1 transformer sees the side-by-side canvas.

HiDream-E1 conditions on the source image by concatenating its latent with the noisy target
latent along the WIDTH axis. The transformer then sees one canvas of H x 2W latents whose
position ids run across the doubled width; only the left (target) half of its prediction is
used. Both the inference pipeline (edit_pipeline.py) and the nano E1 trainer call
`predict_edit_velocity`, so training and inference cannot drift apart.

Sign and noise conventions (the same as diffusers' HiDreamImagePipeline and its flow-matching
schedulers):
    x_t      = (1 - sigma) * x0 + sigma * noise          (noisy_sample)
    timestep = sigma * 1000
    velocity = noise - x0                                 (velocity_target; what the scheduler steps with)
    the transformer's raw output is -velocity; predict_edit_velocity returns +velocity.
Latents are VAE latents after shift and scale: (mode - shift_factor) * scaling_factor (encode_image).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch


@contextlib.contextmanager
def exact_max_seq(transformer, height: int, width: int, pad_to: int | None = None) -> Iterator[int]:
    """Temporarily set `transformer.max_seq` to the token count of a (height x width) latent, or to
    `pad_to` when that is given and at least as large.

    For non-square latents diffusers pads the image tokens up to `max_seq` and masks only the padded
    keys (zeroed keys still take attention weight), so the padding changes the output as well as the
    cost. Exact (pad_to None) is what small models are trained with and costs nothing extra (a
    generous max_resolution padded to 8192 tokens was 65x slower on a tiny config); `pad_to` reproduces
    a model run the official way (engines-fidelity.md). The caller must hold the device lock: the
    attribute is shared by every user of this transformer object.
    """
    patch = transformer.config.patch_size
    tokens = (height // patch) * (width // patch)
    tokens = max(tokens, pad_to or 0)
    previous = transformer.max_seq
    transformer.max_seq = tokens
    try:
        yield tokens
    finally:
        transformer.max_seq = previous


def configured_max_seq(transformer) -> int:
    """The max_seq a transformer is built with: its max_resolution area in patches (I1: 4096)."""
    height, width = transformer.config.max_resolution
    return height * width // (transformer.config.patch_size ** 2)


def _to_image_layout(out: torch.Tensor, transformer, height: int, width: int) -> torch.Tensor:
    """Undo the train-mode output layout (B, C, S, p*p) -> (B, C, H, W). Eval mode is already (B, C, H, W)."""
    if not (transformer.training and not transformer.config.force_inference_output):
        return out
    p = transformer.config.patch_size
    b, c = out.shape[:2]
    ph, pw = height // p, width // p
    out = out[:, :, : ph * pw].reshape(b, c, ph, pw, p, p).permute(0, 1, 2, 4, 3, 5)
    return out.reshape(b, c, height, width)


def run_transformer(
    transformer,
    latents: torch.Tensor,
    timesteps: torch.Tensor,
    prompt_embeds_t5: torch.Tensor,
    prompt_embeds_llama3: torch.Tensor,
    pooled_embeds: torch.Tensor,
    attention_kwargs: dict[str, Any] | None = None,
    pad_to: int | None = None,
) -> torch.Tensor:
    """One transformer call on latents of any aspect, returning +velocity (B, C, H, W). max_seq is
    exact, or `pad_to` tokens when given (see exact_max_seq).

    prompt_embeds_llama3 is [layers, batch, seq, dim] as HiDreamImagePipeline.encode_prompt returns it.
    """
    height, width = latents.shape[-2:]
    with exact_max_seq(transformer, height, width, pad_to):
        out = transformer(
            hidden_states=latents,
            timesteps=timesteps,
            encoder_hidden_states_t5=prompt_embeds_t5,
            encoder_hidden_states_llama3=prompt_embeds_llama3,
            pooled_embeds=pooled_embeds,
            attention_kwargs=attention_kwargs,
            return_dict=False,
        )[0]
    return -_to_image_layout(out, transformer, height, width)


def build_canvas(noisy_target: torch.Tensor, source_latent: torch.Tensor) -> torch.Tensor:
    """[target | source] along width. source_latent may have batch 1 (broadcast) and must match H and W."""
    if source_latent.shape[-2:] != noisy_target.shape[-2:]:
        raise ValueError(f"source latent {tuple(source_latent.shape)} and target {tuple(noisy_target.shape)} differ in size")
    if source_latent.shape[0] != noisy_target.shape[0]:
        source_latent = source_latent.expand(noisy_target.shape[0], *source_latent.shape[1:])
    return torch.cat([noisy_target, source_latent.to(noisy_target.dtype)], dim=-1)


def predict_edit_velocity(
    transformer,
    noisy_target: torch.Tensor,
    source_latent: torch.Tensor,
    timesteps: torch.Tensor,
    prompt_embeds_t5: torch.Tensor,
    prompt_embeds_llama3: torch.Tensor,
    pooled_embeds: torch.Tensor,
    attention_kwargs: dict[str, Any] | None = None,
    pad_to: int | None = None,
) -> torch.Tensor:
    """E1 forward on the side-by-side canvas; returns the target half's velocity (shape of noisy_target).

    noisy_target:  (B, C, H, W) x_t of the edited image.
    source_latent: (B or 1, C, H, W) encoded source; zeros for the image-unconditional branch.
    timesteps:     (B,) sigma * 1000.
    pad_to:        canvas tokens to pad to (the official scripts' fixed max_seq); None: exact.
    Works in train mode too (gradients flow; the train-mode output layout is handled here).
    """
    width = noisy_target.shape[-1]
    canvas = build_canvas(noisy_target, source_latent)
    velocity = run_transformer(
        transformer, canvas, timesteps, prompt_embeds_t5, prompt_embeds_llama3, pooled_embeds, attention_kwargs, pad_to
    )
    return velocity[..., :width]


# ------------------------------------------------------------------------------------------
# Flow matching helpers shared by the trainer and tests
# ------------------------------------------------------------------------------------------
def noisy_sample(x0: torch.Tensor, noise: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """x_t = (1 - sigma) x0 + sigma noise, sigmas shaped (B,)."""
    s = sigmas.view(-1, *([1] * (x0.ndim - 1))).to(x0.dtype)
    return (1.0 - s) * x0 + s * noise


def velocity_target(x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """What predict_edit_velocity / run_transformer should output: noise - x0."""
    return noise - x0


def encode_image(vae, pixels: torch.Tensor) -> torch.Tensor:
    """VAE latents for pixels in [-1, 1] (B, 3, H, W): the distribution's mode, then shift and scale."""
    dist = vae.encode(pixels.to(vae.device, vae.dtype)).latent_dist
    shift = vae.config.shift_factor or 0.0
    return (dist.mode() - shift) * vae.config.scaling_factor
