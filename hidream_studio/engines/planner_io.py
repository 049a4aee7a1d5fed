"""The planner's model-free half: the prompts it sends the resident Llama and strict checks of its answers.

The planner (planner.py) runs these prompts on HiDream-I1's own Llama-3.1-8B-Instruct. Its jobs:

    route     new image, edit of the canvas, conversation, or a checkout of an earlier version named by
              what it shows ("go back to the one with the red hat"). The answer is CHOSEN, not written:
              route_options enumerates every valid JSON answer for the session's state and the model
              scores each by log-likelihood (best_option), so the output is valid by construction.
              router/planned.py turns the choice into the studio's Decision.
    describe  E1-Full's "Target Image Description" from the instruction and the canvas' prompt (the
              official HiDream demo asks an external LLM for it).
    reply     the answer to a conversation turn.
    expand    a richer prompt for I1 from a terse one (a setting, off by default).

The free-text answers go through check_description / check_reply / check_expansion: anything that
is not one clean line (or paragraph) in the message's language comes back None, and the caller falls
back (to the classifier / rules decision, the instruction, the fixed replies, the prompt as typed).
Nothing here imports torch.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain import VersionKind
from .presets import E1_FULL_FORMAT

ChatMessage = dict[str, str]  # {"role": "system" | "user", "content": ...}

MAX_VERSIONS = 12  # the newest versions offered as checkout targets (and shown to the model)
PROMPT_CHARS = 300  # a version prompt or canvas prompt is shown at most this long
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # replies.is_chinese's rule: any CJK character is Chinese


@dataclass(frozen=True)
class PlannerState:
    """What the planner knows of the session when a message arrives.

    canvas_prompt: the prompt (or target description) of the version on the canvas, None without one.
    versions: (number, prompt) of the session's versions, oldest first; head: the canvas' number.
    previous_route: the route of the previous turn ("edit", "chat", ...), None at the start.
    """

    has_canvas: bool
    canvas_prompt: str | None = None
    versions: tuple[tuple[int, str], ...] = ()
    head: int | None = None
    previous_route: str | None = None


_TARGET = E1_FULL_FORMAT.split("{description}")[0].split(". ")[-1]  # "Target Image Description: "


def shown(recipe) -> str:
    """What a version shows, in words, from its Recipe: the prompt sent for a new image (an expanded
    one included), the target description an E1-Full edit was sent with, else the typed text
    (an E1.1 edit's instruction); "" for an upload."""
    sent = (recipe.prompt_sent or "").strip()
    if recipe.kind is VersionKind.UPLOAD:
        return ""
    if _TARGET in sent:
        return sent.split(_TARGET, 1)[1].strip()
    if recipe.kind is VersionKind.EDIT:
        return recipe.prompt or sent
    return sent or recipe.prompt


def _short(text: str | None, limit: int = PROMPT_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listed_versions(state: PlannerState) -> list[tuple[int, str]]:
    return list(state.versions[-MAX_VERSIONS:])


# ------------------------------------------------------------------------------------------ route
def route_options(state: PlannerState) -> list[dict]:
    """Every answer the router prompt allows in this state: edit only with a canvas, checkout only of a
    listed version other than the canvas."""
    options: list[dict] = [{"route": "generate"}]
    if state.has_canvas:
        options.append({"route": "edit"})
    options.append({"route": "chat"})
    options += [{"route": "checkout", "target": n} for n, _ in listed_versions(state) if n != state.head]
    return options


def option_text(option: dict) -> str:
    """The exact text an option is scored as (what the model would have to write)."""
    return json.dumps(option, ensure_ascii=False)


ROUTE_SYSTEM = (
    "You route the messages people type into HiDream Studio, a chat app that creates images (HiDream-I1) "
    "and edits the current image (HiDream-E1). Messages are in English or Chinese. "
    "Answer with one JSON object and nothing else:\n"
    '{"route": "generate"} when the message describes a new picture to create;\n'
    '{"route": "edit"} when it asks to change the current picture (only when there is one);\n'
    '{"route": "chat"} for conversation: thanks, praise, greetings, closings, feedback, questions;\n'
    '{"route": "checkout", "target": N} when it asks to go back to an earlier version N from the list, '
    "named by what it shows."
)


def route_messages(message: str, state: PlannerState) -> list[ChatMessage]:
    """The chat the route options are scored after."""
    lines = [f"Current picture: {_short(state.canvas_prompt) if state.has_canvas else 'none'}"]
    versions = listed_versions(state)
    if versions:
        lines.append("Versions:")
        lines += [f"v{n}: {_short(prompt, 120) or '(uploaded image)'}" + (" (current)" if n == state.head else "")
                  for n, prompt in versions]
    if state.previous_route:
        lines.append(f"Previous turn: {state.previous_route}")
    lines.append(f"Message: {_short(message, 600)}")
    return [{"role": "system", "content": ROUTE_SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


@dataclass(frozen=True)
class Choice:
    """The planner's route: one of route_options, and its share of the probability over all of them."""

    option: dict
    confidence: float


def best_option(options: Sequence[dict], scores: Sequence[float]) -> Choice:
    """The likeliest option (scores: log-likelihoods, one per option), with its softmax probability."""
    if not options or len(options) != len(scores):
        raise ValueError("one score per option is needed")
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    best = max(range(len(options)), key=weights.__getitem__)
    return Choice(options[best], weights[best] / sum(weights))


# ------------------------------------------------------------------------------------------ describe
DESCRIBE_SYSTEM = (
    "You help an instruction-based image editor (HiDream-E1). Given the description of the current image "
    "and an editing instruction, write the description of the image after the edit: one sentence, in the "
    "language of the instruction, describing the whole edited image. Write only the description."
)
_LABEL = re.compile(r"^\s*(?:target image description|target description|description|目标图像描述|描述)\s*[:：]\s*",
                    re.IGNORECASE)
_QUOTES = "\"'“”‘’「」`"


def describe_messages(instruction: str, canvas_prompt: str | None) -> list[ChatMessage]:
    current = _short(canvas_prompt) if canvas_prompt else "(unknown: describe only what the instruction implies)"
    return [{"role": "system", "content": DESCRIBE_SYSTEM},
            {"role": "user", "content": f"Current image: {current}\nInstruction: {_short(instruction, 600)}"}]


def _one_line(raw: str) -> str | None:
    """The answer when it is one line (a label and quotes dropped), else None."""
    lines = [line for line in (raw or "").strip().splitlines() if line.strip()]
    if len(lines) != 1:
        return None
    text = _LABEL.sub("", lines[0]).strip().strip(_QUOTES).strip()
    return text or None


def _plain_text(text: str | None, like: str, limit: int) -> bool:
    """Not empty, not JSON or markup, at most `limit` characters, in the language of `like`."""
    return (bool(text) and len(text) <= limit and text[0] not in "{[<#" and "<|" not in text
            and bool(_CJK.search(text)) == bool(_CJK.search(like)))


def check_description(raw: str, instruction: str) -> str | None:
    """The target description in `raw`, or None: one line, plain text, in the instruction's language."""
    text = _one_line(raw)
    return text if _plain_text(text, instruction, 500) else None


# ------------------------------------------------------------------------------------------ reply
REPLY_SYSTEM = (
    "You are the assistant of HiDream Studio, a chat app that creates and edits images. This message is "
    "conversation, not a picture request: answer it briefly (one or two sentences), warmly, in the "
    "language of the message. Do not claim to have drawn or changed anything."
)


def reply_messages(message: str, state: PlannerState, help_text: str = "") -> list[ChatMessage]:
    """help_text: the studio's help (replies.HELP_EN), for questions about how it works."""
    system = REPLY_SYSTEM + (f" If it asks how the studio works, answer from this help:\n{help_text}" if help_text else "")
    context = f"(The canvas shows: {_short(state.canvas_prompt)})\n" if state.has_canvas and state.canvas_prompt else ""
    return [{"role": "system", "content": system}, {"role": "user", "content": context + _short(message, 600)}]


def check_reply(raw: str, message: str) -> str | None:
    """A reply of at most 600 characters of plain text in the message's language, else None."""
    text = (raw or "").strip()
    return text if _plain_text(text, message, 600) else None


# ------------------------------------------------------------------------------------------ expand
EXPAND_SYSTEM = (
    "You rewrite short image prompts for a text-to-image model (HiDream-I1). Keep every detail the user "
    "gave and add concrete ones (subject, setting, lighting, style, composition), at most 60 words, in the "
    "language of the prompt, as one paragraph. Write only the new prompt."
)
_WORD = re.compile(r"[a-z0-9]{3,}|[\u3400-\u9fff]")
KEPT_SHARE = 0.6  # an expansion must keep at least this share of the prompt's words


def expand_messages(prompt: str) -> list[ChatMessage]:
    return [{"role": "system", "content": EXPAND_SYSTEM}, {"role": "user", "content": _short(prompt, 600)}]


def check_expansion(raw: str, prompt: str) -> str | None:
    """The expanded prompt, or None: one paragraph of plain text in the prompt's language, longer than the
    prompt and keeping at least KEPT_SHARE of its words (English words of 3+ letters, Chinese characters)."""
    text = _one_line(raw)
    if not _plain_text(text, prompt, 1200) or len(text) <= len(prompt.strip()):
        return None
    words = set(_WORD.findall(prompt.lower()))
    kept = words & set(_WORD.findall(text.lower()))
    return text if not words or len(kept) >= KEPT_SHARE * len(words) else None
