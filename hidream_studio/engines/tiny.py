"""Builders for small, offline HiDream checkpoints (tiny test models and HiDream-Nano).

Everything is made in code: tokenizers from a word list, random text encoders, a small
HiDreamImageTransformer2DModel, a small 16-channel AutoencoderKL and the flow-matching scheduler.
Nothing touches the network. The folders written here follow engines/formats.py and are loaded back by
the same loader as real weights (`from_pretrained`). Used by `make-tiny`, the nano trainers and the
tests; production code reads the layouts through engines/formats.py, never through this module.

Public builders (the nano trainer calls these with its own vocabulary and sizes):

    build_tokenizers(words)                       -> {"tokenizer", "tokenizer_2", "tokenizer_3", "tokenizer_4"}
    build_text_encoders(tokenizers, sizes, seed)  -> {"text_encoder", ..., "text_encoder_4"}
    transformer_config(encoders, **overrides)     -> dict for HiDreamImageTransformer2DModel
    build_transformer(config, seed)               -> HiDreamImageTransformer2DModel (eval mode)
    build_vae(block_out_channels, seed)           -> AutoencoderKL (16 latent channels, FLUX scaling)
    build_scheduler(shift)                        -> FlowMatchEulerDiscreteScheduler
    assemble_pipeline(...)                        -> HiDreamImagePipeline
    add_e1_lora(transformer, rank)                -> adds the peft adapter "e1" (E1-Full's LoRA targets)
    build_tiny_pipeline(folder, seed)             -> writes folder/{i1, e1-lora, e1-full} (the `tiny` model)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from .formats import E1_ADAPTER, E1_LORA_TARGETS, save_e1_full, save_e1_lora, save_i1, write_studio_json

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_CJK_PATTERN = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"

TINY_WORDS = (
    "a an the of on in with and to at is it make turn change add remove move put bigger smaller big small "
    "red green blue yellow white black orange purple pink gray brown cyan magenta color colour background "
    "circle square triangle shape cat dog house tree sky sun moon car photo painting picture image left right "
    "top bottom center middle corner into from replace style water sunset night day"
).split() + list("红绿蓝黄白黑橙紫色圆形方三角背景左右上下中间大小把变成改添加删除移动猫狗房子树天空太阳月亮图片一个和在的")


# ------------------------------------------------------------------------------------------
# Tokenizers
# ------------------------------------------------------------------------------------------
def split_words(words: Iterable[str]) -> list[str]:
    """Lower-cased, de-duplicated vocabulary; CJK strings are split into single characters."""
    out: dict[str, None] = {}
    for word in words:
        for piece in re.findall(rf"{_CJK_PATTERN}|[^\s\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+", word.lower()):
            out[piece] = None
    return list(out)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2 / CLIP byte -> printable character table (CLIP's ByteLevel pre-tokenizer uses it)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs, strict=True)}


def build_clip_tokenizer(words: Sequence[str], model_max_length: int = 77):
    """A CLIP BPE tokenizer whose merges spell every word of `words` (byte level: any text encodes).

    CJK characters are isolated before CLIP's own splitting so each one is a word of its own.
    """
    from tokenizers import Regex, pre_tokenizers
    from transformers import CLIPTokenizer

    table = _bytes_to_unicode()
    specials = ["<|startoftext|>", "<|endoftext|>"]
    vocab: dict[str, int] = {}
    for tok in specials + [c for c in table.values()] + [c + "</w>" for c in table.values()]:
        vocab.setdefault(tok, len(vocab))
    merges: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for word in split_words(words):
        symbols = [table[b] for b in word.encode("utf-8")]
        symbols[-1] += "</w>"
        current = symbols[0]
        for sym in symbols[1:]:
            pair = (current, sym)
            current = current + sym
            if pair not in seen:
                seen.add(pair)
                merges.append(pair)
            vocab.setdefault(current, len(vocab))
    clip = CLIPTokenizer(vocab=vocab, merges=merges)
    backend = clip._tokenizer
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(_CJK_PATTERN), behavior="isolated"), backend.pre_tokenizer]
    )
    return _as_fast(backend, clip, model_max_length)


def _as_fast(backend, template, model_max_length: int):
    """Wrap a customised `tokenizers` backend as a plain fast tokenizer.

    CLIPTokenizer / T5Tokenizer rebuild their pipeline from vocab + merges when loaded, which would
    drop the CJK splitting and lower-casing added here; a PreTrainedTokenizerFast reloads its
    tokenizer.json exactly.
    """
    from transformers import PreTrainedTokenizerFast

    specials = {k: getattr(template, k) for k in ("bos_token", "eos_token", "unk_token", "pad_token")}
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, model_max_length=model_max_length,
        **{k: v for k, v in specials.items() if v is not None},
    )


def build_t5_tokenizer(words: Sequence[str], model_max_length: int = 128):
    """A T5 Unigram tokenizer: whole words preferred, single characters as fall-back pieces."""
    from tokenizers import normalizers
    from transformers import T5Tokenizer

    pieces: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -6.0)]
    seen = {p for p, _ in pieces}
    chars: dict[str, None] = dict.fromkeys("abcdefghijklmnopqrstuvwxyz0123456789.,!?'-")
    for word in split_words(words):
        chars.update(dict.fromkeys(word))
        for piece in (("▁" + word), word):
            if piece not in seen:
                seen.add(piece)
                pieces.append((piece, -5.0 if len(word) > 1 else -8.0))
    for ch in chars:
        if ch not in seen:
            seen.add(ch)
            pieces.append((ch, -9.0))
    t5 = T5Tokenizer(vocab=pieces, extra_ids=0)
    backend = t5._tokenizer
    backend.normalizer = normalizers.Lowercase()
    return _as_fast(backend, t5, model_max_length)


def build_llama_tokenizer(words: Sequence[str], model_max_length: int = 128):
    """A word-level 'Llama' fast tokenizer: lower-cased words, punctuation and single CJK characters."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    bos, eos, unk = "<|begin_of_text|>", "<|eot_id|>", "<|unk|>"
    vocab: dict[str, int] = {bos: 0, eos: 1, unk: 2}
    for word in split_words(words) + list(".,!?'-:;\"()0123456789"):
        vocab.setdefault(word, len(vocab))
    backend = Tokenizer(WordLevel(vocab=vocab, unk_token=unk))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(_CJK_PATTERN), behavior="isolated"), pre_tokenizers.Whitespace()]
    )
    backend.post_processor = processors.TemplateProcessing(single=f"{bos} $A", special_tokens=[(bos, 0)])
    backend.decoder = decoders.WordPiece(prefix="##")
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token=bos, eos_token=eos, unk_token=unk, pad_token=eos,
        model_max_length=model_max_length,
    )


def build_tokenizers(words: Sequence[str] = TINY_WORDS, max_length: int = 128) -> dict[str, Any]:
    """The four tokenizers of a HiDream pipeline (CLIP-L, CLIP-G, T5, Llama) from one word list."""
    return {
        "tokenizer": build_clip_tokenizer(words, max_length),
        "tokenizer_2": build_clip_tokenizer(words, max_length),
        "tokenizer_3": build_t5_tokenizer(words, max_length),
        "tokenizer_4": build_llama_tokenizer(words, max_length),
    }


# ------------------------------------------------------------------------------------------
# Text encoders
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EncoderSizes:
    """Sizes of the four small text encoders. `clip_projection` is per CLIP (pooled = 2x)."""

    clip_hidden: int = 32
    clip_projection: int = 16
    clip_layers: int = 2
    t5_dim: int = 32
    t5_layers: int = 2
    llama_hidden: int = 32
    llama_layers: int = 2
    heads: int = 2
    max_positions: int = 256  # the pipeline pads CLIP to min(max_sequence_length, 218)


def build_text_encoders(tokenizers: dict[str, Any], sizes: EncoderSizes = EncoderSizes(), seed: int = 0) -> dict[str, Any]:
    """Random CLIP-L/CLIP-G (with projection), T5 encoder and Llama causal LM, in eval mode."""
    from transformers import (
        CLIPTextConfig,
        CLIPTextModelWithProjection,
        LlamaConfig,
        LlamaForCausalLM,
        T5Config,
        T5EncoderModel,
    )

    torch.manual_seed(seed)
    out: dict[str, Any] = {}
    for name in ("tokenizer", "tokenizer_2"):
        tok = tokenizers[name]
        cfg = CLIPTextConfig(
            vocab_size=len(tok), hidden_size=sizes.clip_hidden, intermediate_size=sizes.clip_hidden * 2,
            projection_dim=sizes.clip_projection, num_hidden_layers=sizes.clip_layers,
            num_attention_heads=sizes.heads, max_position_embeddings=sizes.max_positions,
            bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
        )
        out[name.replace("tokenizer", "text_encoder")] = CLIPTextModelWithProjection(cfg).eval()
    t5 = tokenizers["tokenizer_3"]
    out["text_encoder_3"] = T5EncoderModel(
        T5Config(
            vocab_size=len(t5), d_model=sizes.t5_dim, d_kv=sizes.t5_dim // sizes.heads, d_ff=sizes.t5_dim * 2,
            num_layers=sizes.t5_layers, num_heads=sizes.heads, pad_token_id=t5.pad_token_id,
            eos_token_id=t5.eos_token_id, decoder_start_token_id=t5.pad_token_id,
        )
    ).eval()
    llama = tokenizers["tokenizer_4"]
    out["text_encoder_4"] = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(llama), hidden_size=sizes.llama_hidden, intermediate_size=sizes.llama_hidden * 2,
            num_hidden_layers=sizes.llama_layers, num_attention_heads=sizes.heads,
            num_key_value_heads=sizes.heads, max_position_embeddings=sizes.max_positions,
            bos_token_id=llama.bos_token_id, eos_token_id=llama.eos_token_id, pad_token_id=llama.pad_token_id,
            attn_implementation="eager",  # the pipeline asks for attentions
        )
    ).eval()
    return out


# ------------------------------------------------------------------------------------------
# Transformer, VAE, scheduler
# ------------------------------------------------------------------------------------------
def transformer_config(
    encoders: dict[str, Any] | None = None,
    *,
    num_layers: int = 1,
    num_single_layers: int = 1,
    num_attention_heads: int = 2,
    attention_head_dim: int = 32,
    axes_dims_rope: Sequence[int] | None = None,
    num_routed_experts: int = 2,
    num_activated_experts: int = 1,
    sample_size: int = 16,
    **overrides: Any,
) -> dict[str, Any]:
    """A consistent HiDreamImageTransformer2DModel config for the given text encoders.

    Derives the fields that must agree with the encoders: caption_channels = [T5 dim, Llama dim],
    text_emb_dim = CLIP-1 projection + CLIP-2 projection, llama_layers = one Llama hidden-state index
    per block. `axes_dims_rope` must sum to attention_head_dim (default: a quarter / 3 eighths / 3 eighths).
    `sample_size` is the latent side of the default square (max_resolution); max_seq is set per call anyway.
    """
    if encoders is not None:
        t5_dim = encoders["text_encoder_3"].config.d_model
        llama_cfg = encoders["text_encoder_4"].config
        llama_dim, llama_n = llama_cfg.hidden_size, llama_cfg.num_hidden_layers
        emb = encoders["text_encoder"].config.projection_dim + encoders["text_encoder_2"].config.projection_dim
    else:
        s = EncoderSizes()
        t5_dim, llama_dim, llama_n, emb = s.t5_dim, s.llama_hidden, s.llama_layers, 2 * s.clip_projection
    if axes_dims_rope is None:
        quarter = attention_head_dim // 4
        eighth3 = (attention_head_dim - quarter) // 2
        axes_dims_rope = (attention_head_dim - 2 * eighth3, eighth3, eighth3)
    blocks = num_layers + num_single_layers
    config = {
        "patch_size": 2,
        "in_channels": 16,
        "out_channels": 16,
        "num_layers": num_layers,
        "num_single_layers": num_single_layers,
        "attention_head_dim": attention_head_dim,
        "num_attention_heads": num_attention_heads,
        "caption_channels": [t5_dim, llama_dim],
        "text_emb_dim": emb,
        "num_routed_experts": num_routed_experts,
        "num_activated_experts": num_activated_experts,
        "axes_dims_rope": list(axes_dims_rope),
        "max_resolution": [sample_size, sample_size],
        "llama_layers": [i % llama_n for i in range(blocks)],
    }
    config.update(overrides)
    return config


def build_transformer(config: dict[str, Any] | None = None, seed: int = 0):
    """A HiDreamImageTransformer2DModel from `config` (see transformer_config), random weights, eval mode."""
    from diffusers import HiDreamImageTransformer2DModel

    torch.manual_seed(seed)
    return HiDreamImageTransformer2DModel(**(config or transformer_config())).eval()


def build_vae(block_out_channels: Sequence[int] = (16, 16), seed: int = 0, norm_num_groups: int = 8,
              layers_per_block: int = 1):
    """A 16-channel AutoencoderKL with FLUX's scaling (0.3611) and shift (0.1159).

    Downsampling factor = 2 ** (len(block_out_channels) - 1): (16, 16) -> /2, four entries -> /8.
    """
    from diffusers import AutoencoderKL

    torch.manual_seed(seed)
    n = len(block_out_channels)
    return AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * n,
        up_block_types=("UpDecoderBlock2D",) * n, block_out_channels=tuple(block_out_channels),
        layers_per_block=layers_per_block, latent_channels=16, norm_num_groups=norm_num_groups,
        scaling_factor=0.3611, shift_factor=0.1159,
    ).eval()


def build_scheduler(shift: float = 3.0):
    """The flow-matching Euler scheduler (I1-Full's official shift 3.0; static shifting)."""
    from diffusers import FlowMatchEulerDiscreteScheduler

    return FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=shift, use_dynamic_shifting=False)


def assemble_pipeline(tokenizers: dict[str, Any], encoders: dict[str, Any], transformer, vae, scheduler,
                      sample_size: int | None = None):
    """A HiDreamImagePipeline from parts. `sample_size` (latent side) sets the output area."""
    from diffusers import HiDreamImagePipeline

    pipe = HiDreamImagePipeline(scheduler=scheduler, vae=vae, transformer=transformer, **tokenizers, **encoders)
    if sample_size is not None:
        pipe.default_sample_size = sample_size
    return pipe


# ------------------------------------------------------------------------------------------
# E1 LoRA (the layouts are saved by engines/formats.py)
# ------------------------------------------------------------------------------------------
def add_e1_lora(transformer, rank: int = 4, alpha: int | None = None, targets: Sequence[str] = E1_LORA_TARGETS,
                adapter_name: str = E1_ADAPTER):
    """Add a peft LoRA adapter (E1-Full's targets) to `transformer` in place and make it active."""
    from peft import LoraConfig

    cfg = LoraConfig(r=rank, lora_alpha=alpha or rank, target_modules=list(targets), init_lora_weights=True)
    transformer.add_adapter(cfg, adapter_name=adapter_name)
    transformer.set_adapter(adapter_name)
    return transformer


@dataclass(frozen=True)
class TinySpec:
    """Sizes of the `tiny` model: 32x32 images (VAE /2, 16x16 latents, 64 tokens)."""

    sample_size: int = 16
    vae_channels: tuple[int, ...] = (16, 16)
    encoders: EncoderSizes = EncoderSizes()


def build_tiny_pipeline(folder: str | Path, seed: int = 0, spec: TinySpec = TinySpec()) -> Path:
    """Build the `tiny` model family into `folder` (offline, deterministic for a seed).

    Writes folder/i1 (HiDreamImagePipeline), folder/e1-lora (LoRA over i1's transformer) and
    folder/e1-full (a full E1 transformer). Returns `folder`. Takes about a second on CPU.
    """
    folder = Path(folder)
    tokenizers = build_tokenizers(TINY_WORDS)
    encoders = build_text_encoders(tokenizers, spec.encoders, seed)
    config = transformer_config(encoders, sample_size=spec.sample_size)
    transformer = build_transformer(config, seed + 1)
    vae = build_vae(spec.vae_channels, seed + 2)
    pipe = assemble_pipeline(tokenizers, encoders, transformer, vae, build_scheduler(), spec.sample_size)
    save_i1(pipe, folder / "i1", spec.sample_size, name="tiny", spec=asdict(spec))

    # LoRA form: peft zero-initialises lora_B, so give it random values: the adapter must change outputs.
    add_e1_lora(transformer, rank=4)
    gen = torch.Generator().manual_seed(seed + 3)
    with torch.no_grad():
        for pname, param in transformer.named_parameters():
            if "lora_B" in pname:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.2)
    save_e1_lora(transformer, folder / "e1-lora", base="../i1", name="tiny")
    save_e1_full(build_transformer(config, seed + 4), folder / "e1-full", name="tiny")
    write_studio_json(folder, kind="family", name="tiny", i1="i1", e1="e1-lora", e1_full="e1-full")
    return folder
