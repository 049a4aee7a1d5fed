"""Train nano-I1: a small HiDreamImageTransformer2DModel, text to 16x16x16 latents, by flow matching.

Noise convention, inputs and output sign are those of the inference pipelines, through the engines'
shared helpers: x_t = noisy_sample(x0, noise, sigma), timestep = sigma * 1000, generation steps run
the transformer through edit_conditioning.run_transformer (exact max_seq, +velocity), edit steps
through predict_edit_velocity (the side-by-side canvas of E1); target velocity_target(x0, noise).

Why edit steps in the I1 run: on 2 shared CPU cores there is no time for two long runs, and the
text-to-shape knowledge is the same for both tasks. With `edit_fraction` > 0 a share of the steps
are E1 edit batches, so the base transformer already knows the canvas when the E1 LoRA
(train_e1.py) specialises it. Generation at inference is untouched by this: it is plain I1.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
import torch.nn.functional as F

from . import data, text
from .common import (
    SPEC,
    Log,
    NanoSpec,
    decay,
    load_checkpoint,
    mixed_precision,
    save_checkpoint,
    set_threads,
    speed_up,
    step_rng,
    training_device,
)

N_TWO = 4000  # two-shape training scenes in the pool (every single-shape training scene is in it)
N_EDITS = 12000


def build_transformer(encoders: dict, spec: NanoSpec = SPEC):
    from hidream_studio.engines.tiny import build_transformer as build
    from hidream_studio.engines.tiny import transformer_config

    return build(transformer_config(encoders, sample_size=spec.latent_size, **spec.transformer), seed=spec.seed + 1)


def build_pipeline(run_root: Path, transformer=None, vae=None, spec: NanoSpec = SPEC, trained_text: bool = True):
    """A HiDreamImagePipeline from the run's text encoders (as trained by I1 when its checkpoint has
    them), VAE and (given or fresh) transformer."""
    from diffusers import AutoencoderKL

    from hidream_studio.engines.tiny import assemble_pipeline, build_scheduler

    tokenizers, encoders = text.ensure(run_root, spec)
    state = load_checkpoint(Path(run_root) / "i1") if trained_text else None
    if state and "text_ema" in state:
        for name, enc in encoders.items():
            enc.load_state_dict(state["text_ema"][name])
    vae = vae or AutoencoderKL.from_pretrained(Path(run_root) / "vae" / "vae").eval()
    transformer = transformer or build_transformer(encoders, spec)
    return assemble_pipeline(tokenizers, encoders, transformer, vae, build_scheduler(spec.shift), spec.latent_size)


def flow_loss(transformer, pools: data.Pools, encode, seed: int, step: int, batch_size: int, edit: bool,
              shift: float, train_text: bool = False) -> torch.Tensor:
    """The flow-matching loss of one generation or edit batch, exactly as inference runs the model."""
    from hidream_studio.engines.edit_conditioning import (
        noisy_sample,
        predict_edit_velocity,
        run_transformer,
        velocity_target,
    )

    if edit:
        x0, source, prompts, gen = data.edit_batch(pools, seed, step, batch_size)
    else:
        x0, prompts, gen = data.generation_batch(pools, seed, step, batch_size)
    # Batches are drawn on the CPU (the same numbers on any device), then moved to the model's device.
    noise = torch.randn(x0.shape, generator=gen)
    sigmas = data.sample_sigmas(len(x0), shift, gen)
    device = next(transformer.parameters()).device
    x0, noise, sigmas = x0.to(device), noise.to(device), sigmas.to(device)
    if edit:
        source = source.to(device)
    t5, llama, pooled = encode(prompts, grad=torch.is_grad_enabled() and train_text)
    x_t = noisy_sample(x0, noise, sigmas)
    if edit:
        pred = predict_edit_velocity(transformer, x_t, source, sigmas * 1000, t5, llama, pooled)
    else:
        pred = run_transformer(transformer, x_t, sigmas * 1000, t5, llama, pooled)
    return F.mse_loss(pred, velocity_target(x0, noise))


def ema_update(ema, model, rate: float) -> None:
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters(), strict=True):
            if p.requires_grad:
                e.lerp_(p, 1.0 - rate)


def train(run_root: Path, steps: int, batch_size: int = 32, lr: float = 1e-3, resume: bool = True,
          threads: int | None = 2, spec: NanoSpec = SPEC, edit_fraction: float = 0.4, ckpt_every: int = 25,
          log_every: int = 10, out_name: str = "i1", pools: tuple[int, int, int | None] = (N_TWO, N_EDITS, None),
          train_text: bool = True, device: str | None = "auto", bf16: bool = False, compile: bool = False) -> Path:
    """Train to `steps` total steps. State in RUNS/<out_name>/checkpoint.pt (weights, EMA, optimizer).

    pools = (two-shape scenes, edits, single-shape scenes or None for all): small ones for tests.
    device: "auto" (CUDA when present), "cpu" or "cuda[:N]"; checkpoints are device-free.
    bf16 / compile: faster steps (common.mixed_precision / speed_up); checkpoints stay the same fp32.
    """
    set_threads(threads)
    run_root = Path(run_root)
    out = run_root / out_name
    # Everything on the device before the optimizer exists: loading its state then follows the parameters.
    device = training_device(device)
    pipe = build_pipeline(run_root, spec=spec, trained_text=False).to(device)
    transformer = pipe.transformer.train()
    speed_up(transformer, compile)
    # The text encoders train too (eval mode: no dropout; see text.py for why they must learn).
    texts = torch.nn.ModuleDict({name: getattr(pipe, name).requires_grad_(train_text) for name in text.ENCODERS})
    ema = copy.deepcopy(transformer).eval().requires_grad_(False)
    text_ema = copy.deepcopy(texts).requires_grad_(False)
    params = list(transformer.parameters()) + (list(texts.parameters()) if train_text else [])
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, betas=(0.9, 0.99))
    start = 0
    state = load_checkpoint(out) if resume else None
    if state:
        transformer.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        if "text" in state:
            texts.load_state_dict(state["text"])
            for name, module in text_ema.items():
                module.load_state_dict(state["text_ema"][name])
        if len(state["optim"]["param_groups"][0]["params"]) == len(params):
            opt.load_state_dict(state["optim"])
        else:  # resuming a run that started with frozen encoders: fresh moments for the new set
            opt.load_state_dict(_widen(state["optim"], len(params)))
        start = state["step"]
    n_two, n_edits, n_single = pools
    pools = data.load_pools(run_root, pipe.vae, spec.seed, n_two, n_edits if edit_fraction else 0, n_single)
    encode = text.PromptEncoder(pipe, spec.max_sequence_length)
    log = Log(out)
    log(start=start, steps=steps, scenes=len(pools.scenes), edits=len(pools.edits),
        params=sum(p.numel() for p in transformer.parameters()), device=str(device), bf16=bf16, compile=compile)
    for step in range(start, steps):
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / 100) * decay(step, steps)
        edit = step_rng(spec.seed, step, "kind").random() < edit_fraction
        # Edit canvases hold twice the image tokens: half the batch keeps the step time even.
        with mixed_precision(device, bf16):
            loss = flow_loss(transformer, pools, encode, spec.seed, step, batch_size // 2 if edit else batch_size,
                             edit, spec.shift, train_text).float()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        rate = min(0.998, (1 + step) / (10 + step))
        ema_update(ema, transformer, rate)
        ema_update(text_ema, texts, rate)
        if (step + 1) % log_every == 0:
            log(step=step + 1, loss=round(loss.item(), 4), edit=edit)
        if (step + 1) % ckpt_every == 0 or step + 1 == steps:
            save_checkpoint(out, {"step": step + 1, "model": transformer.state_dict(), "ema": ema.state_dict(),
                                  "text": texts.state_dict(), "text_ema": _split(text_ema),
                                  "optim": opt.state_dict()})
    return out


def _split(modules: torch.nn.ModuleDict) -> dict:
    return {name: module.state_dict() for name, module in modules.items()}


def _widen(optim_state: dict, n_params: int) -> dict:
    """An optimizer state dict extended to n_params parameters (the new ones without moments)."""
    groups = [dict(g) for g in optim_state["param_groups"]]
    groups[0]["params"] = list(range(n_params))
    return {"state": optim_state["state"], "param_groups": groups}


def load_transformer(run_root: Path, out_name: str = "i1", use_ema: bool = True, spec: NanoSpec = SPEC):
    """The trained transformer (EMA weights by default) from RUNS/<out_name>/checkpoint.pt, eval mode."""
    _, encoders = text.ensure(run_root, spec)
    transformer = build_transformer(encoders, spec)
    state = load_checkpoint(Path(run_root) / out_name)
    transformer.load_state_dict(state["ema" if use_ema else "model"])
    return transformer.eval()
