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
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..domain import Cancelled, NotFound, StudioError, UserError
from ..studio import GenSettings, Studio, Turn
from . import present
from .outputs import Outputs
from .thumbs import file_url, thumbnail
from .tree import tree_svg

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


def painted_region(editor_value) -> Any:
    """The mask painted in the region editor (an RGBA layer whose alpha marks the region), or None
    when nothing was painted."""
    if not isinstance(editor_value, dict):
        return None
    layers = [layer for layer in editor_value.get("layers") or [] if layer is not None]
    masks = [layer.getchannel("A") for layer in layers if getattr(layer, "mode", "") == "RGBA"]
    masks = [m for m in masks if m.getbbox() is not None]
    if not masks:
        return None
    from PIL import ImageChops

    mask = masks[0]
    for other in masks[1:]:
        mask = ImageChops.lighter(mask, other.resize(mask.size))
    return mask


def settings_from_widgets(steps, guidance, edit_guidance, image_guidance, seed, aspect, options=1) -> GenSettings:
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
        options=max(1, int(options or 1)),
    )


class Handlers:
    """The page's events. Each returns `self.out.update(...)`; events wired with `out.picture()`
    as outputs never name `input`."""

    def __init__(self, studio: Studio, public: bool, out: Outputs, thumbs_dir: Path | None = None):
        self.studio = studio
        self.public = public
        self.out = out
        self.thumbs_dir = thumbs_dir

    # ------------------------------------------------------------------ pictures
    def picture(self, ident: Identity, *, notice: str = "") -> dict[str, Any]:
        """The session as the page draws it, by output name (every output but `input`)."""
        view = self.studio.view(ident.session, owner=ident.owner)
        # Every new visit opens a session; untouched, untitled ones are not worth listing.
        sessions = [s for s in self.studio.sessions(owner=ident.owner) if s.head or s.title or s.id == ident.session]
        head = view.head
        options = view.options_of_head()
        return {
            "chat": present.chat_messages(view.messages, view.versions),
            "canvas": head.image_path if head else None,
            "versions": present.gallery_items(view.versions, head),
            "tree": tree_svg(view.versions, head.number if head else None, view.redo_path, self._thumb_url),
            "sessions": gr.update(choices=present.session_choices(sessions), value=view.session.id),
            "progress": notice,
            "state": ident.to_state(),
            "compare": present.before_after(view.versions, head),
            "options": gr.update(value=present.gallery_items(options, head), visible=bool(options)),
            "region": {"background": head.image_path, "layers": [], "composite": None} if head else None,
        }

    def _thumb_url(self, version) -> str:
        if self.thumbs_dir is None:
            return file_url(version.image_path)
        return file_url(thumbnail(version.image_path, version.image_sha256, self.thumbs_dir))

    def _locked(self, locked: bool) -> dict[str, Any]:
        """Buttons that cannot act while a turn runs are locked with the input (and given back after)."""
        return {name: gr.update(interactive=not locked) for name in ("undo", "redo", "flip")}

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

    def send(self, message, state, steps, guidance, edit_guidance, image_guidance, seed, aspect, options=1,
             region=None, progress=gr.Progress()) -> Iterator:
        """Submit: route + run the turn in a worker thread, streaming step progress and previews."""
        ident = self._open(state)
        message = message or {}
        text = (message.get("text") or "").strip()
        files = message.get("files") or []
        if not text and not files:
            yield self.refused(ident, "Type a message or attach an image.", input=gr.update(interactive=True))
            return
        settings = settings_from_widgets(steps, guidance, edit_guidance, image_guidance, seed, aspect, options)
        turn = Turn(ident.session, text, attachment=files[0] if files else None, owner=ident.owner, settings=settings,
                    region=painted_region(region))
        # First update: the input is cleared and locked, the user's words appear at once.
        picture = self.picture(ident, notice="Working…")
        picture["chat"] = picture["chat"] + [{"role": "user", "content": text or "(image)"}]
        del picture["region"]  # the painted region stays until the turn is over
        yield self.out.update(input=gr.update(value=None, interactive=False), **picture, **self._locked(True))
        yield from self._run_streaming(ident, lambda on_step: self.studio.handle(turn, on_step=on_step), progress,
                                       typed=message)

    def flip(self, state, progress=gr.Progress()) -> Iterator:
        ident = self._open(state)
        yield self.show(ident, notice="Re-running the last turn the other way…", input=gr.update(interactive=False),
                        **self._locked(True))
        yield from self._run_streaming(
            ident, lambda on_step: self.studio.flip_last(ident.session, owner=ident.owner, on_step=on_step), progress
        )

    def _run_streaming(self, ident: Identity, job, progress, typed: Any = None) -> Iterator:
        """Run `job` in a worker thread, streaming its steps; at the end the page is redrawn and the
        input and buttons given back. `typed`: the message sent, put back in the input if refused."""
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
        unlocked = self._locked(False)
        if isinstance(error, UserError):  # the refusal is in the chat; the words typed come back
            yield self.refused(ident, str(error), input=gr.update(value=typed, interactive=True), **unlocked)
            return
        if error is not None and not isinstance(error, Cancelled):
            if not isinstance(error, StudioError):
                log.error("turn failed", exc_info=error)
            # A fault, not a mistake: shown as an error, and the page is redrawn first.
            yield self.show(ident, input=gr.update(value=typed, interactive=True), **unlocked)
            raise gr.Error(f"This turn could not be finished: {error}")
        notice = "Stopped. Nothing was saved." if error is not None else ""
        yield self.show(ident, notice=notice, input=gr.update(value=None, interactive=True), **unlocked)

    def stop(self, state):
        """Stop the session's running job (the engine stops within one step) and give the input back."""
        ident = self._open(state)
        stopped = self.studio.cancel(ident.session)
        return self.show(ident, notice="Stopped. Nothing was saved." if stopped else "", input=gr.update(interactive=True),
                         **self._locked(False))

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

    def select_number(self, state, evt: gr.SelectData):
        """A click on a node of the drawn tree: its index is the version number."""
        try:
            number = int(evt.index)
        except (TypeError, ValueError):
            return self.show(self._open(state))
        return self._head_action(state, lambda i: self.studio.checkout(i.session, number, owner=i.owner))

    def select_option(self, state, evt: gr.SelectData):
        """A click on one of the head turn's candidates: continue from it."""
        ident = self._open(state)
        options = self.studio.view(ident.session, owner=ident.owner).options_of_head()
        if evt.index is None or not 0 <= int(evt.index) < len(options):
            return self.show(ident)
        number = options[int(evt.index)].number
        return self._head_action(state, lambda i: self.studio.checkout(i.session, number, owner=i.owner))

    def downloader(self, what: str):
        """The handler of one download button: the file appears in the page's download box."""

        def download(state):
            ident = self._open(state)
            try:
                path = self.studio.export(ident.session, Path(tempfile.mkdtemp(prefix="hidream-download-")), what,
                                          owner=ident.owner)
            except UserError as exc:
                gr.Warning(str(exc))
                return None, f"⚠ {exc}"
            return str(path), f"Ready: {path.name}"

        download.__name__ = f"download_{what}"
        return download

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
