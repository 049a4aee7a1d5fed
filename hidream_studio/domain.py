"""Plain data shared by the router, engines, store, studio and UI.

Nothing here imports torch, diffusers, gradio or SQLAlchemy: these are the contracts between
the layers, and they must stay cheap to import.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


# --------------------------------------------------------------------------------------------
# Errors. A UserError is the user's mistake or a missing resource: it reaches people as one
# readable line (gr.Error in the UI, stderr + exit 2 in the CLI) and never as a stack trace.
# --------------------------------------------------------------------------------------------
class StudioError(Exception):
    """Base of every error the studio raises on purpose."""


class UserError(StudioError):
    """Bad input: the message is shown to the user as is. Nothing was changed."""


class NotFound(UserError):
    """An unknown session or version (or one that belongs to someone else)."""


class InvalidImage(UserError):
    """A file that is not an image, is a decompression bomb, or cannot be decoded."""


class InvalidParams(UserError):
    """Empty prompt, absurd steps / guidance / size, ... refused before any model runs."""


class ModelUnavailable(UserError):
    """Weights missing, gated Llama not supplied, offline without a local copy."""


class StoreError(StudioError):
    """The database or image folder cannot be used (locked, corrupt, disk full)."""


class Cancelled(StudioError):
    """The user pressed Stop; the engine stopped between two steps. Nothing was stored."""


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------
class Route(str, enum.Enum):
    GENERATE = "generate"
    EDIT = "edit"
    UNDO = "undo"
    REDO = "redo"
    CHECKOUT = "checkout"
    VARIATION = "variation"
    UPLOAD = "upload"
    CHAT = "chat"


class ChatKind(str, enum.Enum):
    """What kind of conversation a CHAT turn is, so the studio can answer it (conversation.py)."""

    SOCIAL = "social"  # thanks, praise, greetings, closings, "not now", "ok"
    NEGATIVE = "negative"  # negative feedback: the answer offers the way back
    HELP = "help"  # a question about the studio (or any question): answered from its help
    NO_CANVAS = "no_canvas"  # an edit instruction with no picture yet: nothing is drawn
    START_OVER = "start_over"  # "reset", "new session": the New-session button does that
    UNCLEAR = "unclear"  # nothing to act on ("new image:" with no subject, talk about versions)


@dataclass(frozen=True)
class Decision:
    """What the router made of one message.

    route:  what to do.
    text:   the cleaned prompt / instruction ("please make it green" -> "make it green");
            for CHAT the original text; empty for UNDO/REDO/CHECKOUT.
    target: the version number for CHECKOUT, else None.
    reason: a short human-readable why ("mentions 'make ... green' and a canvas exists").
    count:  how many steps for UNDO/REDO ("undo twice" -> 2); 1 otherwise.
    confidence: how sure the deciding layer is, 0..1 (1.0 for a rule that matched exactly).
    by:     which layer decided: "rules", "classifier" or "planner".
    chat:   for CHAT, which kind of conversation (ChatKind); None for every other route.
    """

    route: Route
    text: str
    target: int | None = None
    reason: str = ""
    count: int = 1
    confidence: float = 1.0
    by: str = "rules"
    chat: ChatKind | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"route": self.route.value, "text": self.text, "target": self.target, "reason": self.reason,
                "count": self.count, "confidence": round(self.confidence, 3), "by": self.by,
                "chat": self.chat.value if self.chat else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        chat = data.get("chat")
        return cls(Route(data["route"]), data.get("text", ""), data.get("target"), data.get("reason", ""),
                   int(data.get("count", 1)), float(data.get("confidence", 1.0)), data.get("by", "rules"),
                   ChatKind(chat) if chat else None)


# --------------------------------------------------------------------------------------------
# Engine requests and results
# --------------------------------------------------------------------------------------------
MAX_OPTIONS = 8  # candidates one turn may ask for ("give me 4 options"): one batch on the device


@dataclass(frozen=True)
class GenerateRequest:
    """A text-to-image job. None means "the preset's default" for every optional field."""

    prompt: str
    negative_prompt: str | None = None
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class EditRequest:
    """An instruction edit of `source` (a PIL.Image). None means the preset's default."""

    instruction: str
    source: Any  # PIL.Image.Image; typed loosely so this module does not import PIL
    target_description: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    image_guidance: float | None = None
    refine_strength: float | None = None
    source_prompt: str | None = None  # what the source shows (its recipe's prompt), for a planner's description


@dataclass
class EngineResult:
    """What an engine made, with the exact recipe that made it (stored with the version).

    target_description: the E1-Full target description sent with an edit (the request's own, or
                        the one the editor's describer wrote; None when the instruction stood in).
    described_by:       the describer that wrote it; None when the request supplied it.
    unknown_words:      prompt words the model's vocabulary lacks (nano's closed one), once each.
    tokens_ignored:     prompt tokens past what the text encoders read (HiDream: 218).
    extra:              diagnostics for tests and benches (scheduler, sizes, branches); nothing
                        downstream decides on it.
    """

    image: Any  # PIL.Image.Image, RGB
    model_id: str
    model_revision: str | None
    prompt_sent: str
    negative_prompt: str | None
    seed: int
    steps: int
    guidance: float
    image_guidance: float | None
    width: int
    height: int
    elapsed_s: float
    target_description: str | None = None
    described_by: str | None = None
    unknown_words: list[str] = field(default_factory=list)
    tokens_ignored: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepProgress:
    """Reported after each denoising step. `preview` is an optional small PIL image."""

    step: int  # 1-based
    total: int
    preview: Any = None


# --------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------
class VersionKind(str, enum.Enum):
    GENERATE = "generate"
    EDIT = "edit"
    UPLOAD = "upload"
    VARIATION = "variation"


@dataclass(frozen=True)
class Recipe:
    """How a version was made: the fields the store keeps and the PNG text chunks carry."""

    kind: VersionKind
    prompt: str = ""  # as typed by the user
    prompt_sent: str = ""  # as sent to the model (E1-Full wraps it in its instruction format)
    negative_prompt: str | None = None
    model_id: str | None = None
    model_revision: str | None = None
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    image_guidance: float | None = None
    width: int | None = None
    height: int | None = None
    elapsed_s: float | None = None
    region: dict[str, Any] | None = None  # a region edit: box, feather, mask (region.Region.to_record)

    @classmethod
    def from_result(cls, kind: VersionKind, prompt: str, result: EngineResult) -> Recipe:
        return cls(
            kind=kind,
            prompt=prompt,
            prompt_sent=result.prompt_sent,
            negative_prompt=result.negative_prompt,
            model_id=result.model_id,
            model_revision=result.model_revision,
            seed=result.seed,
            steps=result.steps,
            guidance=result.guidance,
            image_guidance=result.image_guidance,
            width=result.width,
            height=result.height,
            elapsed_s=result.elapsed_s,
        )


@dataclass(frozen=True)
class Version:
    """One node of a session's version tree, as read from the store."""

    session_id: str
    number: int  # per session: 1, 2, 3 ... ("go back to version 2")
    parent: int | None  # parent's number, None for a root
    recipe: Recipe
    image_path: str  # absolute path of the content-addressed PNG
    image_sha256: str
    created_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class SessionInfo:
    id: str  # unguessable (secrets.token_urlsafe), never a counter
    title: str
    owner: str | None
    created_at: str
    updated_at: str
    head: int | None  # version number, None while empty


@dataclass(frozen=True)
class Message:
    role: str  # "user" | "assistant"
    text: str
    version: int | None = None  # version number this message shows, if any
    decision: Decision | None = None
    created_at: str = ""
