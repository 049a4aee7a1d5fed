"""The studio service: the only place a chat turn is orchestrated.

    Turn -> router.route -> engine (generate / edit, with progress and cancel) -> store (one transaction)
         -> TurnResult

It knows nothing of Gradio: the UI, the CLI and the tests all drive this class. Failures leave the
store as it was: a user mistake raises a UserError before anything is written, a Stop raises
Cancelled and nothing is stored, and a made image is written together with its messages.

Tree rule: every version made in a turn is a child of the canvas (head) it was made from, so "undo"
always returns to what was on screen before; an upload is a new root.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import conversation, replies
from .domain import (
    Decision,
    EditRequest,
    EngineResult,
    GenerateRequest,
    Message,
    Recipe,
    Route,
    SessionInfo,
    StepProgress,
    UserError,
    Version,
    VersionKind,
)
from .imageio import open_image
from .router import flipped, route

OnStep = Callable[[StepProgress], None]
NEW_VERSION = 0  # Message.version placeholder the store replaces with the version it creates


@dataclass(frozen=True)
class GenSettings:
    """Per-turn overrides from the settings panel or the CLI; None means the preset's default."""

    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None  # text guidance of new images (I1)
    edit_guidance: float | None = None  # text guidance of edits (E1): the defaults differ
    image_guidance: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Turn:
    session_id: str
    text: str = ""
    attachment: Any = None  # a path, bytes or PIL image: becomes a new root version
    owner: str | None = None
    settings: GenSettings = field(default_factory=GenSettings)
    force: Decision | None = None  # skip the router (the UI's "flip and re-run")


@dataclass
class TurnResult:
    decision: Decision
    reply: str
    head: Version | None
    created: list[Version] = field(default_factory=list)
    model: str | None = None

    @property
    def last_created(self) -> Version | None:
        return self.created[-1] if self.created else None


@dataclass(frozen=True)
class SessionView:
    """Everything the UI draws for one session."""

    session: SessionInfo
    head: Version | None
    versions: list[Version]
    messages: list[Message]


class Studio:
    """Handles turns for many sessions; safe to call from several threads.

    The engine serialises model jobs itself (one per device); the store serialises writes.
    `cancel(session_id)` stops that session's running job within one denoising step.
    """

    def __init__(self, store, engine):
        self.store = store
        self.engine = engine
        self._cancels: dict[str, threading.Event] = {}
        self._cancels_lock = threading.Lock()

    # ---------------------------------------------------------------- sessions
    def new_session(self, title: str = "", owner: str | None = None) -> SessionInfo:
        return self.store.create_session(title=title, owner=owner)

    def sessions(self, owner: str | None = None) -> list[SessionInfo]:
        return self.store.list_sessions(owner=owner)

    def rename_session(self, session_id: str, title: str, owner: str | None = None) -> SessionInfo:
        title = (title or "").strip()
        if not title:
            raise UserError("A session name cannot be empty.")
        return self.store.rename_session(session_id, title, owner=owner)

    def delete_session(self, session_id: str, owner: str | None = None) -> None:
        self.store.delete_session(session_id, owner=owner)

    def view(self, session_id: str, owner: str | None = None) -> SessionView:
        session = self.store.get_session(session_id, owner=owner)
        return SessionView(
            session=session,
            head=self.store.head(session.id, owner=owner),
            versions=self.store.versions(session.id, owner=owner),
            messages=self.store.messages(session.id, owner=owner),
        )

    # ---------------------------------------------------------------- jobs
    def cancel(self, session_id: str) -> bool:
        """Ask the running job of this session to stop. True when one was running."""
        with self._cancels_lock:
            event = self._cancels.get(session_id)
        if event is None:
            return False
        event.set()
        return True

    def running(self, session_id: str) -> bool:
        """True while a turn of this session is being handled."""
        with self._cancels_lock:
            return session_id in self._cancels

    def _job(self, session_id: str) -> threading.Event:
        event = threading.Event()
        with self._cancels_lock:
            self._cancels[session_id] = event
        return event

    def _job_done(self, session_id: str, event: threading.Event) -> None:
        with self._cancels_lock:
            if self._cancels.get(session_id) is event:
                del self._cancels[session_id]

    # ---------------------------------------------------------------- turns
    def handle(self, turn: Turn, on_step: OnStep | None = None) -> TurnResult:
        """Route one message and carry it out. Raises UserError (nothing stored) or Cancelled."""
        text = (turn.text or "").strip()
        if not text and turn.attachment is None:
            raise UserError("Type a message or attach an image.")
        session = self.store.get_session(turn.session_id, owner=turn.owner)
        head = self.store.head(session.id, owner=turn.owner)
        decision = turn.force or route(text, has_canvas=head is not None, has_attachment=turn.attachment is not None,
                                       previous=self._previous_route(session.id, turn.owner) if head else None)
        handler = {
            Route.CHAT: self._chat,
            Route.UNDO: self._move_head,
            Route.REDO: self._move_head,
            Route.CHECKOUT: self._move_head,
            Route.GENERATE: self._generate,
            Route.EDIT: self._edit,
            Route.VARIATION: self._variation,
            Route.UPLOAD: self._upload,
        }[decision.route]
        cancel = self._job(session.id)
        try:
            return handler(turn, session, head, decision, on_step, cancel)
        finally:
            self._job_done(session.id, cancel)

    def undo(self, session_id: str, owner: str | None = None) -> TurnResult:
        return self.handle(Turn(session_id, "undo", owner=owner, force=Decision(Route.UNDO, "", None, "button")))

    def redo(self, session_id: str, owner: str | None = None) -> TurnResult:
        return self.handle(Turn(session_id, "redo", owner=owner, force=Decision(Route.REDO, "", None, "button")))

    def checkout(self, session_id: str, number: int, owner: str | None = None) -> TurnResult:
        text = f"go back to version {number}"
        return self.handle(Turn(session_id, text, owner=owner, force=Decision(Route.CHECKOUT, "", number, "selected")))

    def flip_last(self, session_id: str, owner: str | None = None, on_step: OnStep | None = None) -> TurnResult:
        """Re-run the last generate/edit turn the other way (edit <-> new image), from the same canvas.

        The first result stays in the tree: the head goes back to the canvas that turn started from,
        and the flipped turn makes a sibling.
        """
        messages = self.store.messages(session_id, owner=owner)
        last = next((m for m in reversed(messages) if m.role == "assistant" and m.decision and m.version), None)
        other = flipped(last.decision) if last else None
        if last is None or other is None:
            raise UserError("There is no new-image or edit turn to flip.")
        made = self.store.get_version(session_id, last.version, owner=owner)
        if other.route is Route.EDIT and made.parent is None:
            raise UserError("That image was made from an empty canvas: there is nothing to edit.")
        if made.parent is not None:
            self.store.checkout(session_id, made.parent, owner=owner)
        return self.handle(Turn(session_id, other.text, owner=owner, force=other), on_step=on_step)

    # ---------------------------------------------------------------- route handlers
    def _chat(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        reply = conversation.reply(decision, turn.text, has_canvas=head is not None)
        self.store.record_turn(session.id, owner=turn.owner, messages=self._messages(turn, reply, decision, None))
        return TurnResult(decision, reply, head)

    def _move_head(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        steps = 0
        if decision.route in (Route.UNDO, Route.REDO):
            # "undo twice": one step at a time (each step is a complete, valid head move), until the
            # count is reached or there is nothing further; `steps` is how far it really went.
            step = self.store.undo if decision.route is Route.UNDO else self.store.redo
            moved = None
            for _ in range(max(1, decision.count)):
                further = step(session.id, owner=turn.owner)
                if further is None:
                    break
                moved, steps = further, steps + 1
        else:  # NotFound for an unknown version: raised before anything is written
            moved = self.store.checkout(session.id, decision.target, owner=turn.owner)
        reply = replies.head_moved(decision.route, moved, replies.is_chinese(turn.text), head,
                                   asked=decision.count, steps=steps)
        shown = moved.number if moved else None
        self.store.record_turn(session.id, owner=turn.owner, messages=self._messages(turn, reply, decision, shown))
        return TurnResult(decision, reply, moved or head)

    def _generate(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        s = turn.settings
        request = GenerateRequest(
            prompt=decision.text, seed=s.seed, steps=s.steps, guidance=s.guidance, width=s.width, height=s.height
        )
        result = self.engine.generate(request, on_step=on_step, cancel=cancel)
        return self._store_result(turn, session, head, decision, result, VersionKind.GENERATE)

    def _edit(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        if head is None:  # the router never sends an edit without a canvas; a forced flip might
            raise UserError("There is no image to edit yet: describe one first.")
        result = self._run_edit(decision.text, head, turn.settings, on_step, cancel)
        return self._store_result(turn, session, head, decision, result, VersionKind.EDIT, source=head.number)

    def _variation(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        base = head  # the request being varied: walk back over earlier variations of it
        while base is not None and base.recipe.kind is VersionKind.VARIATION and base.parent is not None:
            base = self.store.get_version(session.id, base.parent, owner=turn.owner)
        if base is None or base.recipe.kind is VersionKind.UPLOAD:
            reply = replies.no_canvas_for_variation(replies.is_chinese(turn.text))
            self.store.record_turn(session.id, owner=turn.owner, messages=self._messages(turn, reply, decision, None))
            return TurnResult(decision, reply, head)
        recipe = base.recipe
        if recipe.kind is VersionKind.EDIT:
            source = self.store.get_version(session.id, base.parent, owner=turn.owner)
            settings = GenSettings(steps=recipe.steps, edit_guidance=recipe.guidance, image_guidance=recipe.image_guidance)
            result = self._run_edit(recipe.prompt, source, settings, on_step, cancel)
        else:
            request = GenerateRequest(
                prompt=recipe.prompt,
                negative_prompt=recipe.negative_prompt,
                steps=recipe.steps,
                guidance=recipe.guidance,
                width=recipe.width,
                height=recipe.height,
            )
            result = self.engine.generate(request, on_step=on_step, cancel=cancel)
        varied = Decision(Route.VARIATION, recipe.prompt, None, decision.reason)
        return self._store_result(turn, session, head, varied, result, VersionKind.VARIATION)

    def _upload(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        image = open_image(turn.attachment)  # InvalidImage before anything is written
        recipe = Recipe(kind=VersionKind.UPLOAD, width=image.width, height=image.height)
        upload = Decision(Route.UPLOAD, "", None, decision.reason)
        reply = replies.made_reply(upload, recipe)
        # An instruction sent with the upload edits it in the same turn. The edit runs first, so a
        # refused instruction, a missing editor or a Stop leaves nothing behind, not half a turn.
        result = self._engine_edit(decision.text, image, turn.settings, on_step, cancel) if decision.text else None
        uploaded = self.store.record_turn(
            session.id,
            owner=turn.owner,
            messages=[Message("user", turn.text, NEW_VERSION), Message("assistant", reply, NEW_VERSION, upload)],
            image=image,
            recipe=recipe,
            parent=None,
        )
        reply = f"{reply} → v{uploaded.number}"
        if result is None:
            return TurnResult(upload, reply, uploaded, [uploaded])
        edit = Decision(Route.EDIT, decision.text, None, "instruction sent with an upload")
        quiet = Turn(session.id, "", owner=turn.owner)
        edited = self._store_result(quiet, session, uploaded, edit, result, VersionKind.EDIT, source=uploaded.number)
        edited.decision = decision  # the turn was an upload (that also edited)
        edited.created.insert(0, uploaded)
        edited.reply = f"{reply}\n{edited.reply}"
        return edited

    # ---------------------------------------------------------------- helpers
    def _run_edit(self, instruction: str, source: Version, s: GenSettings, on_step, cancel) -> EngineResult:
        return self._engine_edit(instruction, self.store.load_image(source), s, on_step, cancel)

    def _engine_edit(self, instruction: str, image, s: GenSettings, on_step, cancel) -> EngineResult:
        request = EditRequest(
            instruction=instruction,
            source=image,
            seed=s.seed,
            steps=s.steps,
            guidance=s.edit_guidance,
            image_guidance=s.image_guidance,
        )
        return self.engine.edit(request, on_step=on_step, cancel=cancel)

    def _store_result(self, turn, session, canvas, decision, result, kind, source=None) -> TurnResult:
        """Write the made image as a child of `canvas` (the head the turn started from, even if
        another tab moved the head meanwhile), with the turn's messages, in one transaction."""
        recipe = Recipe.from_result(kind, decision.text, result)
        extra = result.extra or {}
        target = extra.get("target_description") if extra.get("described_by") else None
        reply = replies.made_reply(decision, recipe, source, target, extra.get("unknown_words"),
                                   extra.get("tokens_ignored", 0))
        note = conversation.assumption(decision, replies.is_chinese(turn.text))
        reply = f"{reply}\n{note}" if note else reply
        version = self.store.record_turn(
            session.id,
            owner=turn.owner,
            messages=self._messages(turn, reply, decision, NEW_VERSION),
            image=result.image,
            recipe=recipe,
            parent=canvas.number if canvas else None,
        )
        return TurnResult(decision, f"{reply} → v{version.number}", version, [version], model=result.model_id)

    def _previous_route(self, session_id: str, owner: str | None) -> Route | None:
        """The route of the session's last answered turn (the router's context), None for none."""
        last = next((m for m in reversed(self.store.messages(session_id, owner=owner))
                     if m.role == "assistant" and m.decision), None)
        return last.decision.route if last else None

    @staticmethod
    def _messages(turn: Turn, reply: str, decision: Decision, version: int | None) -> list[Message]:
        messages = [Message("user", turn.text)] if turn.text else []
        messages.append(Message("assistant", reply, version, decision))
        return messages
