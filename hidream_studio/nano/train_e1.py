"""Train nano-E1: instruction editing as a peft LoRA over nano-I1 (the way E1-Full is published).

The loss is train_i1.flow_loss on edit batches, i.e. the engines' `predict_edit_velocity`, the
same side-by-side-canvas forward the editing pipeline runs: [noisy target | source latent] along
the width, exact max_seq, target half of the prediction. Prompts use the E1-Full format
("Editing Instruction: ... Target Image Description: ..."). 10% of samples see a zero source latent
and 10% an empty prompt, for the three guidance branches of inference.
`form="full"` fine-tunes the whole transformer instead (exported as an e1-full folder).
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch

from hidream_studio.domain import UserError

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
    training_device,
)
from .train_i1 import N_EDITS, N_TWO, build_pipeline, ema_update, flow_loss, load_transformer

# The logged "val" loss: one fixed batch of pool edits drawn with a data seed no training step uses,
# so its value is comparable across steps and with the base I1 (its step-0 value).
VALIDATION_SEED = 10_007


def make_editor(run_root: Path, form: str, rank: int, spec: NanoSpec = SPEC):
    """nano-I1's EMA transformer, with a fresh LoRA adapter "e1" (form 'lora') or fully trainable."""
    from hidream_studio.engines.tiny import add_e1_lora

    transformer = load_transformer(run_root, spec=spec)
    if form == "lora":
        add_e1_lora(transformer, rank=rank, alpha=rank)
    return transformer


def check_base(run_root: Path, e1_state: dict | None, spec: NanoSpec = SPEC) -> None:
    """Raise UserError when the E1 LoRA checkpoint `e1_state` does not sit on the run's current nano-I1.

    A LoRA is a difference from the exact base it was trained over: applied to any other I1 (for
    example after nano-I1 trained on) it draws noise. So E1 remembers its base (the non-LoRA weights
    in its checkpoint) and resume and export compare them with the I1 checkpoint now in the run.
    No checkpoint, or a full (non-LoRA) E1, passes.
    """
    if not e1_state or e1_state["form"] != "lora":
        return
    base = load_transformer(run_root, spec=spec).state_dict()
    for key, value in e1_state["model"].items():
        if "lora_" in key:
            continue
        name = key.replace(".base_layer.", ".")
        if name in base and not torch.equal(value.to(base[name].dtype), base[name]):
            i1_step = (load_checkpoint(Path(run_root) / "i1") or {}).get("step")
            raise UserError(f"nano-E1 was trained over another nano-I1 (its base step {e1_state.get('base_step', '?')}, "
                            f"nano-I1 is now at step {i1_step}); retrain it: hidream-studio nano train-e1 --no-resume")


def train(run_root: Path, steps: int, batch_size: int = 16, lr: float = 1e-4, resume: bool = True,
          threads: int | None = 2, spec: NanoSpec = SPEC, form: str = "lora", rank: int = 32,
          ckpt_every: int = 25, log_every: int = 10, val_every: int = 250, out_name: str = "e1",
          pools: tuple[int, int, int | None] = (N_TWO, N_EDITS, None), device: str | None = "auto",
          bf16: bool = False, compile: bool = False) -> Path:
    """Train to `steps` total steps. State in RUNS/<out_name>/checkpoint.pt.
    device: "auto" (CUDA when present), "cpu" or "cuda[:N]"; bf16 / compile as for train_i1.train."""
    set_threads(threads)
    run_root = Path(run_root)
    out = run_root / out_name
    state = load_checkpoint(out) if resume else None
    check_base(run_root, state, spec)
    if state:
        form, rank = state["form"], state["rank"]
    base_step = (load_checkpoint(run_root / "i1") or {}).get("step")
    device = training_device(device)
    transformer = make_editor(run_root, form, rank, spec).to(device)  # before the optimizer exists
    speed_up(transformer, compile)
    params = [p for n, p in transformer.named_parameters() if form != "lora" or "lora_" in n]
    transformer.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    transformer.train()
    ema = copy.deepcopy(transformer).eval().requires_grad_(False)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0, betas=(0.9, 0.99))
    start = 0
    if state:
        transformer.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["optim"])
        start = state["step"]
    pipe = build_pipeline(run_root, transformer=transformer, spec=spec).to(device)
    pools = data.load_pools(run_root, pipe.vae, spec.seed, *pools)
    encode = text.PromptEncoder(pipe, spec.max_sequence_length)
    log = Log(out)
    log(start=start, steps=steps, form=form, rank=rank, trainable=sum(p.numel() for p in params), base_step=base_step,
        val=validation_loss(transformer, pools, encode, spec))
    for step in range(start, steps):
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / 25) * decay(step, steps)
        # Offset the data stream so E1 does not replay the edit batches nano-I1 already saw.
        with mixed_precision(device, bf16):
            loss = flow_loss(transformer, pools, encode, spec.seed + 1, step, batch_size, True, spec.shift).float()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_update(ema, transformer, min(0.99, (1 + step) / (10 + step)))
        if (step + 1) % log_every == 0:
            extra = {"val": validation_loss(ema, pools, encode, spec)} if (step + 1) % val_every == 0 else {}
            log(step=step + 1, loss=round(loss.item(), 4), **extra)
        if (step + 1) % ckpt_every == 0 or step + 1 == steps:
            save_checkpoint(out, {"step": step + 1, "form": form, "rank": rank, "model": transformer.state_dict(),
                                  "ema": ema.state_dict(), "optim": opt.state_dict(), "base_step": base_step})
    if steps == 0 and not state:  # an untrained adapter: edits with the jointly trained I1 weights alone
        save_checkpoint(out, {"step": 0, "form": form, "rank": rank, "model": transformer.state_dict(),
                              "ema": ema.state_dict(), "optim": opt.state_dict(), "base_step": base_step})
    return out


@torch.no_grad()
def validation_loss(transformer, pools: data.Pools, encode, spec: NanoSpec = SPEC, batch_size: int = 16) -> float:
    """The edit flow loss of one fixed batch (same samples, noise and sigmas every call), in eval mode:
    E1 steps are judged against the base it starts from (its step-0 value)."""
    was_training = transformer.training
    transformer.eval()
    try:
        return round(flow_loss(transformer, pools, encode, VALIDATION_SEED, 0, batch_size, True, spec.shift).item(), 4)
    finally:
        transformer.train(was_training)


def load_editor(run_root: Path, out_name: str = "e1", use_ema: bool = True, spec: NanoSpec = SPEC):
    """(transformer with the trained E1 weights in eval mode, form 'lora' | 'full')."""
    state = load_checkpoint(Path(run_root) / out_name)
    transformer = make_editor(run_root, state["form"], state["rank"], spec)
    transformer.load_state_dict(state["ema" if use_ema else "model"])
    return transformer.eval(), state["form"]
