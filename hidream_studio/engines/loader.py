"""Load resolved models with real from_pretrained, the same way for Hub ids, folders, tiny and nano.

One HiDreamImagePipeline (generator) owns the four text encoders and the VAE; the editor gets
either a LoRA adapter on that same transformer or a separate E1 transformer. Nothing is loaded
twice. Every failure a user can fix becomes ModelUnavailable naming what is missing and how to
supply it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain import ModelUnavailable
from .formats import E1_ADAPTER, E1_FULL, E1_LORA, PIPELINE_INDEX, has_studio_json, lora_files
from .memory import Offloader, Placement, diffusers_quant_config, transformers_quant_config
from .presets import Preset
from .resolve import ModelSpec

LLAMA_HINT = (
    "pass --llama meta-llama/Llama-3.1-8B-Instruct (a gated model: accept its licence on huggingface.co "
    "and run `huggingface-cli login`) or --llama /path/to/a/local/copy (env HIDREAM_STUDIO_LLAMA)"
)


@dataclass
class LoadedModels:
    pipe: Any  # HiDreamImagePipeline: shared text encoders + VAE + the I1 transformer
    editor: Any | None  # the transformer edits run through (pipe.transformer when the E1 is a LoRA)
    editor_form: str | None  # formats.E1_LORA | E1_FULL | None
    editor_scheduler: Any | None
    offloader: Offloader


def ensure_tiny(family: Path, seed: int = 0) -> Path:
    """Build the tiny family into `family` unless it is there (atomic: built aside, then renamed)."""
    from .tiny import build_tiny_pipeline

    if has_studio_json(family):
        return family
    try:
        family.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tiny-", dir=family.parent))
    except OSError as exc:  # a read-only or full home, a file in the way: one line, not a traceback
        raise ModelUnavailable(f"cannot build the tiny model in {family}: {exc.strerror or exc} "
                               "(use --home on a writable folder)") from None
    try:
        build_tiny_pipeline(tmp, seed=seed)
        try:
            os.replace(tmp, family)
        except OSError:  # another process finished first
            if not has_studio_json(family):
                raise
    except OSError as exc:
        raise ModelUnavailable(f"cannot build the tiny model in {family}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return family


def _unavailable(what: str, source: str, exc: BaseException, local: bool) -> ModelUnavailable:
    """A one-line, actionable message for a failed load."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    name = type(exc).__name__
    if "Gated" in name or "401" in text or "403" in text or "gated" in text.lower():
        return ModelUnavailable(f"{what} {source} is gated: accept its licence on huggingface.co and log in "
                                f"(`huggingface-cli login`, or an HF_TOKEN secret on a Space), or pass a local copy ({text})")
    if local:
        return ModelUnavailable(f"{what} in {source} could not be loaded ({text}); see hidream_studio/engines/formats.py")
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    how = (f"downloads are off (HF_HUB_OFFLINE=1): run `huggingface-cli download {source}` on a connected machine "
           "or pass a local folder" if offline else "check the name and your network, or pass a local folder")
    return ModelUnavailable(f"{what} {source} is not available locally and {how} ({text})")


def _load_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, ValueError, ImportError, EnvironmentError]
    try:
        from huggingface_hub.errors import HfHubHTTPError

        errors.append(HfHubHTTPError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def make_scheduler(preset: Preset, saved_config: dict | None):
    """The preset's scheduler; "folder" keeps the one saved with the model."""
    from diffusers import FlowMatchEulerDiscreteScheduler, FlowMatchLCMScheduler, UniPCMultistepScheduler

    if preset.scheduler == "unipc":
        return UniPCMultistepScheduler(num_train_timesteps=1000, prediction_type="flow_prediction",
                                       use_flow_sigmas=True, flow_shift=preset.shift)
    if preset.scheduler == "lcm":
        return FlowMatchLCMScheduler(num_train_timesteps=1000, shift=preset.shift)
    if preset.scheduler == "euler" or saved_config is None:
        return FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=preset.shift)
    return FlowMatchEulerDiscreteScheduler.from_config(saved_config)


def load_generator(spec: ModelSpec, settings, placement: Placement):
    """The HiDreamImagePipeline for `spec` (weights in placement.dtype, not yet placed on the device)."""
    from diffusers import HiDreamImagePipeline, HiDreamImageTransformer2DModel

    if spec.build_tiny is not None:
        ensure_tiny(spec.build_tiny)
    if spec.local and not Path(spec.source, PIPELINE_INDEX).is_file():
        raise ModelUnavailable(f"no HiDream-I1 pipeline in {spec.source} ({PIPELINE_INDEX} missing)")
    kwargs: dict[str, Any] = {"dtype": placement.dtype}
    errors = _load_errors()
    if spec.needs_llama:
        if not settings.llama:
            raise ModelUnavailable(f"{spec.id} needs Llama-3.1-8B-Instruct as its fourth text encoder, which is not "
                                   f"part of the HiDream repos: {LLAMA_HINT}")
        llama = str(settings.llama)
        looks_like_path = llama.startswith(("/", ".", "~")) or llama.count("/") > 1 or "\\" in llama
        if looks_like_path and not Path(llama).expanduser().is_dir():
            # A path, not a Hub id ("org/name"): "huggingface-cli download /some/path" would not help.
            raise ModelUnavailable(f"--llama {llama}: no such folder. {LLAMA_HINT[0].upper()}{LLAMA_HINT[1:]}")
        llama = str(Path(llama).expanduser()) if looks_like_path else llama
        try:
            from transformers import AutoTokenizer, LlamaForCausalLM

            kwargs["tokenizer_4"] = AutoTokenizer.from_pretrained(llama)
            kwargs["text_encoder_4"] = LlamaForCausalLM.from_pretrained(
                llama, output_hidden_states=True, output_attentions=True, dtype=placement.dtype,
                attn_implementation="eager", quantization_config=transformers_quant_config(placement),
            )
        except errors as exc:
            raise _unavailable("Llama (--llama)", llama, exc, Path(llama).is_dir()) from None
    if spec.local:
        _check_components(Path(spec.source), supplied=set(kwargs))
    try:
        quant = diffusers_quant_config(placement)
        if quant is not None:
            kwargs["transformer"] = HiDreamImageTransformer2DModel.from_pretrained(
                spec.source, subfolder="transformer", quantization_config=quant, dtype=placement.dtype)
        pipe = HiDreamImagePipeline.from_pretrained(spec.source, **kwargs)
    except errors as exc:
        raise _unavailable("the HiDream-I1 model", spec.source, exc, spec.local) from None
    if spec.preset.scheduler != "folder":
        pipe.scheduler = make_scheduler(spec.preset, dict(pipe.scheduler.config))
    pipe.default_sample_size = spec.preset.sample_size
    pipe.set_progress_bar_config(disable=True)
    for module in (pipe.text_encoder, pipe.text_encoder_2, pipe.text_encoder_3, pipe.text_encoder_4, pipe.vae,
                   pipe.transformer):
        module.eval().requires_grad_(False)
    return pipe


def _check_components(folder: Path, supplied: set[str]) -> None:
    """Name the component folders model_index.json lists but the folder lacks (diffusers' own error
    names a config.json in the wrong directory)."""
    import json

    try:
        index = json.loads((folder / PIPELINE_INDEX).read_text())
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{folder / PIPELINE_INDEX} cannot be read ({exc})") from None
    missing = sorted(
        name for name, value in index.items()
        if not name.startswith("_") and isinstance(value, list) and value and value[0] is not None
        and name not in supplied and not (folder / name).is_dir()
    )  # fmt: skip
    if missing:
        raise ModelUnavailable(f"the HiDream-I1 folder {folder} is incomplete: no {', '.join(missing)} folder "
                               "(copy the whole model; see hidream_studio/engines/formats.py)")


def load_editor(spec: ModelSpec, pipe, placement: Placement) -> tuple[Any, str]:
    """Attach the E1 editor: a peft adapter on pipe.transformer (LoRA form) or a separate transformer."""
    from diffusers import HiDreamImageTransformer2DModel

    errors = _load_errors()
    if spec.build_tiny is not None:
        ensure_tiny(spec.build_tiny)
    if spec.form == E1_LORA:
        folder = Path(spec.source)
        files = lora_files(folder)
        if not files:
            raise ModelUnavailable(f"no LoRA weights (*.safetensors) in {folder}")
        try:
            pipe.transformer.load_lora_adapter(str(folder), weight_name=files[0].name, adapter_name=E1_ADAPTER,
                                               prefix="transformer")
        except errors as exc:
            raise _unavailable("the E1 LoRA", spec.source, exc, True) from None
        if any(p.dtype != placement.dtype for p in pipe.transformer.parameters() if p.is_floating_point()):
            pipe.transformer.to(placement.dtype)  # fp16 LoRA files over a float32 run
        pipe.transformer.disable_adapters()  # generation runs the plain I1 weights
        return pipe.transformer, E1_LORA
    try:
        transformer = HiDreamImageTransformer2DModel.from_pretrained(
            spec.source, subfolder="transformer", dtype=placement.dtype,
            quantization_config=diffusers_quant_config(placement),
        )
    except errors as exc:
        raise _unavailable("the HiDream-E1 transformer", spec.source, exc, spec.local) from None
    return transformer.eval().requires_grad_(False), E1_FULL


def quiet_loading() -> None:
    """Silence per-file "Loading weights" bars and info chatter: the studio reports its own progress."""
    import diffusers
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    diffusers.utils.logging.set_verbosity_error()


def load_all(generator: ModelSpec, editor: ModelSpec | None, settings, placement: Placement) -> LoadedModels:
    quiet_loading()
    pipe = load_generator(generator, settings, placement)
    edit_transformer, form, scheduler = None, None, None
    if editor is not None:
        edit_transformer, form = load_editor(editor, pipe, placement)
        saved = dict(pipe.scheduler.config) if editor.preset.scheduler == "folder" else None
        scheduler = make_scheduler(editor.preset, saved)
    offloader = Offloader(placement)
    offloader.apply(pipe, edit_transformer if form == E1_FULL else None)
    return LoadedModels(pipe, edit_transformer, form, scheduler, offloader)
