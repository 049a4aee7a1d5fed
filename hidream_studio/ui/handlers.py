"""Gradio event handlers: unpack widget values, call the Studio, translate errors. No SQL, no models.

Every handler ends by returning the whole session picture (chat, canvas, versions, tree, sessions,
progress, state; `Handlers.show`) as updates of the page's named outputs (ui/outputs.py), so the
page never shows a half-updated state; streaming updates in between name only what they change.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..domain import Cancelled, NotFound, StudioError, UserError
from ..studio import GenSettings, Studio, Turn
from . import present
from .outputs import Outputs

log = logging.getLogger(__name__)
_DONE = object()


@dataclass
class Identity:
    """Who the browser is (owner token, public mode only) and which session it has open.

    Kept in gr.BrowserState (localStorage, encrypted with the studio's fixed secret), so a reload
    or a server restart finds the same session."""

    owner: str | None
    session: str | None

    @classmethod
    def from_state(cls, state, public: bool) -> Identity:
        state = state if isinstance(state, dict) else {}
        owner = state.get("owner") if public else None
        if public and not owner:
            owner = secrets.token_urlsafe(24)
        return cls(owner=owner, session=state.get("session"))

    def to_state(self) -> dict:
        return {"owner": self.owner, "session": self.session}


def settings_from_widgets(steps, guidance, edit_guidance, image_guidance, seed, aspect) -> GenSettings:
    """Widget values -> GenSettings; 0 steps / blank / -1 seed mean "the model's default" / "random"."""
    width = height = None
    if aspect:
        width, height = (int(x) for x in str(aspect).lower().replace("×", "x").split("x"))

    def number(value) -> float | None:
        return float(value) if value not in (None, "") else None

    return GenSettings(
        seed=int(seed) if seed is not None and int(seed) >= 0 else None,
        steps=int(steps) if steps else None,
        guidance=number(guidance),
        edit_guidance=number(edit_guidance),
        image_guidance=number(image_guidance),
        width=width,
        height=height,
    )


class Handlers:
    """The page's events. Each returns `self.out.update(...)`; events wired with `out.picture()`
    as outputs never name `input`."""

    def __init__(self, studio: Studio, public: bool, out: Outputs):
        self.studio = studio
        self.public = public
        self.out = out

    # ------------------------------------------------------------------ pictures
    def picture(self, ident: Identity, *, notice: str = "") -> dict[str, Any]:
        """The session as the page draws it, by output name (every output but `input`)."""
        view = self.studio.view(ident.session, owner=ident.owner)
        # Every new visit opens a session; untouched, untitled ones are not worth listing.
        sessions = [s for s in self.studio.sessions(owner=ident.owner) if s.head or s.title or s.id == ident.session]
        return {
            "chat": present.chat_messages(view.messages, view.versions),
            "canvas": view.head.image_path if view.head else None,
            "versions": present.gallery_items(view.versions, view.head),
            "tree": present.tree_markdown(view.versions, view.head),
            "sessions": gr.update(choices=present.session_choices(sessions), value=view.session.id),
            "progress": notice,
            "state": ident.to_state(),
        }

    def show(self, ident: Identity, *, notice: str = "", **changes: Any) -> dict:
        """Updates drawing the whole session picture, plus `changes` of other outputs (e.g. input=)."""
        return self.out.update(**{**self.picture(ident, notice=notice), **changes})

    def _open(self, state) -> Identity:
        """The browser's session, or a new one when it has none (or it was deleted)."""
        ident = Identity.from_state(state, self.public)
        if ident.session:  # an id, or (API callers) a session's name
            try:
                ident.session = self.studio.session(ident.session, owner=ident.owner).id
                return ident
            except NotFound:
                pass
        ident.session = self.studio.new_session(owner=ident.owner).id
        return ident

    def refused(self, ident: Identity, message: str, **changes: Any) -> dict:
        """A user mistake: a toast and a line under the chat; the page keeps its content (gr.Error
        would paint every output red). Events that own the input box give it back in `changes`."""
        gr.Warning(message)
        return self.show(ident, notice=f"⚠ {message}", **changes)

    # ------------------------------------------------------------------ events
    def load(self, state):
        return self.show(self._open(state))

    def send(self, message, state, steps, guidance, edit_guidance, image_guidance, seed, aspect,
             progress=gr.Progress()) -> Iterator:
        """Submit: route + run the turn in a worker thread, streaming step progress and previews."""
        ident = self._open(state)
        message = message or {}
        text = (message.get("text") or "").strip()
        files = message.get("files") or []
        if not text and not files:
            yield self.refused(ident, "Type a message or attach an image.", input=gr.update(interactive=True))
            return
        settings = settings_from_widgets(steps, guidance, edit_guidance, image_guidance, seed, aspect)
        turn = Turn(ident.session, text, attachment=files[0] if files else None, owner=ident.owner, settings=settings)
        # First update: the input is cleared and locked, the user's words appear at once.
        picture = self.picture(ident, notice="Working…")
        picture["chat"] = picture["chat"] + [{"role": "user", "content": text or "(image)"}]
        yield self.out.update(input=gr.update(value=None, interactive=False), **picture)
        yield from self._run_streaming(ident, lambda on_step: self.studio.handle(turn, on_step=on_step), progress)

    def flip(self, state, progress=gr.Progress()) -> Iterator:
        ident = self._open(state)
        yield self.show(ident, notice="Re-running the last turn the other way…", input=gr.update(interactive=False))
        yield from self._run_streaming(
            ident, lambda on_step: self.studio.flip_last(ident.session, owner=ident.owner, on_step=on_step), progress
        )

    def _run_streaming(self, ident: Identity, job, progress) -> Iterator:
        updates: queue.Queue = queue.Queue()
        outcome: dict = {}

        def worker():
            try:
                outcome["result"] = job(updates.put)
            except BaseException as exc:  # noqa: BLE001 - handed to the generator below
                outcome["error"] = exc
            finally:
                updates.put(_DONE)

        # The request's context travels with the job (ZeroGPU's spaces.GPU reads it from there).
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(worker,), daemon=True, name="studio-turn").start()
        try:
            while (item := updates.get()) is not _DONE:
                progress((item.step, item.total), desc="Denoising", unit="steps")
                preview = {} if item.preview is None else {"canvas": item.preview}
                yield self.out.update(progress=present.progress_text(item.step, item.total), **preview)
        except GeneratorExit:  # Stop pressed or the page closed: stop the engine within one step
            self.studio.cancel(ident.session)
            raise
        error = outcome.get("error")
        if isinstance(error, UserError):
            yield self.refused(ident, str(error), input=gr.update(interactive=True))
            return
        if error is not None and not isinstance(error, Cancelled):
            if not isinstance(error, StudioError):
                log.error("turn failed", exc_info=error)
            # A fault, not a mistake: shown as an error, and the page is redrawn first.
            yield self.show(ident, input=gr.update(interactive=True))
            raise gr.Error(f"This turn could not be finished: {error}")
        notice = "Stopped. Nothing was saved." if error is not None else ""
        yield self.show(ident, notice=notice, input=gr.update(value=None, interactive=True))

    def stop(self, state):
        """Stop the session's running job (the engine stops within one step) and give the input back."""
        ident = self._open(state)
        stopped = self.studio.cancel(ident.session)
        return self.show(ident, notice="Stopped. Nothing was saved." if stopped else "", input=gr.update(interactive=True))

    def _head_action(self, state, action) -> dict:
        ident = self._open(state)
        try:
            result = action(ident)
        except UserError as exc:
            return self.refused(ident, str(exc))
        return self.show(ident, notice=result.reply)

    def undo(self, state):
        return self._head_action(state, lambda i: self.studio.undo(i.session, owner=i.owner))

    def redo(self, state):
        return self._head_action(state, lambda i: self.studio.redo(i.session, owner=i.owner))

    def select_version(self, state, evt: gr.SelectData):
        ident = self._open(state)
        versions = self.studio.versions(ident.session, owner=ident.owner)
        if evt.index is None or not 0 <= int(evt.index) < len(versions):
            return self.show(ident)
        number = versions[int(evt.index)].number
        return self._head_action(state, lambda i: self.studio.checkout(i.session, number, owner=i.owner))

    def new_session(self, state):
        ident = Identity.from_state(state, self.public)
        ident.session = self.studio.new_session(owner=ident.owner).id
        return self.show(ident, notice="New session.")

    def switch_session(self, session_id, state):
        ident = Identity.from_state(state, self.public)
        if not session_id or session_id == ident.session:
            return self.show(self._open(state))
        try:
            self.studio.session(session_id, owner=ident.owner)
        except NotFound as exc:
            return self.refused(self._open(state), str(exc))
        ident.session = session_id
        return self.show(ident)

    def rename(self, title, state):
        ident = self._open(state)
        try:
            self.studio.rename_session(ident.session, title, owner=ident.owner)
        except UserError as exc:
            return self.refused(ident, str(exc))
        return self.show(ident, notice="Renamed.")

    def delete(self, state):
        ident = self._open(state)
        self.studio.delete_session(ident.session, owner=ident.owner)
        ident.session = None
        return self.show(self._open(ident.to_state()), notice="Session deleted.")
