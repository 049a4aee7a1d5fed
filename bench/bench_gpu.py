"""GPU benchmark: full-size HiDream-I1 / E1 transformers with random weights (speed does not depend on them).

    python bench/bench_gpu.py [--repeats 5] [--skip-encoders] > gpu.json

Prints JSON with the card's name and, in bf16:
  i1_1024_batch1_s / i1_1024_batch2_s   one I1 forward at 1024x1024 (4096 image tokens); batch 2 = with CFG
  e1_768_three_branches_s               one E1 step at 768x768: side-by-side canvas (4608 tokens), 3 branches
                                        as one batch, max_seq exact (the studio's code path)
  e1_768_padded_s                       the same with max_seq left at 8192 tokens (what a generous config costs)
  peak_gb_*                             peak memory with I1 + E1 transformers + the four encoders resident
  h2d_gb_per_s_pageable / _pinned       copying 4 GB of weights from CPU memory onto the card (what the
                                        transformer-swap mode pays per 34 GB transformer moved)
  planner                               the planner's jobs on that Llama-3.1-8B (bench_planner.planner_latency):
                                        route with 2 and 14 options, describe / reply / expand run to their
                                        token cap (random weights never stop early); extra_peak_gb = memory
                                        the planner adds over the resident models (no weights: activations)
Needs about 95 GB for everything resident (an H200); on an 80 GB card the encoders are reported as not fitting.
"""

from __future__ import annotations

import argparse
import json
import time

from hidream_studio.engines.memory_plan import CONFIGS, ENCODERS, build_component

# The published I1 transformer configuration (the memory plan counts the same one on the meta device).
I1_CONFIG = json.loads(CONFIGS.read_text(encoding="utf-8"))["i1"]["config"]


def timed(fn, repeats: int) -> float:
    import torch

    fn()  # warm-up
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return round(sorted(times)[len(times) // 2], 4)


def build_encoders(dtype):
    """Random full-size CLIP-L, CLIP-G, T5-XXL encoder and Llama-3.1-8B, on the GPU."""
    return [build_component(name, "cuda").to(dtype).eval() for name in ENCODERS]


def host_to_device_rates(gb: int = 4) -> dict[str, float]:
    """GB/s for copying `gb` GB from pageable and from pinned CPU memory onto the card."""
    import torch

    rates = {}
    for kind in ("pageable", "pinned"):
        host = torch.empty(gb * 10**9 // 2, dtype=torch.bfloat16, pin_memory=kind == "pinned")
        seconds = timed(lambda h=host: h.to("cuda", non_blocking=False), 3)
        rates[f"h2d_gb_per_s_{kind}"] = round(gb / seconds, 1)
        del host
    return rates


def planner_bench(llama, repeats: int) -> dict:
    """The planner on the resident (random) Llama-3.1-8B. The tokenizer is a word-level one over the
    planner's own prompt words (no download): about one token per word, close to Llama 3's count."""
    import threading

    import torch
    from bench_planner import planner_latency

    from hidream_studio.engines import planner_io as io
    from hidream_studio.engines.planner import Planner
    from hidream_studio.engines.tiny import TINY_WORDS, build_llama_tokenizer

    prompt_words = " ".join([io.ROUTE_SYSTEM, io.DESCRIBE_SYSTEM, io.REPLY_SYSTEM, io.EXPAND_SYSTEM,
                             "current picture versions previous turn message instruction image cat wearing hat "
                             "studio photo lighthouse night go back one thanks that's great"])
    tokenizer = build_llama_tokenizer(list(TINY_WORDS) + prompt_words.split(), model_max_length=4096)
    planner = Planner(llama, tokenizer, "cuda", threading.Lock())
    torch.cuda.synchronize()
    resident = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    out = planner_latency(planner, repeats, sync=torch.cuda.synchronize)
    out["extra_peak_gb"] = round((torch.cuda.max_memory_allocated() - resident) / 1e9, 2)
    out["same_model_object"] = planner.model is llama
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-encoders", action="store_true")
    args = parser.parse_args()

    import torch
    from diffusers import HiDreamImageTransformer2DModel

    from hidream_studio.engines.edit_conditioning import exact_max_seq, predict_edit_velocity, run_transformer

    if not torch.cuda.is_available():
        print(json.dumps({"error": "no CUDA device: this benchmark needs a GPU"}))
        return
    dtype = torch.bfloat16
    out: dict = {"benchmark": "hidream_gpu", "card": torch.cuda.get_device_name(0), "torch": torch.__version__,
                 "dtype": "bfloat16", "weights": "random (speed does not depend on them)"}
    torch.set_default_dtype(dtype)  # build 17 B parameters directly in bf16 on the GPU
    with torch.device("cuda"):
        i1 = HiDreamImageTransformer2DModel(**I1_CONFIG).eval()
    torch.set_default_dtype(torch.float32)
    out["transformer_params_b"] = round(sum(p.numel() for p in i1.parameters()) / 1e9, 2)
    out["peak_gb_i1_weights"] = round(torch.cuda.max_memory_allocated() / 1e9, 1)

    def text(batch: int, seq: int = 128):
        return (torch.randn(batch, seq, 4096, device="cuda", dtype=dtype),
                torch.randn(32, batch, seq, 4096, device="cuda", dtype=dtype),
                torch.randn(batch, 2048, device="cuda", dtype=dtype))

    with torch.inference_mode():
        for batch in (1, 2):
            t5, llama, pooled = text(batch)
            x = torch.randn(batch, 16, 128, 128, device="cuda", dtype=dtype)
            ts = torch.full((batch,), 500.0, device="cuda")
            args_ = (i1, x, ts, t5, llama, pooled)
            out[f"i1_1024_batch{batch}_s"] = timed(lambda a=args_: run_transformer(*a), args.repeats)

        torch.set_default_dtype(dtype)
        with torch.device("cuda"):
            e1 = HiDreamImageTransformer2DModel(**I1_CONFIG).eval()
        torch.set_default_dtype(torch.float32)
        t5, llama, pooled = text(3)
        target = torch.randn(3, 16, 96, 96, device="cuda", dtype=dtype)
        source = torch.randn(3, 16, 96, 96, device="cuda", dtype=dtype)
        ts = torch.full((3,), 500.0, device="cuda")
        out["e1_768_three_branches_s"] = timed(
            lambda: predict_edit_velocity(e1, target, source, ts, t5, llama, pooled), args.repeats)

        def padded():
            canvas = torch.cat([target, source], dim=-1)
            e1.max_seq = 8192  # what a generous max_resolution (e.g. E1.1's) would pad every call to
            return e1(hidden_states=canvas, timesteps=ts, encoder_hidden_states_t5=t5,
                      encoder_hidden_states_llama3=llama, pooled_embeds=pooled, return_dict=False)[0]

        out["e1_768_padded_s"] = timed(padded, max(2, args.repeats // 2))
        with exact_max_seq(e1, 96, 192) as tokens:
            out["e1_canvas_tokens"] = tokens
        out["peak_gb_i1_plus_e1"] = round(torch.cuda.max_memory_allocated() / 1e9, 1)

        if not args.skip_encoders:
            try:
                encoders = build_encoders(dtype)
                ids = torch.randint(0, 32000, (2, 128), device="cuda")
                out["t5_encode_2x128_s"] = timed(lambda: encoders[2](ids), args.repeats)
                out["llama_encode_2x128_s"] = timed(lambda: encoders[3](ids, output_hidden_states=True), args.repeats)
                out["peak_gb_i1_e1_encoders_resident"] = round(torch.cuda.max_memory_allocated() / 1e9, 1)
                out["planner"] = planner_bench(encoders[3], args.repeats)
            except torch.OutOfMemoryError:
                out["peak_gb_i1_e1_encoders_resident"] = (
                    f"does not fit in {torch.cuda.get_device_properties(0).total_memory / 1e9:.0f} GB")
    out.update(host_to_device_rates())
    out["per_image_transformer_only_s"] = {
        "i1_fast_16_steps": round(16 * out["i1_1024_batch1_s"], 1),
        "i1_dev_28_steps": round(28 * out["i1_1024_batch1_s"], 1),
        "i1_full_50_steps_cfg": round(50 * out["i1_1024_batch2_s"], 1),
        "e1_full_28_steps": round(28 * out["e1_768_three_branches_s"], 1),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
