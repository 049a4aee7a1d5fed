"""Model names -> what to load (cheap: reads a few small json files, loads no weights).

Names (FORMATS.md has the table): `tiny`, `nano`, `i1-full`, `i1-dev`, `i1-fast`, or a folder for the
generator; `tiny`, `tiny-full`, `nano`, `e1-full`, `e1-1`, or a folder for the editor. An editor of
None pairs with the generator: tiny -> tiny's LoRA E1, nano -> nano's E1, i1-* -> e1-1 (E1.1: a
full transformer that reads plain instructions at the source's aspect ratio and scores best of the
published editors), a family folder -> its `e1`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain import ModelUnavailable
from .presets import PRESETS, Preset
from .tiny import STUDIO_FILE

REPO_ROOT = Path(__file__).resolve().parents[2]
NANO_DIR = REPO_ROOT / "assets" / "nano"
PAIRED_EDITOR = {"i1-full": "e1-1", "i1-dev": "e1-1", "i1-fast": "e1-1"}


@dataclass(frozen=True)
class ModelSpec:
    """One model to load. `source` is a folder path or a Hub id; `form` is i1 | e1-lora | e1-full."""

    id: str  # what the recipe records: "tiny", "nano", "HiDream-ai/HiDream-I1-Fast", a folder path
    source: str
    form: str
    preset: Preset
    local: bool
    needs_llama: bool = False
    build_tiny: Path | None = None  # tiny family folder to build first when missing
    meta: dict[str, Any] = field(default_factory=dict)


def read_studio_json(folder: Path) -> dict[str, Any]:
    path = Path(folder) / STUDIO_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{path} is not valid JSON ({exc})") from None


def guess_kind(folder: Path) -> str | None:
    """i1 | e1-lora | e1-full | family, from hidream_studio.json or from the files present."""
    meta = read_studio_json(folder)
    if meta.get("kind"):
        return meta["kind"]
    if (folder / "model_index.json").is_file():
        return "i1"
    if any(folder.glob("*lora*.safetensors")):
        return "e1-lora"
    if (folder / "transformer" / "config.json").is_file():
        return "e1-full"
    return None


def _small_preset(base: str, meta: dict[str, Any]) -> Preset:
    preset = PRESETS[base]
    if "sample_size" in meta:
        from dataclasses import replace

        preset = replace(preset, sample_size=int(meta["sample_size"]))
    fields = dict(meta.get("preset") or {})
    for key in ("prompt_format", "edit_size"):
        if key in meta:
            fields[key] = meta[key]
    return preset.with_overrides(fields)


def _folder_preset(folder: Path, kind: str, meta: dict[str, Any]) -> Preset:
    """Preset for a folder: a named real variant when the folder name says so, else a small-model one."""
    name = folder.name.lower()
    for variant in ("e1-1", "e1-full", "i1-full", "i1-dev", "i1-fast"):
        if variant.replace("-", "") in name.replace("-", "").replace("_", "") and meta.get("name") is None:
            return PRESETS[variant].with_overrides(meta.get("preset"))
    base = "nano" if kind == "i1" else "nano-e1"
    if meta.get("name") == "tiny":
        base = "tiny" if kind == "i1" else "tiny-e1"
    return _small_preset(base, meta)


def _family_member(folder: Path, key: str, name: str) -> Path:
    meta = read_studio_json(folder)
    member = meta.get(key) or {"i1": "i1", "e1": "e1-lora", "e1_full": "e1-full"}[key]
    path = folder / member
    if key == "e1" and not path.exists() and (folder / "e1-full").exists():
        path = folder / "e1-full"
    return path


def _folder_spec(folder: Path, model_id: str, role: str, build_tiny: Path | None = None) -> ModelSpec:
    kind = guess_kind(folder) if build_tiny is None else ("i1" if role == "generator" else None)
    if kind == "family":
        return _folder_spec(_family_member(folder, "i1" if role == "generator" else "e1", model_id), model_id, role)
    if build_tiny is not None and kind is None:
        kind = "e1-full" if folder.name == "e1-full" else "e1-lora"
    if kind is None:
        raise ModelUnavailable(
            f"{folder} holds no HiDream model (no model_index.json, LoRA file or transformer/ folder; "
            "see hidream_studio/engines/FORMATS.md)"
        )
    if role == "generator" and kind != "i1":
        raise ModelUnavailable(f"{folder} is an editor ({kind}), not an I1 generator: pass it as --editor")
    if role == "editor" and kind == "i1":
        raise ModelUnavailable(f"{folder} is an I1 generator, not an E1 editor: pass it as --model")
    meta = read_studio_json(folder)
    if build_tiny is not None:
        meta = {"name": "tiny", "sample_size": 16, **meta}
    needs_llama = kind == "i1" and build_tiny is None and not (folder / "text_encoder_4").is_dir()
    return ModelSpec(model_id, str(folder), kind, _folder_preset(folder, kind if kind == "i1" else "e1", meta),
                     local=True, needs_llama=needs_llama, build_tiny=build_tiny, meta=meta)


def resolve_generator(settings) -> ModelSpec:
    name = settings.resolved_model
    if name == "tiny":
        family = Path(settings.models_dir) / "tiny"
        return _folder_spec(family / "i1", "tiny", "generator", build_tiny=family)
    if name == "nano":
        return _folder_spec(_require_nano(), "nano", "generator")
    if name in ("i1-full", "i1-dev", "i1-fast"):
        preset = PRESETS[name]
        return ModelSpec(preset.repo, preset.repo, "i1", preset, local=False, needs_llama=True)
    folder = Path(name).expanduser()
    if folder.is_dir():
        return _folder_spec(folder.resolve(), str(folder.resolve()), "generator")
    raise ModelUnavailable(
        f"unknown model {name!r}: use tiny, nano, i1-fast, i1-dev, i1-full or a folder with a HiDream-I1 pipeline"
    )


def resolve_editor(settings, generator: ModelSpec) -> ModelSpec | None:
    name = settings.editor
    model = settings.resolved_model
    if name is None:
        if model in ("tiny", "nano"):
            name = model
        elif model in PAIRED_EDITOR:
            name = PAIRED_EDITOR[model]
        else:
            family = Path(generator.source).parent
            if read_studio_json(family).get("kind") == "family":
                return _folder_spec(_family_member(family, "e1", str(family)), str(family), "editor")
            return None
    if name in ("tiny", "tiny-full"):
        family = Path(settings.models_dir) / "tiny"
        sub = "e1-full" if name == "tiny-full" else "e1-lora"
        return _folder_spec(family / sub, name, "editor", build_tiny=family)
    if name == "nano":
        return _folder_spec(_family_member(_require_nano(), "e1", "nano"), "nano", "editor")
    if name in ("e1-full", "e1-1"):
        preset = PRESETS[name]
        return ModelSpec(preset.repo, preset.repo, "e1-full", preset, local=False)
    folder = Path(name).expanduser()
    if folder.is_dir():
        return _folder_spec(folder.resolve(), str(folder.resolve()), "editor")
    raise ModelUnavailable(f"unknown editor {name!r}: use tiny, nano, e1-full, e1-1 or a folder with an E1 model")


def _require_nano() -> Path:
    if not (NANO_DIR / "i1").is_dir() and guess_kind(NANO_DIR) is None:
        raise ModelUnavailable(
            f"the nano model is not in {NANO_DIR} (it ships with the repository: `git pull`, or train it with "
            "`hidream-studio nano train-*`); meanwhile use --model tiny (random weights, built offline)"
        )
    return NANO_DIR
