"""Shared pieces of the nano trainers: the model sizes, checkpoints that resume, logging, pixels.

Every trainer keeps its whole state (weights, optimizer, step) in OUT/checkpoint.pt, written
atomically every few steps, so `--resume` continues exactly where a run stopped. The data of step N
is drawn from a generator seeded with (seed, N), so a resumed run sees the same batches it would have.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import world

DEFAULT_RUNS = Path(os.environ.get("HIDREAM_NANO_RUNS", "/tmp/nano-runs"))
ASSETS = Path(__file__).resolve().parents[2] / "assets" / "nano"
CHECKPOINT = "checkpoint.pt"


@dataclass(frozen=True)
class NanoSpec:
    """The sizes of HiDream-Nano (all three trainers and the exporter read them from here)."""

    image_size: int = world.SIZE
    vae_channels: tuple[int, ...] = (8, 16, 32, 64)  # /8: 128x128 -> 16x16 latents -> 64 tokens
    latent_size: int = 16
    # Text tokens cost as much as image tokens (T5 + two Llama layers = 3x this length per block):
    # 40 holds every generation prompt (<= 30) and 93% of E1 prompts (the rest lose the tail of
    # the target description, which the source image and the instruction already imply).
    max_sequence_length: int = 40
    encoder: dict[str, int] = field(default_factory=lambda: dict(
        clip_hidden=32, clip_projection=16, clip_layers=1, t5_dim=64, t5_layers=1,
        llama_hidden=64, llama_layers=2, heads=2, max_positions=128))
    transformer: dict[str, Any] = field(default_factory=lambda: dict(
        num_layers=2, num_single_layers=3, num_attention_heads=4, attention_head_dim=32,
        num_routed_experts=0, num_activated_experts=0))
    shift: float = 3.0  # flow-matching timestep shift (I1-Full's official value)
    seed: int = 0


SPEC = NanoSpec()


def set_threads(n: int | None) -> None:
    """Thread count for a training run; also silences per-batch library warnings (diffusers warns
    that padding was 'truncated' on every batch of short prompts)."""
    if n:
        torch.set_num_threads(n)
    import diffusers

    diffusers.utils.logging.set_verbosity_error()


def training_device(name: str | None = "auto") -> torch.device:
    """"auto" -> the CUDA device when there is one, else the CPU; otherwise the named device."""
    if name in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        from hidream_studio.domain import UserError

        raise UserError("--device cuda: this machine has no CUDA device (use --device cpu or auto)")
    return device


def speed_up(transformer, compile: bool) -> None:
    """`--compile`: compile the transformer in place (torch.compile via Module.compile: its state_dict,
    checkpoints and EMA copies are unchanged). On 2 CPU cores the nano I1 step went 0.53 -> 0.455 s
    after about 100 s of compiling; with bf16 as well 0.37 s (bench/bench_nano_train.py)."""
    if compile:
        transformer.compile(dynamic=False)


def mixed_precision(device: torch.device, bf16: bool):
    """`--bf16`: the training forward in bfloat16 autocast (weights, optimizer and checkpoints stay
    fp32). CPUs with AVX512-BF16 and every recent GPU run it natively."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)


def decay(step: int, steps: int, floor: float = 0.1) -> float:
    """Learning-rate factor: 1 for the first half of the run, then linear down to `floor` at the end.
    (Computed from the run's total, so `--steps` of a resumed run reshapes the tail.)"""
    return 1.0 - (1.0 - floor) * max(0.0, (step - steps / 2) / (steps / 2))


def step_rng(seed: int, step: int, salt: str = "") -> random.Random:
    """The data generator of one step: a resumed run draws exactly the same batches."""
    return random.Random(f"{salt}:{seed}:{step}")


def to_pixels(images) -> torch.Tensor:
    """PIL images -> (B, 3, H, W) float tensor in [-1, 1]."""
    arr = np.stack([np.asarray(im.convert("RGB"), dtype=np.float32) for im in images])
    return torch.from_numpy(arr).permute(0, 3, 1, 2) / 127.5 - 1.0


def save_checkpoint(out: Path, state: dict[str, Any]) -> None:
    """Write OUT/checkpoint.pt atomically (a crash mid-write keeps the previous one)."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (CHECKPOINT + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, out / CHECKPOINT)


def load_checkpoint(out: Path) -> dict[str, Any] | None:
    path = out / CHECKPOINT
    return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None


class Log:
    """One JSON line per report in OUT/log.jsonl, echoed to stdout."""

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / "log.jsonl"
        self.start = time.time()

    def __call__(self, **fields: Any) -> None:
        fields = {"t": round(time.time() - self.start, 1), **fields}
        line = json.dumps(fields, ensure_ascii=False)
        print(line, flush=True)
        with self.path.open("a") as fh:
            fh.write(line + "\n")
