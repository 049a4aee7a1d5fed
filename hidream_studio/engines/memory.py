"""Device, dtype, memory modes and optional quantization.

Memory modes (Settings.memory_mode):
  gpu                 everything resident on the device (fastest; ~62 GB in bf16 for I1 + encoders).
  transformer-swap    the text encoders and VAE stay on the device; of the I1 and E1 transformers only the
                      one running is (the other waits in CPU memory): the Space's mode, docs/spaces.md.
  model-offload       each model moves to the GPU when it runs (diffusers/accelerate model hooks).
  sequential-offload  weights stream layer by layer (slowest, smallest footprint).
Quantization (Settings.quantize): "nf4" (bitsandbytes 4-bit for the transformer(s) and Llama) or
"fp8" (torchao float8 weight-only), only when the package is installed and CUDA is present.
memory_plan.py prices each mode per call (which components are resident, how many bytes) without weights.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import torch

from ..domain import ModelUnavailable

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


@dataclass(frozen=True)
class Placement:
    device: str
    dtype: torch.dtype
    memory_mode: str  # gpu | model-offload | sequential-offload | cpu
    quantize: str | None

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).replace("torch.", "")


def choose_placement(settings) -> Placement:
    """CUDA + bf16 when available, else CPU + float32; every choice overridable by Settings."""
    device = settings.device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        kind = torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise ModelUnavailable(f"unknown device {device!r}: use cuda, cuda:N or cpu") from None
    if kind.type not in ("cuda", "cpu"):  # meta, mps, xpu ...: the pipelines are run and tested on these two
        raise ModelUnavailable(f"--device {device} is not supported: use cuda, cuda:N or cpu")
    if kind.type == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailable(f"--device {device} was asked for but torch sees no CUDA device")
    if kind.type == "cuda" and kind.index is not None and kind.index >= torch.cuda.device_count():
        raise ModelUnavailable(f"--device {device}: torch sees only {torch.cuda.device_count()} CUDA device(s)")
    if settings.dtype is not None and settings.dtype not in DTYPES:
        raise ModelUnavailable(f"unknown dtype {settings.dtype!r}: use one of {', '.join(DTYPES)}")
    dtype = DTYPES[settings.dtype] if settings.dtype else (torch.bfloat16 if device.startswith("cuda") else torch.float32)
    mode = settings.memory_mode if device.startswith("cuda") else "cpu"  # offloading to the CPU from the CPU is moot
    quantize = settings.quantize
    if quantize is not None:
        check_quantization(quantize, device)
    return Placement(device, dtype, mode, quantize)


def check_quantization(quantize: str, device: str) -> None:
    package = {"nf4": "bitsandbytes", "fp8": "torchao"}.get(quantize)
    if package is None:
        raise ModelUnavailable(f"unknown quantization {quantize!r}: use nf4 (bitsandbytes) or fp8 (torchao)")
    if importlib.util.find_spec(package) is None:
        hint = "pip install 'hidream-studio[quant]'" if package == "bitsandbytes" else "pip install torchao"
        raise ModelUnavailable(f"--quantize {quantize} needs the {package} package, which is not installed: {hint}")
    if not device.startswith("cuda"):
        raise ModelUnavailable(f"--quantize {quantize} needs a CUDA device; on the CPU run without --quantize")


def diffusers_quant_config(placement: Placement):
    """Quantization config for HiDreamImageTransformer2DModel.from_pretrained, or None."""
    if placement.quantize == "nf4":
        from diffusers import BitsAndBytesConfig

        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=placement.dtype)
    if placement.quantize == "fp8":
        from diffusers import TorchAoConfig

        return TorchAoConfig("float8wo_e4m3")
    return None


def transformers_quant_config(placement: Placement):
    """Quantization config for the Llama text encoder, or None."""
    if placement.quantize == "nf4":
        from transformers import BitsAndBytesConfig

        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=placement.dtype)
    if placement.quantize == "fp8":
        from transformers import TorchAoConfig

        return TorchAoConfig("float8_weight_only")
    return None


class Offloader:
    """Applies the memory mode to the I1 pipeline and to a separate E1 transformer (if any).

    The I1 pipeline's hooks cover the shared encoders, VAE and I1 transformer; the E1 transformer
    gets its own hook. `before_edit_loop` / `before_refine` / `after_job` move models so that at
    most one transformer is resident under model offload. Under transformer-swap each transformer's
    hook sends the other back to the CPU before it moves in, and the last one used stays.
    What is resident in each phase is written out in memory_plan.resident.
    """

    def __init__(self, placement: Placement):
        self.placement = placement
        self._e1_hook = None
        self._modules: dict[str, torch.nn.Module] = {}

    def apply(self, pipe, e1_transformer=None) -> None:
        mode, device = self.placement.memory_mode, self.placement.device
        self._modules = {name: m for name, m in pipe.components.items() if isinstance(m, torch.nn.Module)}
        if e1_transformer is not None:
            self._modules["e1"] = e1_transformer
        if mode in ("gpu", "cpu") or (mode == "transformer-swap" and e1_transformer is None):
            pipe.to(device)  # one transformer (none, or E1 as a LoRA on it): nothing to swap
            if e1_transformer is not None:
                e1_transformer.to(device)
        elif mode == "transformer-swap":
            from accelerate import cpu_offload_with_hook

            for name, module in self._modules.items():
                if name not in ("transformer", "e1"):
                    module.to(device)
            _, i1_hook = cpu_offload_with_hook(pipe.transformer, device)
            _, self._e1_hook = cpu_offload_with_hook(e1_transformer, device, prev_module_hook=i1_hook)
            i1_hook.hook.prev_module_hook = self._e1_hook  # each sends the other back before it moves in
        elif mode == "model-offload":
            pipe.enable_model_cpu_offload(device=device)
            if e1_transformer is not None:
                from accelerate import cpu_offload_with_hook

                _, self._e1_hook = cpu_offload_with_hook(e1_transformer, device)
        elif mode == "sequential-offload":
            pipe.enable_sequential_cpu_offload(device=device)
            if e1_transformer is not None:
                from accelerate import cpu_offload

                cpu_offload(e1_transformer, execution_device=torch.device(device))
        else:
            raise ModelUnavailable(
                f"unknown memory mode {mode!r}: use gpu, transformer-swap, model-offload or sequential-offload")

    def moved_bytes(self, kind: str, refine: bool) -> int:
        """Bytes a call copies into the device at most (0 when everything stays resident).

        transformer-swap: the call's transformer, plus for an edit with refine E1 out and I1 in (on
        ZeroGPU every call starts with both transformers in CPU memory). model-offload: every model
        the call runs.
        """
        mode = self.placement.memory_mode
        sizes = {name: sum(p.numel() * p.element_size() for p in m.parameters()) for name, m in self._modules.items()}
        if mode == "transformer-swap" and "e1" in sizes:
            moves = 3 if kind == "edit" and refine else 1
            return moves * max(sizes["transformer"], sizes["e1"])
        if mode == "model-offload":
            total = sum(size for name, size in sizes.items() if name != "e1")
            return total + (sizes.get("e1", 0) if kind == "edit" else 0)
        return 0

    def before_edit_loop(self, pipe) -> None:
        """Text encoding is done: under model offload, send the encoders back before a transformer loads."""
        if self.placement.memory_mode == "model-offload":
            for hook in getattr(pipe, "_all_hooks", []):
                hook.offload()

    def before_refine(self, pipe) -> None:
        if self._e1_hook is not None:
            self._e1_hook.offload()

    def after_job(self, pipe) -> None:
        if self.placement.memory_mode == "model-offload":
            for hook in getattr(pipe, "_all_hooks", []):
                hook.offload()
            if self._e1_hook is not None:
                self._e1_hook.offload()
