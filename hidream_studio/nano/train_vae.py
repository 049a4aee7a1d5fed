"""Train the nano AutoencoderKL (128x128 RGB <-> 16 x 16x16 latents) on rendered scenes.

The VAE comes from the engines' builder (hidream_studio.engines.tiny.build_vae). The decoder is
trained on the latent mode plus a little noise, so it learns to draw clean shapes from slightly-off
latents, which is what a small diffusion model hands it. At the end the latent mean and spread over fresh
scenes become `shift_factor` and `scaling_factor`, so the transformer sees unit-scale latents.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from . import world
from .common import (
    SPEC,
    Log,
    NanoSpec,
    load_checkpoint,
    save_checkpoint,
    set_threads,
    step_rng,
    to_pixels,
    training_device,
)


def build(spec: NanoSpec = SPEC):
    from hidream_studio.engines.tiny import build_vae

    # One norm group: with one channel per group (8 groups over 8 channels) GroupNorm is an instance
    # norm, which erases the absolute color of flat regions, and this world is flat regions.
    return build_vae(spec.vae_channels, seed=spec.seed, norm_num_groups=1, layers_per_block=1)


def batch(seed: int, step: int, size: int, crop: int | None = None) -> torch.Tensor:
    """Rendered training scenes; with `crop`, random crops (offsets on the 8-px latent grid)."""
    rng = step_rng(seed, step, "vae")
    x = to_pixels([world.render(world.sample_scene(rng)) for _ in range(size)])
    if not crop:
        return x
    cells = (x.shape[-1] - crop) // 8 + 1
    crops = []
    for i in range(size):
        oy, ox = 8 * rng.randrange(cells), 8 * rng.randrange(cells)
        crops.append(x[i, :, oy:oy + crop, ox:ox + crop])
    return torch.stack(crops)


@torch.no_grad()
def calibrate(vae, seed: int, n: int = 256) -> tuple[float, float]:
    """(shift_factor, scaling_factor) that make the latent mode zero-mean, unit-std on fresh scenes."""
    vae.eval()
    modes = torch.cat([vae.encode(batch(seed + 1, i, 32).to(vae.device)).latent_dist.mode() for i in range(n // 32)])
    return float(modes.mean()), float(1.0 / modes.std())


def train(out: Path, steps: int, batch_size: int = 16, lr: float = 2e-3, kl_weight: float = 1e-6, noise: float = 0.1,
          full_fraction: float = 0.1, decoder_only: bool = False,
          resume: bool = True, threads: int | None = 2, spec: NanoSpec = SPEC, ckpt_every: int = 50,
          log_every: int = 10, device: str | None = "auto") -> Path:
    """Train to `steps` total optimizer steps; writes OUT/checkpoint.pt and, at the end, OUT/vae/.

    decoder_only: fine-tune the decoder of a trained VAE on whole images with the encoder frozen, so
    latents (and the transformers trained on them, and the cached latents) stay valid: only how
    latents are drawn improves.
    """
    set_threads(threads)
    out = Path(out)
    device = training_device(device)
    vae = build(spec).train()
    state = load_checkpoint(out) if resume else None
    if decoder_only and not state:
        raise ValueError("decoder_only fine-tunes a trained VAE: no checkpoint in " + str(out))
    if state:
        vae.load_state_dict(state["model"])
    if decoder_only:
        vae.encoder.requires_grad_(False).eval()
        vae.quant_conv.requires_grad_(False)
        full_fraction = 1.0
    vae.to(device)  # before the optimizer exists: its state then loads onto the parameters' device
    params = [p for p in vae.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    start = 0
    if state:
        # The optimizer state of the whole VAE does not fit the decoder's parameters: fresh moments.
        if state.get("decoder_only", False) == decoder_only:
            opt.load_state_dict(state["optim"])
        start = state["step"]
    log = Log(out)
    torch.manual_seed(spec.seed + start)
    for step in range(start, steps):
        for group in opt.param_groups:  # linear warm-up, cosine decay
            group["lr"] = lr * min(1.0, (step + 1) / 50) * (0.55 + 0.45 * torch.cos(torch.tensor(step / steps * 3.1416)).item())
        # Most steps on 64x64 crops (4x cheaper; the convolutions only need local edges and
        # colors), the last ones on whole images so the mid-block attention sees full scenes.
        x = batch(spec.seed, step, batch_size, None if step >= steps * (1 - full_fraction) else 64).to(device)
        with torch.set_grad_enabled(not decoder_only):
            posterior = vae.encode(x).latent_dist
        z = posterior.mode()
        # Noise proportional to the latent spread (not the posterior's own std, which starts at 1
        # and would drown the signal for hundreds of steps): a decoder robust to off latents.
        z = z + noise * z.detach().std() * torch.randn_like(z)
        recon = vae.decode(z).sample
        rec = F.mse_loss(recon, x) + 0.5 * F.l1_loss(recon, x)
        kl = posterior.kl().mean()
        loss = rec + (0.0 if decoder_only else kl_weight * kl)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if (step + 1) % log_every == 0:
            log(step=step + 1, rec=round(rec.item(), 5), kl=round(kl.item(), 1))
        if (step + 1) % ckpt_every == 0 or step + 1 == steps:
            save_checkpoint(out, {"step": step + 1, "model": vae.state_dict(), "optim": opt.state_dict(),
                                  "decoder_only": decoder_only})
    if decoder_only:  # the encoder did not change: keep its latent statistics exactly
        from diffusers import AutoencoderKL

        previous = AutoencoderKL.load_config(out / "vae")
        shift, scale = previous["shift_factor"], previous["scaling_factor"]
    else:
        shift, scale = calibrate(vae, spec.seed)
    vae.register_to_config(shift_factor=shift, scaling_factor=scale)
    vae.eval().save_pretrained(out / "vae", safe_serialization=True)
    log(done=True, step=steps, shift_factor=shift, scaling_factor=scale)
    return out / "vae"


def load_trained(folder: Path):
    from diffusers import AutoencoderKL

    return AutoencoderKL.from_pretrained(folder).eval()
