"""CPU benchmark: one engine turn vs the bare diffusers call on the same tiny checkpoint and settings.

    python bench/bench_engine.py [--steps 8] [--repeats 15] [--home /tmp/hidream-bench]

Prints JSON: median seconds for the bare `HiDreamImagePipeline.__call__` (PIL output), the engine's
generate() with the prompt cache cleared before every turn (same work: text encoding included),
the engine with a warm cache (a repeated prompt), with a per-step progress callback (latent
previews), and with the E1 LoRA attached to the I1 transformer (peft wrappers stay in the forward
even when disabled); ratios against bare (goal: cold <= 1.05). Runs are interleaved so machine noise hits all variants alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--home", default="/tmp/hidream-bench")
    args = parser.parse_args()

    import torch
    from diffusers import HiDreamImagePipeline

    from hidream_studio.config import Settings
    from hidream_studio.domain import GenerateRequest
    from hidream_studio.engines import load_engine

    torch.set_num_threads(args.threads)
    settings = Settings(home=Path(args.home), model="tiny", editor="tiny-full")
    engine = load_engine(settings)
    engine.load()  # builds <home>/models/tiny on first use
    # With the E1 LoRA form, the I1 transformer carries a (disabled) peft adapter: measured separately.
    lora_engine = load_engine(settings.with_(editor="tiny"))
    lora_engine.load()
    bare = HiDreamImagePipeline.from_pretrained(settings.models_dir / "tiny" / "i1")
    bare.default_sample_size = engine.generator_spec.preset.sample_size
    bare.set_progress_bar_config(disable=True)
    prompt, guidance = "a red circle on a blue background", engine.generator_spec.preset.guidance

    def run_bare():
        torch.manual_seed(0)
        bare(prompt, negative_prompt="", num_inference_steps=args.steps, guidance_scale=guidance,
             generator=torch.Generator().manual_seed(0))

    def run_engine_cold():
        engine.text.cache.clear()
        engine.generate(GenerateRequest(prompt, seed=0, steps=args.steps, guidance=guidance))

    def run_engine_warm():
        engine.generate(GenerateRequest(prompt, seed=0, steps=args.steps, guidance=guidance))

    def run_lora_engine_cold():
        lora_engine.text.cache.clear()
        lora_engine.generate(GenerateRequest(prompt, seed=0, steps=args.steps, guidance=guidance))

    def run_engine_progress():
        engine.text.cache.clear()
        engine.generate(GenerateRequest(prompt, seed=0, steps=args.steps, guidance=guidance), on_step=lambda p: None)

    variants = {"bare_diffusers": run_bare, "engine_cold_cache": run_engine_cold,
                "engine_warm_cache": run_engine_warm, "engine_cold_with_progress": run_engine_progress,
                "engine_cold_lora_editor_attached": run_lora_engine_cold}
    times: dict[str, list[float]] = {k: [] for k in variants}
    for fn in variants.values():  # warm-up
        fn()
    for _ in range(args.repeats):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(json.dumps({
        "benchmark": "engine_overhead_cpu",
        "machine": f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores), torch threads {args.threads}",
        "torch": torch.__version__,
        "model": "tiny (32x32, 64 image tokens)",
        "steps": args.steps,
        "guidance": guidance,
        "repeats": args.repeats,
        "median_s": {k: round(v, 4) for k, v in med.items()},
        "ratio_vs_bare": {k: round(v / med["bare_diffusers"], 3) for k, v in med.items() if k != "bare_diffusers"},
        "goal": "engine_cold_cache <= 1.05",
    }, indent=2))


if __name__ == "__main__":
    main()
