"""What one chat message asks for: the rules, in the order they are tried.

1. An attachment makes an upload (the message, cleaned, is the instruction for it).
2. Greetings, thanks and praise alone, help and questions: chat.
3. Politeness and framing are dropped ("can you", "please", "请", "帮我", trailing "?" and "吧").
4. Whole-message commands: checkout of a version, undo, redo, another take (variation).
5. Otherwise a picture: asking for a new one ("draw", "new image:", "画一张") generates; an instruction
   ("make ...", "add ...", "把...换成...") edits when there is a canvas and generates when there is not;
   anything else describes a new scene and generates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from ..domain import Decision, Route
from . import lexicon as lx
from .numbers import parse_en, parse_number, parse_zh

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Brackets are content ("a cat (cute)"), so only these are trimmed from the ends.
_TRIM = " \t\n.,!?;:~…。，、！？；：～·\"'“”‘’-–—"


def normalize(text: str) -> str:
    """NFKC (full-width "？，３" become "?,3") and single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _quote(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def strip_interjections(text: str) -> tuple[str, list[str]]:
    """Drop leading greetings / thanks / praise; return the rest and the kinds that were dropped."""
    kinds: list[str] = []
    while True:
        for rx in (lx.INTERJECTION_EN_LOOSE, lx.INTERJECTION_EN, lx.INTERJECTION_ZH):
            m = rx.match(text)
            if m and m.end() > 0:
                word = next(g for g in m.groups() if g).lower()
                kinds.append(lx.INTERJECTION_KIND.get(word, "acknowledgement"))
                text = text[m.end() :].lstrip(_TRIM)
                break
        else:
            return text.strip(_TRIM), kinds


def strip_politeness(text: str) -> str:
    """Drop politeness from both ends: "could you please make it blue?" -> "make it blue"."""
    while True:
        before = text
        for rx in (lx.EN_POLITE_PREFIX, lx.ZH_POLITE_PREFIX):
            m = rx.match(text)
            if m and m.end() > 0:
                text = text[m.end() :].lstrip(_TRIM)
        text = text.rstrip(_TRIM)
        text = lx.EN_POLITE_SUFFIX.sub("", text).rstrip(_TRIM)
        if _CJK.search(text):
            text = lx.ZH_POLITE_SUFFIX.sub("", text).rstrip(_TRIM)
        if text == before:
            return text


def _question(text: str, asked: bool = False) -> str | None:
    """Why `text` is small talk for the chat (help, a question), or None when it is a request.

    asked: the message ended with a question mark (trimmed from `text` by then).
    """
    if lx.HELP.match(text):
        return "asks for help"
    if _CJK.search(text):
        if (asked or lx.ZH_QUESTION.search(text)) and not lx.ZH_REQUEST_HINT.search(text):
            return "a question, answered in text"
        return None
    if lx.EN_EXCLAMATION.match(text):
        return None
    if lx.EN_WH_QUESTION.match(text) or ((asked or text.endswith("?")) and lx.EN_QUESTION_START.match(text)):
        return "a question, answered in text"
    return None


def _checkout_target(text: str) -> int | None:
    for rx in (lx.CHECKOUT_EN, lx.CHECKOUT_EN_BARE, lx.CHECKOUT_ZH, lx.CHECKOUT_ZH_BARE):
        m = rx.match(text)
        if m:
            for name, value in m.groupdict().items():
                if value:
                    parse = parse_zh if name.startswith("zh") else parse_en
                    number = parse(value)
                    return number if number is not None else parse_number(value)
    if lx.CHECKOUT_EN_ORIGINAL.match(text) or lx.CHECKOUT_ZH_ORIGINAL.match(text):
        return 1
    return None


MAX_REPEAT = 100  # "undo 1000 times" walks back at most this far (the store stops at the root anyway)


def _repeated(core: str) -> Decision | None:
    """An undo/redo with a repeat count: "undo twice", "go back 3 steps", "撤销两次"; None otherwise."""
    for rx in (lx.REPEAT_EN, lx.REPEAT_EN_LAST, lx.REPEAT_ZH):
        m = rx.match(core)
        if not m:
            continue
        word = m.groupdict().get("word")
        count = {"twice": 2, "thrice": 3}[word.lower()] if word else parse_number(m.group("n"))
        rest = m.group("rest").strip(" ,，")
        if not count or count < 1:
            continue
        count = min(count, MAX_REPEAT)
        if lx.UNDO.match(rest):
            return Decision(Route.UNDO, "", None, f"undo x{count} ('{_quote(core)}')", count=count)
        if lx.REDO.match(rest):
            return Decision(Route.REDO, "", None, f"redo x{count} ('{_quote(core)}')", count=count)
    return None


def _history(core: str) -> Decision | None:
    """Whole-message commands on the version history."""
    repeated = _repeated(core)
    if repeated is not None:
        return repeated
    target = _checkout_target(core)
    if target is not None:
        return Decision(Route.CHECKOUT, "", target, f"checkout of version {target} ('{_quote(core)}')")
    if lx.UNDO.match(core):
        return Decision(Route.UNDO, "", None, f"undo ('{_quote(core)}')")
    if lx.REDO.match(core):
        return Decision(Route.REDO, "", None, f"redo ('{_quote(core)}')")
    if lx.VARIATION.match(core):
        return Decision(Route.VARIATION, "", None, f"same request, new seed ('{_quote(core)}')")
    return None


def edit_signal(text: str) -> str | None:
    """A short description of what makes `text` an instruction on the current picture, or None."""
    if _CJK.search(text):
        m = lx.ZH_EDIT_VERB.search(text)
        if m:
            return f"instruction verb '{m.group(1)}'"
        if lx.ZH_EDIT_PHRASE.search(text):
            return f"instruction '{_quote(text, 10)}'"
    m = lx.EN_EDIT_VERB.match(text)
    if m:
        return f"instruction verb '{m.group(1).lower()}'"
    if lx.EN_COLOR_ONLY.match(text):
        return "a colour for the picture"
    m = lx.EN_EDIT_PHRASE.search(text)
    if m:
        return f"edit phrase '{_quote(m.group(0).strip().lower(), 20)}'"
    return None


def _strip_new_image(text: str) -> tuple[str, str | None, bool]:
    """Drop "new image:", "draw me", "画一张" ...; return (rest, the word that asked, draws on canvas)."""
    asked = None
    m = lx.EN_NEW_IMAGE.match(text) or lx.ZH_NEW_IMAGE.match(text)
    if m and m.end() > 0:
        asked = "new image"
        text = text[m.end() :].lstrip(_TRIM)
    if lx.EN_CREATE_ON_CANVAS.match(text) or lx.ZH_CREATE_ON_CANVAS.match(text):
        return text, asked, asked is None
    m = lx.EN_CREATE.match(text) or lx.ZH_CREATE.match(text)
    if m and m.end() > 0:
        asked = asked or m.group(0).strip(_TRIM).split()[0].lower()
        text = text[m.end() :].lstrip(_TRIM)
        image_of = lx.EN_IMAGE_OF.match(text)
        if image_of:
            text = text[image_of.end() :]
    return text.strip(_TRIM), asked, False


def _picture(core: str, has_canvas: bool) -> Decision:
    """Generate or edit, once every other route is ruled out."""
    text, asked, on_canvas = _strip_new_image(core)
    if asked:
        if not text:
            return Decision(
                Route.CHAT, core, None, f"asks for a new image ('{asked}') without saying of what"
            )
        return Decision(Route.GENERATE, text, None, f"asks for a new image ('{asked}')")
    why = "draws on the current picture" if on_canvas else edit_signal(text)
    if why is None:
        return Decision(Route.GENERATE, text, None, "describes a new scene")
    if has_canvas:
        return Decision(Route.EDIT, text, None, f"{why} with a canvas")
    return Decision(Route.GENERATE, text, None, f"{why} but no canvas yet: new image")


def _upload(text: str) -> Decision:
    rest, _ = strip_interjections(text)
    core = strip_politeness(rest)
    m = lx.UPLOAD_FRAMING.match(core)
    if m and m.end() > 0:
        core = strip_politeness(core[m.end() :].strip(_TRIM))
    if core and _question(rest, asked=text.rstrip(_TRIM.replace("?", "")).endswith("?")):
        core = ""
    if not core:
        return Decision(Route.UPLOAD, "", None, "attached image becomes a new root")
    return Decision(Route.UPLOAD, core, None, "attached image becomes a new root, then the message edits it")


def route(text: str, *, has_canvas: bool, has_attachment: bool = False) -> Decision:
    """Decide what one chat message asks for.

    has_canvas: the session has a current image (a head version) to edit.
    has_attachment: the message comes with an image; it always becomes a new root (UPLOAD), and the
    cleaned message is the instruction applied to it in the same turn ("" for none).
    The returned Decision's text is the cleaned prompt / instruction (CHAT: the message as typed;
    UNDO / REDO / CHECKOUT / VARIATION: ""), target the version number of a CHECKOUT.
    """
    original = " ".join((text or "").split())
    norm = normalize(text)
    if has_attachment:
        return _upload(norm)
    if not norm.strip(_TRIM):
        return Decision(Route.CHAT, original, None, "asks for help" if "?" in norm else "empty message")
    rest, kinds = strip_interjections(norm)
    if not rest:
        return Decision(Route.CHAT, original, None, kinds[0] if kinds else "nothing to draw")
    if lx.START_OVER.match(rest):
        return Decision(Route.CHAT, original, None, "asks to start over: the New session button does that")
    why = _question(rest, asked=norm.rstrip(_TRIM.replace("?", "")).endswith("?"))
    if why:
        return Decision(Route.CHAT, original, None, why)
    core = strip_politeness(rest)
    if not core:
        return Decision(Route.CHAT, original, None, "only politeness, nothing to draw")
    decision = _history(core)
    if decision is None and lx.MENTIONS_VERSION.search(core):
        decision = Decision(Route.CHAT, core, None, "talks about versions but names no checkout")
    decision = decision or _picture(core, has_canvas)
    return replace(decision, text=original) if decision.route is Route.CHAT else decision


def flipped(decision: Decision, *, has_canvas: bool = True) -> Decision | None:
    """The same turn routed the other way: generate <-> edit, same text.

    Used by the UI's one-click "flip and re-run". None for every other route, for an empty text, and
    for generate -> edit when there was no canvas to edit (has_canvas=False).
    """
    if not decision.text:
        return None
    if decision.route is Route.GENERATE and has_canvas:
        return Decision(Route.EDIT, decision.text, None, "flipped: edit the canvas instead of a new image")
    if decision.route is Route.EDIT:
        return Decision(Route.GENERATE, decision.text, None, "flipped: new image instead of an edit")
    return None
