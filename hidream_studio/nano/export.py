"""Write trained nano models into the engines' on-disk layout (hidream_studio/engines/formats.py).

    assets/nano/hidream_studio.json   {"kind": "family", "name": "nano", "i1": "i1", "e1": "e1-lora"}
    assets/nano/i1/                   HiDreamImagePipeline folder (transformer in fp16)
    assets/nano/e1-lora/              peft LoRA over i1's transformer (or e1-full/ with a whole transformer)

Transformers are stored in fp16 (the loader casts to the run dtype); the small text encoders and
the VAE stay fp32, so the embeddings the transformer learned to read are reproduced exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch

from hidream_studio.engines.formats import E1_FULL, E1_LORA, FAMILY, write_studio_json

from .common import ASSETS, SPEC, NanoSpec

# Guidance chosen on eval seed 1 (held-out prompts, n=20/language) and reported on seed 0: two-shape
# prompts scored 92.5% at 1.25-2, 85% at 2.5, 80% at 3-4, 65% at 6 (strong guidance over-saturates
# small shapes into the wrong kind or color); 1.0 (one branch, twice as fast) 90%.
I1_PRESET = {"steps": 20, "guidance": 1.5}
E1_PRESET = {"steps": 20, "guidance": 2.0, "image_guidance": 1.2, "negative_prompt": "", "guidance_form": "two-factor",
             "describer": "nano-world"}


def export_i1(run_root: Path, dest: Path = ASSETS, spec: NanoSpec = SPEC, preset: dict | None = None,
              **info: Any) -> Path:
    from hidream_studio.engines.formats import save_i1

    from .train_i1 import build_pipeline, load_transformer

    transformer = load_transformer(run_root, spec=spec).to(torch.float16)
    pipe = build_pipeline(run_root, transformer=transformer, spec=spec)
    folder = Path(dest) / "i1"
    if folder.exists():
        shutil.rmtree(folder)
    save_i1(pipe, folder, spec.latent_size, name="nano", preset=preset or I1_PRESET,
            max_sequence_length=spec.max_sequence_length, **info)
    return folder


def export_e1(run_root: Path, dest: Path = ASSETS, spec: NanoSpec = SPEC, preset: dict | None = None,
              **info: Any) -> Path:
    """The E1 LoRA (pytorch_lora_weights.safetensors) or, for a full run, the whole transformer."""
    from hidream_studio.engines.formats import save_e1_full, save_e1_lora

    from .train_e1 import load_editor

    check_e1_fits(run_root, spec)
    transformer, form = load_editor(run_root, spec=spec)
    for name in (E1_LORA, E1_FULL):
        if (Path(dest) / name).exists():
            shutil.rmtree(Path(dest) / name)
    common = dict(name="nano", preset=preset or E1_PRESET, max_sequence_length=spec.max_sequence_length,
                  edit_size="fixed", **info)
    if form == "lora":
        folder = save_e1_lora(transformer.to(torch.float16), Path(dest) / E1_LORA, base="../i1", **common)
    else:
        folder = save_e1_full(transformer.to(torch.float16), Path(dest) / E1_FULL, **common)
    write_family(dest, E1_LORA if form == "lora" else E1_FULL)  # the trainer's form -> the folder's kind
    return folder


def check_e1_fits(run_root: Path, spec: NanoSpec = SPEC) -> None:
    """Raise UserError when the run's E1 LoRA was not trained over the run's current I1 (it would be
    written beside an I1 it does not fit, and edit into noise). Call before writing anything."""
    from .common import load_checkpoint
    from .train_e1 import check_base

    check_base(run_root, load_checkpoint(Path(run_root) / "e1"), spec)


def write_family(dest: Path = ASSETS, e1: str | None = None) -> None:
    Path(dest).mkdir(parents=True, exist_ok=True)
    fields = {"kind": FAMILY, "name": "nano", "i1": "i1"}
    if e1:
        fields["e1"] = e1
    write_studio_json(Path(dest), **fields)

