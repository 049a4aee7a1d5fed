"""The resident Llama as planner: HiDream-I1's fourth text encoder, asked questions between images.

HiDream-I1 reads prompts through Llama-3.1-8B-Instruct (`pipe.text_encoder_4` / `tokenizer_4`). The
loader loads it as `LlamaForCausalLM` (loader.load_generator), so its `lm_head` (not tied to the
embeddings in Llama-3.1-8B: 128256 x 4096, 1 GB in bf16) is already in memory: the planner uses
that very object and adds no weights, only the activations of a short call (a KV cache of a few
hundred tokens). Prompts and answer checks live in planner_io.py (no torch).

    planner = make_planner(settings, spec, pipe, device, lock)   # None when off
    planner.choose_route(message, state) -> Choice | None        # router.planned makes it a Decision
    planner.describe(instruction, canvas_prompt) -> str | None   # E1-Full's target description
    planner.reply(message, state, help_text) -> str | None       # a conversation turn's answer
    planner.expand(prompt) -> str | None                         # a richer I1 prompt

Routing scores the enumerated JSON answers (planner_io.route_options) by log-likelihood: one forward
of the prompt, then one batched forward of every option over the prompt's cache. Describing,
replying and expanding generate greedily (at most max_new_tokens) and keep only an answer that ends by itself and passes
its check. Every call holds the device lock and has a time budget (Settings.planner_budget_s) that
counts the wait for that lock too: past it, with the device busy, on an invalid answer or a model
error, the call returns None, the caller uses its fallback, and `last` says why.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import torch

from ..domain import ModelUnavailable
from . import planner_io as io

log = logging.getLogger(__name__)

PLANNER_MODES = ("auto", "on", "off")
MAX_NEW_TOKENS = {"describe": 96, "reply": 96, "expand": 128}


class PastBudget(Exception):
    """The call ran past the planner's time budget."""


@dataclass(frozen=True)
class PlannerCall:
    """What the last call did: its job, whether its answer was used, why not, and how long it took."""

    job: str
    used: bool
    outcome: str
    elapsed_s: float
    answer: str = ""  # the raw text generated (empty for route, which scores)


def make_planner(settings, spec, pipe, device, lock: threading.Lock, after_call: Callable[[], None] | None = None):
    """The planner for a loaded generator pipeline, or None.

    Settings.planner: "auto" (default) plans only with a real Llama-3.1-Instruct, i.e. a HiDream-I1 that
    needs one (`--llama`); the tiny and nano models' Llama is a small random or prompt-only encoder
    whose answers mean nothing. "on" plans with whatever Llama is loaded (tests, benchmarks); "off" never.
    """
    mode = getattr(settings, "planner", "auto") or "auto"
    if mode not in PLANNER_MODES:
        raise ModelUnavailable(f"unknown planner mode {mode!r}: use auto, on or off")
    if mode == "off" or (mode == "auto" and not getattr(spec, "needs_llama", False)):
        return None
    model, tokenizer = getattr(pipe, "text_encoder_4", None), getattr(pipe, "tokenizer_4", None)
    if model is None or tokenizer is None or not hasattr(model, "lm_head"):
        return None
    return Planner(model, tokenizer, device, lock, budget_s=getattr(settings, "planner_budget_s", 3.0),
                   after_call=after_call)


class Planner:
    def __init__(self, model, tokenizer, device, lock: threading.Lock, budget_s: float = 3.0,
                 after_call: Callable[[], None] | None = None):
        self.model = model  # the pipeline's text_encoder_4 itself, never a copy
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.lock = lock
        self.budget_s = float(budget_s)
        self.after_call = after_call  # e.g. the offloader sending the Llama back under model offload
        self.last: PlannerCall | None = None
        eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        eos = eos if eos is not None else tokenizer.eos_token_id
        self.eos_ids = [int(e) for e in (eos if isinstance(eos, list | tuple) else [eos])]
        # The token that ends an assistant turn (Llama-3.1-Instruct: <|eot_id|>, the tokenizer's eos; its
        # generation config also stops at <|end_of_text|> and <|eom_id|>): what a finished option ends with.
        self.end_id = tokenizer.eos_token_id if tokenizer.eos_token_id in self.eos_ids else self.eos_ids[0]
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.end_id
        # transformers renamed forward's `past_key_values` to `cache` (5.2x; the old name warns, then goes).
        self._cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"

    # ---------------------------------------------------------------------------------- jobs
    def choose_route(self, message: str, state: io.PlannerState) -> io.Choice | None:
        """The likeliest of planner_io.route_options(state), or None (`last.outcome` says why)."""
        options = io.route_options(state)
        texts = [io.option_text(o) for o in options]
        scores = self._call("route", lambda deadline: self._score(io.route_messages(message, state), texts, deadline))
        return None if scores is None else io.best_option(options, scores)

    def describe(self, instruction: str, canvas_prompt: str | None) -> str | None:
        return self._write("describe", io.describe_messages(instruction, canvas_prompt),
                           lambda raw: io.check_description(raw, instruction))

    def reply(self, message: str, state: io.PlannerState, help_text: str = "") -> str | None:
        return self._write("reply", io.reply_messages(message, state, help_text), lambda raw: io.check_reply(raw, message))

    def expand(self, prompt: str) -> str | None:
        return self._write("expand", io.expand_messages(prompt), lambda raw: io.check_expansion(raw, prompt))

    # ---------------------------------------------------------------------------------- plumbing
    def _write(self, job: str, messages: list[io.ChatMessage], check: Callable[[str], str | None]) -> str | None:
        generated = self._call(job, lambda deadline: self._generate(messages, MAX_NEW_TOKENS[job], deadline))
        if generated is None:
            return None
        raw, finished = generated
        answer = check(raw) if finished else None
        outcome = "used" if answer else ("no end within the token limit" if not finished else "answer failed its check")
        self.last = replace(self.last, used=answer is not None, outcome=outcome, answer=raw)
        return answer

    def _call(self, job: str, run: Callable[[float], Any]) -> Any:
        """Run one model call under the device lock with the time budget; None (and `last` saying why)
        when it ran past the budget or the model failed."""
        started = time.perf_counter()
        deadline = started + self.budget_s
        result, outcome = None, f"past its {self.budget_s:g} s budget"
        # The budget covers waiting for the device too: while another session's image holds it, a
        # message is routed by the fallback at once rather than after that whole image.
        if not self.lock.acquire(timeout=min(max(self.budget_s, 0.0), threading.TIMEOUT_MAX)):
            outcome = "the device is busy with another job"
        else:
            try:
                result = run(deadline)
                if time.perf_counter() > deadline:
                    result = None
                else:
                    outcome = "used"
            except PastBudget:
                pass
            except (RuntimeError, ValueError) as exc:  # out of memory, a device gone ...: the turn goes on
                log.warning("planner %s failed: %s", job, exc)
                outcome = f"model error ({type(exc).__name__})"
            finally:
                try:
                    if self.after_call is not None:
                        self.after_call()
                finally:
                    self.lock.release()
        self.last = PlannerCall(job, result is not None, outcome, time.perf_counter() - started)
        return result

    def prompt_ids(self, messages: list[io.ChatMessage], reserve: int = 0) -> list[int]:
        """Token ids of `messages` followed by the assistant's turn: the tokenizer's chat template
        (Llama-3.1-Instruct's), or plain "role: text" lines for a tokenizer without one. A prompt
        longer than the model's positions (minus `reserve` for the answer) keeps its first token and end."""
        tok = self.tokenizer
        if getattr(tok, "chat_template", None):
            text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            ids = list(tok(text, add_special_tokens=False).input_ids)
        else:
            text = "\n\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\n\nassistant:"
            ids = list(tok(text).input_ids)
        room = int(getattr(self.model.config, "max_position_embeddings", 1 << 30)) - reserve
        return ids if len(ids) <= room else ids[:1] + ids[len(ids) - room + 1:]

    def option_ids(self, option: str) -> list[int]:
        """An option's tokens, ended like a finished answer (so "target": 1 does not win over 12)."""
        return list(self.tokenizer(option, add_special_tokens=False).input_ids) + [self.end_id]

    def _forward(self, input_ids: torch.Tensor, **kwargs):
        return self.model(input_ids=input_ids.to(self.device), output_attentions=False,
                          output_hidden_states=False, return_dict=True, **kwargs)

    def _score(self, messages: list[io.ChatMessage], options: list[str], deadline: float) -> list[float]:
        """Log-likelihood of each option as the assistant's whole answer to `messages`."""
        wanted = [self.option_ids(o) for o in options]
        longest = max(len(w) for w in wanted)
        prompt = self.prompt_ids(messages, reserve=longest)
        with torch.inference_mode():
            out = self._forward(torch.tensor([prompt]), use_cache=True, logits_to_keep=1)  # lm_head on the last only
            first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
            if time.perf_counter() > deadline:
                raise PastBudget
            # Every option continues the same prompt: its cache is computed once and repeated.
            cache = out["cache"] if "cache" in out else out["past_key_values"]
            cache.batch_repeat_interleave(len(options))
            # Right padding needs no mask: a causal model never lets a real token see the pads after it.
            batch = torch.tensor([w + [self.pad_id] * (longest - len(w)) for w in wanted])
            logits = self._forward(batch[:, :-1], **{self._cache_arg: cache}, use_cache=True).logits.float()
            rest = torch.log_softmax(logits, dim=-1)
            # Option token j (j >= 1) is predicted at position j - 1; pads after an option's end count nothing.
            batch = batch.to(rest.device)
            following = rest.gather(-1, batch[:, 1:].unsqueeze(-1)).squeeze(-1).cpu()
            starts = first[batch[:, 0]].cpu()
        real = torch.arange(longest - 1) < torch.tensor([len(w) - 1 for w in wanted]).unsqueeze(1)
        return (starts + (following * real).sum(dim=1)).tolist()

    def _generate(self, messages: list[io.ChatMessage], max_new_tokens: int, deadline: float) -> tuple[str, bool]:
        """Greedy answer to `messages`: (text, finished), finished when it ended with an end token
        within max_new_tokens and the budget."""
        prompt = self.prompt_ids(messages, reserve=max_new_tokens)
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise PastBudget
        input_ids = torch.tensor([prompt], device=self.device)
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=max_new_tokens,
                do_sample=False, temperature=None, top_p=None, top_k=None, max_time=remaining,
                eos_token_id=self.eos_ids, pad_token_id=self.pad_id,
                output_attentions=False, output_hidden_states=False, return_dict_in_generate=False,
            )
        new = out[0, len(prompt):].tolist()
        finished = bool(new) and new[-1] in self.eos_ids
        if not finished and time.perf_counter() > deadline:
            raise PastBudget
        return self.tokenizer.decode(new, skip_special_tokens=True).strip(), finished
