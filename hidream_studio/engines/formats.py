"""The on-disk formats the engine loader reads and the writers that produce them.

Everything that knows the layout lives here: the file names, the `hidream_studio.json` reader and
writer, the kind guess, and the savers used by `make-tiny` (engines/tiny.py) and the nano export.
Reading a layout imports nothing heavy (json and pathlib); the savers import diffusers / peft when
called. The loader (`engines/loader.py`) loads every model with diffusers'/transformers'
`from_pretrained`, the same way for real HiDream weights, the `tiny` test model and HiDream-Nano.

## `hidream_studio.json` (optional studio metadata, any folder below)

```json
{"format": 1, "kind": "i1" | "e1-lora" | "e1-full" | "family", "name": "nano", ...}
```

| key | used by | meaning |
|---|---|---|
| `kind` | all | what the folder holds (else guessed from the files, see below) |
| `sample_size` | i1 | latent side of the default square: output area = (sample_size x VAE factor)^2. Real I1: 128 (1024^2). Nano: 16 with a /8 VAE (128x128). Absent: 128 |
| `preset` | i1, e1 | optional dict overriding preset fields (`steps`, `guidance`, `image_guidance`, `refine_strength`, `negative_prompt`, `shift`, `guidance_form`, `describer`, `max_seq`: image tokens every non-square latent is padded to, as the official code does; absent = exact, as small models are trained) |
| `max_sequence_length` | i1 | text length prompts are padded to (default 128); use the length the model was trained with. A longer prompt is not cut: it is encoded at its own length (rounded up to 8, at most 218 or the encoders' positions) |
| `aspect_ratios` | i1 | optional list of `[width, height]` for the UI (default: the official list scaled to the area) |
| `base` | e1-lora | the I1 folder the LoRA was trained over, relative to this folder (e.g. `"../i1"`) |
| `prompt_format` | e1 | `"e1-full"` (`Editing Instruction: {instruction}. Target Image Description: {description}`) or `"plain"` (E1.1: the instruction alone). The studio has no LLM rewriter: when a request carries no target description, the preset's `describer` (engines/describers.py; `"nano-world"` for nano) may write one from the canvas; otherwise the instruction stands in for it (a trailing "." is stripped from both) |
| `edit_size` | e1 | `"fixed"` (the source squashed to the I1 area's square with bicubic, result resized to the source's aspect; E1-Full) or `"dynamic"` (at most the same area, bicubic and a centre crop to sides in multiples of 16, as E1.1's `resize_image`). Default fixed |
| `i1`, `e1`, `e1_full` | family | sub-folder names of the members |

Unknown keys are ignored, so trainers may add their own (training steps, eval figures).

## I1 folder (generator): standard diffusers `HiDreamImagePipeline` layout

```
model_index.json            _class_name HiDreamImagePipeline
scheduler/scheduler_config.json
text_encoder/   text_encoder_2/   (CLIPTextModelWithProjection: config.json + model.safetensors)
text_encoder_3/                   (T5EncoderModel)
text_encoder_4/                   (LlamaForCausalLM; absent in the real HiDream repos: the user supplies Llama)
tokenizer/ tokenizer_2/ tokenizer_3/ tokenizer_4/   (tokenizer.json + tokenizer_config.json)
transformer/                      (HiDreamImageTransformer2DModel: config.json + diffusion_pytorch_model.safetensors)
vae/                              (AutoencoderKL, 16 latent channels, scaling 0.3611, shift 0.1159)
hidream_studio.json               {"kind": "i1", "sample_size": 16}    (studio builds only)
```

Written by `pipe.save_pretrained(folder)` (`save_i1` does this and adds the json). Weights may be
stored in fp16/bf16: the loader casts to the run dtype (float32 on CPU, bf16 on CUDA). Small
builds use fast tokenizers (`tokenizer.json`, class `PreTrainedTokenizerFast`/`TokenizersBackend`)
so custom pre-tokenizers (CJK split, lower-casing) survive a reload.

## E1 folder, LoRA form (E1-Full as a LoRA over the I1 transformer)

```
pytorch_lora_weights.safetensors
hidream_studio.json         {"kind": "e1-lora", "base": "../i1", "prompt_format": "e1-full"}
```

- Written by `HiDreamImagePipeline.save_lora_weights(folder, transformer_lora_layers=
  get_peft_model_state_dict(transformer, adapter_name="e1"), transformer_lora_adapter_metadata=...)`
  (`save_e1_lora`). Keys are diffusers/peft format with the `transformer.` prefix:
  `transformer.double_stream_blocks.0.block.attn1.to_q.lora_A.weight`, `...lora_B.weight`
  (no adapter name inside the key). Every key must contain `lora` (diffusers refuses others).
- Targets (`E1_LORA_TARGETS`, E1-Full's published ones): `to_q to_k to_v to_out to_q_t to_k_t
  to_v_t to_out_t w1 w2 w3 linear` (`linear` = final layer). Rank/alpha come from the metadata.
- The loader adds it to the I1 transformer as peft adapter `"e1"`: edits run with the adapter
  enabled, generation and the refine stage with adapters disabled. The I1 base weights are never
  modified. The LoRA's `base` must be the generator the engine loads (tiny/nano pair this way).

## E1 folder, full-transformer form (E1-Full full pipeline, E1.1)

```
transformer/config.json
transformer/diffusion_pytorch_model.safetensors     (HiDreamImageTransformer2DModel)
hidream_studio.json          {"kind": "e1-full", "prompt_format": "e1-full" | "plain", "edit_size": ...}
(other components such as text_encoder*/ vae/ may be present; they are ignored: the editor shares
 the generator's text encoders and VAE)
```

Written by `transformer.save_pretrained(folder / "transformer")` (`save_e1_full`). The real Hub
repos `HiDream-ai/HiDream-E1-Full` and `HiDream-ai/HiDream-E1-1` are read as this form.

## Family folder (`tiny`, `nano`, or a user folder holding both)

```
hidream_studio.json          {"kind": "family", "i1": "i1", "e1": "e1-lora", "e1_full": "e1-full"}
i1/        e1-lora/        e1-full/  (optional)
```

`--model FOLDER` with a family folder uses `i1`; the paired editor is `e1` (else `e1_full`).

## Model names

| name | generator | editor (when `--editor` is not given) |
|---|---|---|
| `tiny` | `<home>/models/tiny/i1` (built on first use, `make-tiny`) | `<home>/models/tiny/e1-lora` |
| `nano` | `<repo>/assets/nano/i1` | `<repo>/assets/nano/e1-lora` (else `e1-full`, per the family json) |
| `i1-full` / `i1-dev` / `i1-fast` | `HiDream-ai/HiDream-I1-Full` / `-Dev` / `-Fast` + `--llama` | `e1-1` |
| FOLDER | a family or I1 folder | the family's `e1`, else none |

Editor names: `tiny`, `nano`, `e1-full` (`HiDream-ai/HiDream-E1-Full`), `e1-1` (`HiDream-ai/HiDream-E1-1`),
or a folder (LoRA or full form). `tiny-full` selects the tiny family's full-transformer editor.

## How nano maps to assets/nano/

```
assets/nano/hidream_studio.json   {"kind": "family", "name": "nano", "i1": "i1", "e1": "e1-lora"}
assets/nano/i1/                   I1 folder, sample_size 16, VAE /8 -> 128x128 images
assets/nano/e1-lora/              LoRA over assets/nano/i1 (or e1-full/ with "e1": "e1-full")
```

The nano E1 trainer computes its loss with `edit_conditioning.predict_edit_velocity` (target =
`velocity_target(x0, noise)`, input `noisy_sample(x0, noise, sigma)`, timesteps = sigma * 1000,
latents from `encode_image`): exactly what the editing pipeline runs at inference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..domain import ModelUnavailable

FORMAT_VERSION = 1
STUDIO_FILE = "hidream_studio.json"  # studio metadata written next to model_index.json
PIPELINE_INDEX = "model_index.json"  # marks an I1 folder (diffusers' pipeline index)
LORA_GLOB = "*lora*.safetensors"  # the LoRA form's weights (diffusers writes pytorch_lora_weights.safetensors)
TRANSFORMER_DIR = "transformer"  # the full form's transformer sub-folder

# Kinds of folder (`kind` in hidream_studio.json); the E1 kinds are also the editor's form.
I1 = "i1"
E1_LORA = "e1-lora"
E1_FULL = "e1-full"
FAMILY = "family"
KINDS = (I1, E1_LORA, E1_FULL, FAMILY)

# A family's members: json key -> default sub-folder.
FAMILY_MEMBERS = {"i1": "i1", "e1": "e1-lora", "e1_full": "e1-full"}

E1_ADAPTER = "e1"  # the peft adapter name the LoRA form is loaded under
# E1-Full's published LoRA: attention q/k/v/out (image and text streams), experts w1/w2/w3, final layer.
E1_LORA_TARGETS = ("to_q", "to_k", "to_v", "to_out", "to_q_t", "to_k_t", "to_v_t", "to_out_t", "w1", "w2", "w3",
                   "linear")


# ------------------------------------------------------------------------------------------
# Reading (cheap: json and pathlib only)
# ------------------------------------------------------------------------------------------
def read_studio_json(folder: str | Path) -> dict[str, Any]:
    """The folder's hidream_studio.json ({} when absent); ModelUnavailable when it is not JSON."""
    path = Path(folder) / STUDIO_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{path} is not valid JSON ({exc})") from None


def has_studio_json(folder: str | Path) -> bool:
    return (Path(folder) / STUDIO_FILE).is_file()


def guess_kind(folder: str | Path) -> str | None:
    """i1 | e1-lora | e1-full | family, from hidream_studio.json or from the files present."""
    folder = Path(folder)
    meta = read_studio_json(folder)
    if meta.get("kind"):
        return meta["kind"]
    if (folder / PIPELINE_INDEX).is_file():
        return I1
    if lora_files(folder):
        return E1_LORA
    if (folder / TRANSFORMER_DIR / "config.json").is_file():
        return E1_FULL
    return None


def lora_files(folder: str | Path) -> list[Path]:
    """The LoRA form's weight files, sorted (the loader reads the first)."""
    return sorted(Path(folder).glob(LORA_GLOB))


def family_member(family: str | Path, key: str) -> Path:
    """The folder of a family's member `key` ("i1", "e1" or "e1_full"); a family without an `e1` entry
    whose e1-lora folder is missing falls back to its full-form editor."""
    family = Path(family)
    member = read_studio_json(family).get(key) or FAMILY_MEMBERS[key]
    path = family / member
    if key == "e1" and not path.exists() and (family / FAMILY_MEMBERS["e1_full"]).exists():
        path = family / FAMILY_MEMBERS["e1_full"]
    return path


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------
def write_studio_json(folder: str | Path, **fields: Any) -> None:
    """Write hidream_studio.json with `fields` (the format number first)."""
    data = {"format": FORMAT_VERSION, **fields}
    (Path(folder) / STUDIO_FILE).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def save_i1(pipe, folder: str | Path, sample_size: int, name: str = "custom", **extra: Any) -> Path:
    """Save a HiDreamImagePipeline (standard diffusers layout) plus hidream_studio.json."""
    folder = Path(folder)
    pipe.save_pretrained(folder, safe_serialization=True)
    write_studio_json(folder, kind=I1, name=name, sample_size=sample_size, **extra)
    return folder


def save_e1_lora(transformer, folder: str | Path, base: str = "../i1", adapter_name: str = E1_ADAPTER,
                 name: str = "custom", **extra: Any) -> Path:
    """Save the adapter as diffusers' pytorch_lora_weights.safetensors (keys `transformer.<module>.lora_A.weight`)."""
    from diffusers import HiDreamImagePipeline
    from peft.utils import get_peft_model_state_dict

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    layers = get_peft_model_state_dict(transformer, adapter_name=adapter_name)
    metadata = transformer.peft_config[adapter_name].to_dict()
    metadata = {k: (sorted(v) if isinstance(v, set) else v) for k, v in metadata.items()}
    HiDreamImagePipeline.save_lora_weights(folder, transformer_lora_layers=layers,
                                           transformer_lora_adapter_metadata=metadata)
    write_studio_json(folder, kind=E1_LORA, name=name, base=base, prompt_format="e1-full", **extra)
    return folder


def save_e1_full(transformer, folder: str | Path, name: str = "custom", prompt_format: str = "e1-full",
                 **extra: Any) -> Path:
    """Save an E1 transformer as folder/transformer/ (config.json + diffusion_pytorch_model.safetensors)."""
    folder = Path(folder)
    transformer.save_pretrained(folder / TRANSFORMER_DIR, safe_serialization=True)
    write_studio_json(folder, kind=E1_FULL, name=name, prompt_format=prompt_format, **extra)
    return folder
