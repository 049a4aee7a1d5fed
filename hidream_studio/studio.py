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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import conversation, replies
from .domain import (
    MAX_OPTIONS,
    Decision,
    EditRequest,
    EngineResult,
    GenerateRequest,
    Message,
    Recipe,
    Route,
    SessionInfo,
    StepProgress,
    StudioError,
    UserError,
    Version,
    VersionKind,
)
from .engines.planner_io import PlannerState, shown
from .imageio import open_image
from .region import Region, composite
from .router import flipped, route
from .router.options import split_options
from .router.planned import PLANNED_ROUTES, planned_decision

OnStep = Callable[[StepProgress], None]


def _slug(session: SessionInfo) -> str:
    """A file name for a session's downloads: its title's letters, else its id's start."""
    name = "".join(c if c.isalnum() else "-" for c in session.title).strip("-")[:40]
    return name or f"session-{session.id[:8]}"

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
    options: int = 1  # candidates per new image (a message's "give me 4 options" overrides it)


@dataclass(frozen=True)
class Turn:
    session_id: str
    text: str = ""
    attachment: Any = None  # a path, bytes or PIL image: becomes a new root version
    owner: str | None = None
    settings: GenSettings = field(default_factory=GenSettings)
    force: Decision | None = None  # skip the router (the UI's "flip and re-run")
    region: Any = None  # limit an edit to a region: "x,y,w,h", a box tuple or a painted mask (region.py)


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
    redo_path: list[int] = field(default_factory=list)  # where redo would go from the head, in order

    def options_of_head(self) -> list[Version]:
        """The candidates made in the same turn as the head ("give me 4 options"), or [] when the
        head was not one of several."""
        if self.head is None:
            return []
        for message in reversed(self.messages):
            d = message.decision
            if message.version is not None and d is not None and d.count > 1 and d.route in (Route.GENERATE, Route.VARIATION):
                first = message.version
                if first <= self.head.number < first + d.count:
                    return [v for v in self.versions if first <= v.number < first + d.count]
        return []


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

    def session(self, name_or_id: str, owner: str | None = None) -> SessionInfo:
        """A session by id, else by title (NotFound otherwise)."""
        return self.store.get_session(name_or_id, owner=owner)

    def versions(self, session_id: str, owner: str | None = None) -> list[Version]:
        """The session's version tree, ordered by number."""
        return self.store.versions(session_id, owner=owner)

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
            redo_path=self.store.redo_path(session.id, owner=owner),
        )

    def export(self, session_id: str, folder: Path, what: str, owner: str | None = None) -> Path:
        """A download of the session into `folder`: "png" (the current version with its recipe),
        "session" (a zip of everything) or "branch" (a zip of the root..current lineage)."""
        session = self.store.get_session(session_id, owner=owner)
        head = self.store.head(session.id, owner=owner)
        if what == "session":
            return self.store.export_session(session.id, folder / f"{_slug(session)}.zip", owner=owner)
        if head is None:
            raise UserError("There is no picture yet: nothing to download.")
        if what == "png":
            return self.store.export_version(session.id, head.number, folder / f"{_slug(session)}-v{head.number}.png",
                                             owner=owner)
        if what == "branch":
            return self.store.export_session(session.id, folder / f"{_slug(session)}-to-v{head.number}.zip",
                                             branch=head.number, owner=owner)
        raise UserError(f"Unknown download {what!r}: png, session or branch.")

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
        decision = turn.force or self._decide(turn, session, head, text)
        if turn.region is not None and decision.route in (Route.GENERATE, Route.EDIT):
            # A marked region makes the message an instruction for that part of the canvas.
            decision = replace(decision, route=Route.EDIT, reason=f"{decision.reason}; limited to the marked region")
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
        except UserError as exc:
            self._record_refusal(turn, session, decision, str(exc))
            raise
        finally:
            self._job_done(session.id, cancel)

    def _record_refusal(self, turn: Turn, session, decision: Decision, why: str) -> None:
        """A refused turn stays in the conversation: the user's words and the answer, no version."""
        said = turn.text or ("(an image)" if turn.attachment is not None else "")
        messages = ([Message("user", said)] if said else []) + [Message("assistant", f"⚠ {why}", None, decision)]
        try:
            self.store.record_turn(session.id, owner=turn.owner, messages=messages)
        except StudioError:  # e.g. the session was deleted meanwhile: the refusal itself still stands
            pass

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
    def _decide(self, turn, session, head, text: str) -> Decision:
        """Rules first (explicit commands, uploads); then the planner, when the engine has one loaded,
        for new image / edit / conversation; the rules' or classifier's decision is its fallback.
        The number of candidates asked for ("a cat, 4 options": a new image x4; "再来三张" alone: three
        more of the current picture) or set in the settings goes into the decision's count."""
        count, rest = split_options(text) if turn.attachment is None else (1, text)
        if count > 1 and not rest:
            return Decision(Route.VARIATION, "", None, f"asks for {count} more options", count=count)
        decision = route(rest, has_canvas=head is not None, has_attachment=turn.attachment is not None,
                         previous=self._previous_route(session.id, turn.owner) if head else None)
        planner = getattr(self.engine, "planner", None)
        if planner is not None and decision.route in PLANNED_ROUTES:
            choice = planner.choose_route(rest, self.planner_state(session.id, turn.owner))
            decision = planned_decision(rest, choice, decision, why_not=planner.last.outcome if planner.last else "")
        count = count if count > 1 else turn.settings.options
        if count > 1 and decision.route in (Route.GENERATE, Route.VARIATION):
            return replace(decision, count=min(count, MAX_OPTIONS))
        return decision

    def planner_state(self, session_id: str, owner: str | None = None) -> PlannerState:
        """What the planner is told of a session: the canvas, its versions and the previous turn's route."""
        head = self.store.head(session_id, owner=owner)
        versions = self.store.versions(session_id, owner=owner)
        previous = next((m.decision.route.value for m in reversed(self.store.messages(session_id, owner=owner))
                         if m.role == "assistant" and m.decision), None)
        return PlannerState(has_canvas=head is not None, canvas_prompt=shown(head.recipe) if head else None,
                            versions=tuple((v.number, shown(v.recipe)) for v in versions),
                            head=head.number if head else None, previous_route=previous)

    def _planner_reply(self, turn, session) -> str | None:
        """The planner's answer to a conversation turn, when one is loaded and it answers well."""
        planner = getattr(self.engine, "planner", None)
        if planner is None:
            return None
        return planner.reply(turn.text, self.planner_state(session.id, turn.owner), replies.HELP_EN)

    def _chat(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        reply = self._planner_reply(turn, session) or conversation.reply(decision, turn.text, has_canvas=head is not None)
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
        if decision.count > 1:
            results = self.engine.generate_options(request, decision.count, on_step=on_step, cancel=cancel)
            return self._store_options(turn, session, head, decision, results, VersionKind.GENERATE)
        result = self.engine.generate(request, on_step=on_step, cancel=cancel)
        return self._store_result(turn, session, head, decision, result, VersionKind.GENERATE)

    def _edit(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        if head is None:  # the router never sends an edit without a canvas; a forced flip might
            raise UserError("There is no image to edit yet: describe one first.")
        if turn.region is not None:
            return self._edit_region(turn, session, head, decision, on_step, cancel)
        result = self._run_edit(decision.text, head, turn.settings, on_step, cancel)
        return self._store_result(turn, session, head, decision, result, VersionKind.EDIT, source=head.number)

    def _edit_region(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        """E1 edits the marked region (plus a margin of context) at its working size; the result is
        pasted back through a feathered mask, so everything outside it stays the source's pixels."""
        source = self.store.load_image(head)
        region = Region.resolve(turn.region, source.size)  # InvalidParams before any model runs
        crop = source.crop(region.crop_box(source.size))
        result = self._engine_edit(decision.text, crop, turn.settings, on_step, cancel)
        result.image = composite(source, result.image, region)
        result.width, result.height = result.image.size
        return self._store_result(turn, session, head, decision, result, VersionKind.EDIT, source=head.number,
                                  region=region.to_record())

    def _variation(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        base = head  # the request being varied: walk back over earlier variations of it
        while base is not None and base.recipe.kind is VersionKind.VARIATION and base.parent is not None:
            base = self.store.get_version(session.id, base.parent, owner=turn.owner)
        if base is None or base.recipe.kind is VersionKind.UPLOAD:
            reply = replies.no_canvas_for_variation(replies.is_chinese(turn.text))
            self.store.record_turn(session.id, owner=turn.owner, messages=self._messages(turn, reply, decision, None))
            return TurnResult(decision, reply, head)
        recipe = base.recipe
        varied = Decision(Route.VARIATION, recipe.prompt, None, decision.reason, count=decision.count)
        if recipe.kind is VersionKind.EDIT:
            # Options of an edit run one edit after another (the edit pipeline takes one source at a time).
            source = self.store.get_version(session.id, base.parent, owner=turn.owner)
            settings = GenSettings(steps=recipe.steps, edit_guidance=recipe.guidance, image_guidance=recipe.image_guidance)
            results = [self._run_edit(recipe.prompt, source, settings, on_step, cancel) for _ in range(decision.count)]
        else:
            request = GenerateRequest(
                prompt=recipe.prompt,
                negative_prompt=recipe.negative_prompt,
                steps=recipe.steps,
                guidance=recipe.guidance,
                width=recipe.width,
                height=recipe.height,
            )
            if decision.count > 1:
                results = self.engine.generate_options(request, decision.count, on_step=on_step, cancel=cancel)
            else:
                results = [self.engine.generate(request, on_step=on_step, cancel=cancel)]
        if len(results) > 1:
            return self._store_options(turn, session, head, varied, results, VersionKind.VARIATION)
        return self._store_result(turn, session, head, varied, results[0], VersionKind.VARIATION)

    def _upload(self, turn, session, head, decision, on_step, cancel) -> TurnResult:
        image = open_image(turn.attachment)  # InvalidImage before anything is written
        recipe = Recipe(kind=VersionKind.UPLOAD, width=image.width, height=image.height)
        upload = Decision(Route.UPLOAD, "", None, decision.reason)
        reply = replies.made_reply(upload, recipe, zh=replies.is_chinese(turn.text))
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
        return self._engine_edit(instruction, self.store.load_image(source), s, on_step, cancel,
                                 source_prompt=shown(source.recipe) or None)

    def _engine_edit(self, instruction: str, image, s: GenSettings, on_step, cancel,
                     source_prompt: str | None = None) -> EngineResult:
        request = EditRequest(
            instruction=instruction,
            source=image,
            source_prompt=source_prompt,
            seed=s.seed,
            steps=s.steps,
            guidance=s.edit_guidance,
            image_guidance=s.image_guidance,
        )
        return self.engine.edit(request, on_step=on_step, cancel=cancel)

    def _store_result(self, turn, session, canvas, decision, result, kind, source=None, region=None) -> TurnResult:
        """Write the made image as a child of `canvas` (the head the turn started from, even if
        another tab moved the head meanwhile), with the turn's messages, in one transaction."""
        recipe = replace(Recipe.from_result(kind, decision.text, result), region=region)
        target = result.target_description if result.described_by else None  # shown when the studio wrote it
        zh = replies.is_chinese(turn.text or decision.text)  # an upload's edit is stored with a quiet turn
        reply = replies.made_reply(decision, recipe, source, target, result.unknown_words, result.tokens_ignored, zh)
        note = conversation.assumption(decision, zh)
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

    def _store_options(self, turn, session, canvas, decision, results, kind) -> TurnResult:
        """Write the candidates of one turn as siblings under `canvas`, head on the first, in one
        transaction; the reply names them all (the user picks one by clicking it)."""
        options = [(r.image, Recipe.from_result(kind, decision.text, r)) for r in results]
        reply = replies.options_reply(decision, options[0][1], len(options), replies.is_chinese(turn.text))
        made = self.store.record_options(
            session.id, options, owner=turn.owner, messages=self._messages(turn, reply, decision, NEW_VERSION),
            parent=canvas.number if canvas else None,
        )
        numbers = ", ".join(f"v{v.number}" for v in made)
        return TurnResult(decision, f"{reply} → {numbers}", made[0], made, model=results[0].model_id)

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
