"""Which weights are on the GPU during each call, and how many bytes that is, computed without weights.

    sizes = component_sizes()                               # real-size models built on the meta device
    plan = working_sets("transformer-swap", "bf16", sizes)   # {"generate": WorkingSet, "edit": ..., "refine": ...}
    over_budget(plan, BUDGETS["zerogpu"])                   # [] when every call fits a ZeroGPU slice

    python -m hidream_studio.engines.memory_plan            # the tables of docs/spaces.md

Each component (the four text encoders, the VAE, the I1 and E1 transformers) is built from its published
configuration (`real_configs.json`) on PyTorch's `meta` device: no memory, no download, about two
seconds. Bytes per precision follow what `memory.py` asks the quantizers for: the I1/E1 transformers and
Llama's Linear weights become fp8 (one byte, a float32 scale per output row) or nf4 (half a byte, a
float32 absmax per 64 values); Llama's output head, norms, embeddings, T5, the CLIPs and the VAE stay bf16.

The placement rules below are the ones `memory.Offloader` applies; a call's working set is the largest,
over its phases, of the weights resident during that phase plus the activations of that phase plus a
fixed reserve for the CUDA context.
"""

from __future__ import annotations

import importlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CONFIGS = Path(__file__).with_name("real_configs.json")
GB = 10**9

ENCODERS = ("clip_l", "clip_g", "t5", "llama")
COMPONENTS = (*ENCODERS, "vae", "i1", "e1")
QUANTIZED = ("i1", "e1", "llama")  # what memory.diffusers_quant_config / transformers_quant_config reach
PRECISIONS = ("bf16", "fp8", "nf4")
MODES = ("gpu", "transformer-swap", "model-offload", "sequential-offload")
CALLS = ("generate", "edit", "refine")
NF4_BLOCK = 64  # bitsandbytes' default block size; one float32 absmax per block (no double quantization)

# The calls, phase by phase, with the components each phase runs. An edit with a refine stage runs
# "edit" (E1 steps) then "refine" (I1 steps on the target description, then the decode).
PHASES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "generate": (("encode", ENCODERS), ("denoise", ("i1",)), ("decode", ("vae",))),
    "edit": (("encode", ENCODERS), ("encode-source", ("vae",)), ("denoise", ("e1",))),
    "refine": (("denoise", ("i1",)), ("decode", ("vae",))),
}

# GPU memory budgets in bytes. The ZeroGPU slice is the H200 entry of spaces 0.51's zero/configs.json
# (74,625,056,768 bytes: the "70 GB" of the ZeroGPU page is 69.5 GiB).
BUDGETS = {
    "zerogpu": 74_625_056_768,
    "h200": 141 * GB,
    "80gb": 80 * GB,
    "48gb": 48 * GB,
    "24gb": 24 * GB,
}

# Peak memory measured on an H200 (bf16, random weights; ../shared facts, bench/bench_gpu.py): the I1
# transformer at 1024x1024 with CFG, and E1.1 at about 1 MP (8192 canvas tokens, three branches).
# A phase's activations are the measured peak minus the transformer's computed weight bytes.
MEASURED_PEAK = {"i1": 35.6 * GB, "e1": 37.4 * GB}
# Not measured (no GPU run yet): generous allowances. Llama and T5 encode 2 x 128 tokens (all hidden
# states kept: about 0.1 GB); the VAE works at full resolution (a 128-channel 1 MP map is 0.27 GB).
ENCODE_ACTIVATIONS = int(0.5 * GB)
VAE_ACTIVATIONS = 3 * GB
RESERVE = 1 * GB  # CUDA context and allocator slack, outside torch's own count


@dataclass(frozen=True)
class ComponentSize:
    """Parameter counts of one component, enough to price it in every precision."""

    name: str
    params: int
    quantizable: int  # parameters in the Linear weights a quantizer converts
    quantizable_rows: int  # their output rows (fp8 keeps a float32 scale per row)
    nf4_blocks: int  # their 64-value blocks (nf4 keeps a float32 absmax per block)
    largest_leaf: int  # parameters of the biggest leaf module: what sequential offload holds at once

    def weight_bytes(self, precision: str) -> int:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        if precision == "bf16" or self.name not in QUANTIZED:
            return 2 * self.params
        rest = 2 * (self.params - self.quantizable)
        if precision == "fp8":
            return self.quantizable + 4 * self.quantizable_rows + rest
        return math.ceil(self.quantizable / 2) + 4 * self.nf4_blocks + rest


@dataclass(frozen=True)
class WorkingSet:
    """The peak of one call: which phase, which components are resident, and the bytes."""

    call: str
    phase: str
    components: tuple[str, ...]
    weight_bytes: int
    activation_bytes: int

    @property
    def bytes(self) -> int:
        return self.weight_bytes + self.activation_bytes + RESERVE


def build_component(name: str, device: str = "meta"):
    """The real-size module `name` (random weights), built on `device`; "meta" takes no memory."""
    import torch

    entries = json.loads(CONFIGS.read_text(encoding="utf-8"))
    entry = entries[entries[name].get("same_as", name)]
    with torch.device(device):
        if "config_class" in entry:
            transformers = importlib.import_module("transformers")
            return getattr(transformers, entry["class"])(getattr(transformers, entry["config_class"])(**entry["config"]))
        return getattr(importlib.import_module("diffusers"), entry["class"])(**entry["config"])


def measure(name: str, module) -> ComponentSize:
    """Count a built module's parameters, split the way the quantizers split them."""
    import torch

    quantizable = rows = blocks = 0
    for child_name, child in module.named_modules():
        if isinstance(child, torch.nn.Linear) and not (name == "llama" and child_name == "lm_head"):
            count = child.weight.numel()
            quantizable += count
            rows += child.weight.shape[0]
            blocks += math.ceil(count / NF4_BLOCK)
    leaves = [sum(p.numel() for p in m.parameters(recurse=False)) for m in module.modules()]
    return ComponentSize(name, sum(p.numel() for p in module.parameters()), quantizable, rows, blocks, max(leaves))


@lru_cache(maxsize=1)
def component_sizes() -> dict[str, ComponentSize]:
    """Every component of the real I1 + E1.1 pair with Llama-3.1-8B, measured on the meta device."""
    entries = json.loads(CONFIGS.read_text(encoding="utf-8"))
    sizes: dict[str, ComponentSize] = {}
    for name in COMPONENTS:
        same_as = entries[name].get("same_as")
        sizes[name] = ComponentSize(name, *_fields(sizes[same_as])) if same_as else measure(name, build_component(name))
    return sizes


def _fields(size: ComponentSize) -> tuple[int, ...]:
    return size.params, size.quantizable, size.quantizable_rows, size.nf4_blocks, size.largest_leaf


def phases(call: str, refine: bool = True) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The phases of `call`; an edit without a refine stage decodes its own result."""
    if call not in PHASES:
        raise ValueError(f"call must be one of {', '.join(CALLS)}, not {call!r}")
    if call == "edit" and not refine:
        return (*PHASES["edit"], ("decode", ("vae",)))
    return PHASES[call]


def resident(mode: str, call: str, phase: str, running: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The sets of components on the GPU while `phase` of `call` runs, one set per moment of the phase.

    gpu: everything, always. transformer-swap: the encoders and VAE stay, and one transformer at a
    time (I1 for generate and refine, E1 for the edit steps); the other waits in CPU memory.
    model-offload: diffusers' hook chain moves one model in at a time (the encoders one after the
    other); the VAE's hook follows the transformer, so while a source image is encoded Llama is still
    resident, and an edit without refine decodes with E1 still resident. sequential-offload: one leaf
    module at a time (priced by `working_sets` as the largest leaf).
    """
    if mode == "gpu":
        return [COMPONENTS]
    if mode == "transformer-swap":
        return [(*ENCODERS, "vae", "e1" if call == "edit" else "i1")]
    if mode == "model-offload":
        if phase == "encode":
            return [(encoder,) for encoder in running]
        if phase == "encode-source":
            return [("llama", "vae")]
        if call == "edit" and phase == "decode":
            return [("e1", "vae")]
        return [running]
    if mode == "sequential-offload":
        return [running]
    raise ValueError(f"memory mode must be one of {', '.join(MODES)}, not {mode!r}")


def activation_bytes(call: str, phase: str, sizes: dict[str, ComponentSize]) -> int:
    if phase == "encode":
        return ENCODE_ACTIVATIONS
    if phase in ("encode-source", "decode"):
        return VAE_ACTIVATIONS
    transformer = "e1" if call == "edit" else "i1"
    return max(0, int(MEASURED_PEAK[transformer]) - sizes[transformer].weight_bytes("bf16"))


def working_sets(mode: str, precision: str, sizes: dict[str, ComponentSize] | None = None,
                 refine: bool = True) -> dict[str, WorkingSet]:
    """Each call's peak under `mode` with transformers and Llama in `precision`."""
    sizes = sizes or component_sizes()
    calls = CALLS if refine else ("generate", "edit")
    out: dict[str, WorkingSet] = {}
    for call in calls:
        best: WorkingSet | None = None
        for phase, running in phases(call, refine):
            for on_gpu in resident(mode, call, phase, running):
                if mode == "sequential-offload":
                    weights = max(2 * sizes[c].largest_leaf for c in on_gpu)
                else:
                    weights = sum(sizes[c].weight_bytes(precision) for c in on_gpu)
                candidate = WorkingSet(call, phase, tuple(on_gpu), weights, activation_bytes(call, phase, sizes))
                if best is None or candidate.bytes > best.bytes:
                    best = candidate
        out[call] = best
    return out


def over_budget(plan: dict[str, WorkingSet], budget: int) -> list[WorkingSet]:
    """The calls whose working set does not fit `budget` bytes (empty when the plan fits)."""
    return [ws for ws in plan.values() if ws.bytes > budget]


def _gb(n: int) -> str:
    return f"{n / GB:.1f}"


def tables() -> str:
    """docs/spaces.md's tables: component sizes, then each call's working set per mode and precision."""
    sizes = component_sizes()
    lines = ["| component | parameters | bf16 GB | fp8 GB | nf4 GB |", "|---|---|---|---|---|"]
    for name in COMPONENTS:
        s = sizes[name]
        lines.append(f"| {name} | {s.params / 1e9:.2f} B | " + " | ".join(_gb(s.weight_bytes(p)) for p in PRECISIONS) + " |")
    total = {p: sum(sizes[c].weight_bytes(p) for c in COMPONENTS) for p in PRECISIONS}
    lines.append("| all | " + f"{sum(s.params for s in sizes.values()) / 1e9:.2f} B | "
                 + " | ".join(_gb(total[p]) for p in PRECISIONS) + " |")
    lines += ["", f"Working set per call in GB (weights + activations + {_gb(RESERVE)} GB reserve; "
              f"ZeroGPU slice {_gb(BUDGETS['zerogpu'])} GB):", "",
              "| mode | precision | generate | edit | refine | fits ZeroGPU |", "|---|---|---|---|---|---|"]
    for mode in MODES:
        for precision in PRECISIONS if mode != "sequential-offload" else ("bf16",):
            plan = working_sets(mode, precision, sizes)
            fits = "yes" if not over_budget(plan, BUDGETS["zerogpu"]) else "no"
            cells = " | ".join(f"{_gb(plan[c].bytes)} ({plan[c].phase})" for c in CALLS)
            lines.append(f"| {mode} | {precision} | {cells} | {fits} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(tables())
