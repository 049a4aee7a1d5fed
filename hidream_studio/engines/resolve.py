"""Model names -> what to load (cheap: reads a few small json files, loads no weights).

Names (engines/formats.py has the table): `tiny`, `nano`, `i1-full`, `i1-dev`, `i1-fast`, or a folder for the
generator; `tiny`, `tiny-full`, `nano`, `e1-full`, `e1-1`, or a folder for the editor. An editor of
None pairs with the generator: tiny -> tiny's LoRA E1, nano -> nano's E1, i1-* -> e1-1 (E1.1: a
full transformer that reads plain instructions at the source's aspect ratio and scores best of the
published editors), a family folder -> its `e1`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain import ModelUnavailable
from .formats import E1_FULL, E1_LORA, FAMILY, I1, family_member, guess_kind, read_studio_json
from .presets import PRESETS, Preset

REPO_ROOT = Path(__file__).resolve().parents[2]
NANO_DIR = REPO_ROOT / "assets" / "nano"
PAIRED_EDITOR = {"i1-full": "e1-1", "i1-dev": "e1-1", "i1-fast": "e1-1"}


@dataclass(frozen=True)
class ModelSpec:
    """One model to load. `source` is a folder path or a Hub id; `form` is formats.I1 | E1_LORA | E1_FULL."""

    id: str  # what the recipe records: "tiny", "nano", "HiDream-ai/HiDream-I1-Fast", a folder path
    source: str
    form: str
    preset: Preset
    local: bool
    needs_llama: bool = False
    build_tiny: Path | None = None  # tiny family folder to build first when missing
    meta: dict[str, Any] = field(default_factory=dict)


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
    base = "nano" if kind == I1 else "nano-e1"
    if meta.get("name") == "tiny":
        base = "tiny" if kind == I1 else "tiny-e1"
    return _small_preset(base, meta)


def _folder_spec(folder: Path, model_id: str, role: str, build_tiny: Path | None = None) -> ModelSpec:
    kind = guess_kind(folder) if build_tiny is None else (I1 if role == "generator" else None)
    if kind == FAMILY:
        return _folder_spec(family_member(folder, "i1" if role == "generator" else "e1"), model_id, role)
    if build_tiny is not None and kind is None:
        kind = E1_FULL if folder.name == E1_FULL else E1_LORA
    if kind is None:
        raise ModelUnavailable(
            f"{folder} holds no HiDream model (no model_index.json, LoRA file or transformer/ folder; "
            "see hidream_studio/engines/formats.py)"
        )
    if role == "generator" and kind != I1:
        raise ModelUnavailable(f"{folder} is an editor ({kind}), not an I1 generator: pass it as --editor")
    if role == "editor" and kind == I1:
        raise ModelUnavailable(f"{folder} is an I1 generator, not an E1 editor: pass it as --model")
    meta = read_studio_json(folder)
    if build_tiny is not None:
        meta = {"name": "tiny", "sample_size": 16, **meta}
    needs_llama = kind == I1 and build_tiny is None and not (folder / "text_encoder_4").is_dir()
    return ModelSpec(model_id, str(folder), kind, _folder_preset(folder, kind if kind == I1 else "e1", meta),
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
        return ModelSpec(preset.repo, preset.repo, I1, preset, local=False, needs_llama=True)
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
            if read_studio_json(family).get("kind") == FAMILY:
                return _folder_spec(family_member(family, "e1"), str(family), "editor")
            return None
    if name in ("tiny", "tiny-full"):
        family = Path(settings.models_dir) / "tiny"
        sub = E1_FULL if name == "tiny-full" else E1_LORA
        return _folder_spec(family / sub, name, "editor", build_tiny=family)
    if name == "nano":
        return _folder_spec(family_member(_require_nano(), "e1"), "nano", "editor")
    if name in ("e1-full", "e1-1"):
        preset = PRESETS[name]
        return ModelSpec(preset.repo, preset.repo, E1_FULL, preset, local=False)
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
