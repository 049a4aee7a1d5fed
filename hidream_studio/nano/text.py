"""The nano text side: tokenizers built from the world's EN+ZH vocabulary and small text encoders.

The encoders start random (built once per run folder, OUT/text/). Frozen random encoders keep
every token distinct but carry almost no word order: HiDream gives text tokens position id 0, so
"a yellow square, black background" and "a black square, yellow background" would look alike.
nano-I1 therefore trains the encoders together with its transformer (their weights live in the I1
checkpoint); E1 keeps them frozen, because the engine shares one set between I1 and E1.
"""

from __future__ import annotations

from pathlib import Path

import torch

from . import world
from .common import SPEC, NanoSpec

TOKENIZERS = ("tokenizer", "tokenizer_2", "tokenizer_3", "tokenizer_4")
ENCODERS = ("text_encoder", "text_encoder_2", "text_encoder_3", "text_encoder_4")


def build(spec: NanoSpec = SPEC) -> tuple[dict, dict]:
    from hidream_studio.engines.tiny import EncoderSizes, build_text_encoders, build_tokenizers

    tokenizers = build_tokenizers(world.vocabulary(), max_length=spec.max_sequence_length)
    encoders = build_text_encoders(tokenizers, EncoderSizes(**spec.encoder), seed=spec.seed + 100)
    return tokenizers, encoders


def save(folder: Path, tokenizers: dict, encoders: dict) -> None:
    for name, tok in tokenizers.items():
        tok.save_pretrained(folder / name)
    for name, enc in encoders.items():
        enc.save_pretrained(folder / name, safe_serialization=True)


def load(folder: Path) -> tuple[dict, dict]:
    from transformers import (
        AutoTokenizer,
        CLIPTextModelWithProjection,
        LlamaForCausalLM,
        T5EncoderModel,
    )

    tokenizers = {name: AutoTokenizer.from_pretrained(folder / name) for name in TOKENIZERS}
    classes = (CLIPTextModelWithProjection, CLIPTextModelWithProjection, T5EncoderModel, LlamaForCausalLM)
    # Llama as the engine loads it: eager attention (the pipeline asks for attention maps).
    encoders = {name: cls.from_pretrained(folder / name, **({"attn_implementation": "eager"} if cls is LlamaForCausalLM else {})).eval()
                for name, cls in zip(ENCODERS, classes, strict=True)}
    return tokenizers, encoders


def ensure(run_root: Path, spec: NanoSpec = SPEC) -> tuple[dict, dict]:
    """Load RUNS/text, building and saving it first if absent."""
    folder = Path(run_root) / "text"
    if not (folder / "text_encoder_4").exists():
        save(folder, *build(spec))
    return load(folder)


class PromptEncoder:
    """Batch prompt encoding through HiDreamImagePipeline.encode_prompt (the code inference runs), at
    the length inference uses (engines.i1.padded_length: the padding length, grown for a longer prompt)."""

    def __init__(self, pipe, max_sequence_length: int = SPEC.max_sequence_length):
        from hidream_studio.engines.i1 import allow_long_prompts

        self.pipe = pipe
        self.max_len = max_sequence_length
        self.longest = allow_long_prompts(pipe)

    def __call__(self, prompts: list[str], grad: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(t5 (B, L, D), llama ([layers, B, L, D]), pooled (B, P)); `grad` when training the encoders."""
        from hidream_studio.engines.i1 import padded_length

        length = padded_length(self.pipe, prompts, self.max_len, self.longest)
        with torch.set_grad_enabled(grad):
            t5, _, llama, _, pooled, _ = self.pipe.encode_prompt(
                prompt=prompts, do_classifier_free_guidance=False, max_sequence_length=length,
                device=self.pipe.text_encoder_4.device,
            )
        return t5, llama, pooled
