"""What one chat message asks for: rules for explicit commands, a classifier for the open decision.

1. An attachment makes an upload (the message, cleaned, is the instruction for it).
2. Greetings, thanks and praise alone, help, questions and "start over": conversation (CHAT).
3. Politeness and framing are dropped ("can you", "please", "请", "帮我", trailing "?" and "吧").
4. Whole-message commands: checkout of a version, undo, redo (with counts), another take (variation);
   also a command after talk ("that's worse, go back").
5. Otherwise the intent model (model.py) decides between a new image, an edit of the canvas and
   conversation (thanks, negative feedback, a question), with its probability as the confidence.
   An edit instruction with no canvas is answered, not drawn (CHAT, chat=NO_CANVAS).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..domain import ChatKind, Decision, Route
from . import canvas
from . import lexicon as lx
from .features import task_on_a_given_picture
from .model import EDIT, GENERATE, HELP, NEGATIVE, SOCIAL, default_model
from .numbers import parse_en, parse_number, parse_zh
from .reading import CJK, TRIM, edit_signal, normalize, quote, strip_interjections, strip_politeness

CHAT_INTENTS = (SOCIAL, NEGATIVE, HELP)
_KIND = {SOCIAL: ChatKind.SOCIAL, NEGATIVE: ChatKind.NEGATIVE, HELP: ChatKind.HELP}
def _question(text: str, asked: bool = False) -> str | None:
    """Why `text` is small talk for the chat (help, a question), or None when it is a request.

    asked: the message ended with a question mark (trimmed from `text` by then).
    """
    if lx.HELP.match(text):
        return "asks for help"
    if CJK.search(text):
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
            return Decision(Route.UNDO, "", None, f"undo x{count} ('{quote(core)}')", count=count)
        if lx.REDO.match(rest):
            return Decision(Route.REDO, "", None, f"redo x{count} ('{quote(core)}')", count=count)
    return None


def _history(core: str) -> Decision | None:
    """Whole-message commands on the version history."""
    repeated = _repeated(core)
    if repeated is not None:
        return repeated
    target = _checkout_target(core)
    if target is not None:
        return Decision(Route.CHECKOUT, "", target, f"checkout of version {target} ('{quote(core)}')")
    if lx.UNDO.match(core):
        return Decision(Route.UNDO, "", None, f"undo ('{quote(core)}')")
    if lx.REDO.match(core):
        return Decision(Route.REDO, "", None, f"redo ('{quote(core)}')")
    if lx.VARIATION.match(core):
        return Decision(Route.VARIATION, "", None, f"same request, new seed ('{quote(core)}')")
    return None


def _strip_new_image(text: str) -> tuple[str, str | None]:
    """Drop "new image:", "draw me", "画一张" ...; return (rest, the word that asked). "draw a
    mustache on him" keeps its verb: it draws on the current picture."""
    asked = None
    m = lx.EN_NEW_IMAGE.match(text) or lx.ZH_NEW_IMAGE.match(text)
    if m and m.end() > 0:
        asked = "new image"
        text = text[m.end() :].lstrip(TRIM)
    if lx.EN_CREATE_ON_CANVAS.match(text) or lx.ZH_CREATE_ON_CANVAS.match(text):
        return text, asked
    m = lx.EN_CREATE.match(text) or lx.ZH_CREATE.match(text)
    if m and m.end() > 0:
        asked = asked or m.group(0).strip(TRIM).split()[0].lower()
        text = text[m.end() :].lstrip(TRIM)
        image_of = lx.EN_IMAGE_OF.match(text)
        if image_of:
            text = text[image_of.end() :]
    return text.strip(TRIM), asked


def _upload(text: str) -> Decision:
    rest, _ = strip_interjections(text)
    core = strip_politeness(rest)
    m = lx.UPLOAD_FRAMING.match(core)
    if m and m.end() > 0:
        core = strip_politeness(core[m.end() :].strip(TRIM))
    if core and _question(rest, asked=text.rstrip(TRIM.replace("?", "")).endswith("?")):
        core = ""
    if not core:
        return Decision(Route.UPLOAD, "", None, "attached image becomes a new root")
    return Decision(Route.UPLOAD, core, None, "attached image becomes a new root, then the message edits it")


# Above this probability gap between new image and edit the classifier's choice is taken as sure;
# below it the studio's reply says which one it assumed (the flip button gives the other).
CLOSE_CALL = 0.3
_CLAUSE = re.compile(r"[,.;!?，。；！？]+\s*|\s+(?:and|so|then|just)\s+|然后|就")


def _chat(text: str, kind: ChatKind, why: str, **extra) -> Decision:
    return Decision(Route.CHAT, text, None, why, chat=kind, **extra)


def _interjection_chat(original: str, kinds: list[str]) -> Decision:
    if "negative feedback" in kinds:
        return _chat(original, ChatKind.NEGATIVE, "negative feedback")
    return _chat(original, ChatKind.SOCIAL, kinds[0] if kinds else "nothing to draw")


def _history_after_talk(core: str, model) -> Decision | None:
    """ "that's worse, go back", "不好看，撤销": a history command after clauses that are only talk."""
    clauses = [c for c in _CLAUSE.split(core) if c and c.strip(TRIM)]
    if len(clauses) < 2:
        return None
    command = _history(strip_politeness(clauses[-1].strip(TRIM)))
    # Only moves on the history: "thanks, again!" is thanks, not a request for another picture.
    if command is None or command.route is Route.VARIATION:
        return None
    for clause in clauses[:-1]:
        rest, _ = strip_interjections(clause.strip(TRIM))
        if rest and model.score(clause).best in (GENERATE, EDIT):
            return None
    return replace(command, reason=f"{command.reason} after talk")


def _classified(norm: str, core: str, has_canvas: bool, previous: Route | None, model,
                after_talk: bool = False) -> Decision:
    """The open decision: new image, edit of the canvas, or conversation (and which kind)."""
    scores = model.score(norm)
    chat_p = sum(scores[i] for i in CHAT_INTENTS)
    gen_p, edit_p = scores[GENERATE], scores[EDIT]
    if has_canvas and task_on_a_given_picture(core):
        return Decision(Route.EDIT, core, None, "a task on the picture it describes", by="rules",
                        confidence=gen_p + edit_p)
    if canvas.never_conversation(core, after_talk, has_canvas):
        chat_p = 0.0  # the choice is between the two picture routes
    if chat_p >= max(gen_p, edit_p):
        kind = max(CHAT_INTENTS, key=scores.__getitem__)
        return _chat(norm, _KIND[kind], f"conversation ({kind})", confidence=chat_p, by="classifier")
    picture = edit_p >= gen_p and not canvas.draws_a_new_subject(core)
    # After an edit or an upload, a close call between the two is an edit of that canvas.
    if has_canvas and not picture and previous in (Route.EDIT, Route.UPLOAD) and gen_p - edit_p < CLOSE_CALL / 2:
        picture = True
    if not has_canvas and not picture and canvas.refers_to_the_canvas(core):
        # "turn the people in my photo into chibi figures" with nothing to edit: answered, not drawn
        return _chat(core, ChatKind.NO_CANVAS, "points at a picture but no canvas yet: nothing to edit",
                     confidence=gen_p + edit_p, by="rules")
    if has_canvas and not picture:
        why = canvas.edit_of_the_canvas(core, after_talk)
        if why:
            return Decision(Route.EDIT, core, None, why, confidence=gen_p + edit_p, by="rules")
    if picture:
        signal = edit_signal(core) or "an instruction"
        if not has_canvas:
            return _chat(core, ChatKind.NO_CANVAS, f"{signal} but no canvas yet: nothing to edit",
                         confidence=edit_p, by="classifier")
        return Decision(Route.EDIT, core, None, f"{signal} with a canvas", confidence=edit_p, by="classifier")
    text, asked = _strip_new_image(core)
    why = f"asks for a new image ('{asked}')" if asked else "describes a new scene"
    return Decision(Route.GENERATE, text or core, None, why, confidence=gen_p, by="classifier")


def route(text: str, *, has_canvas: bool, has_attachment: bool = False, previous: Route | None = None,
          model=None) -> Decision:
    """Decide what one chat message asks for.

    has_canvas: the session has a current image (a head version) to edit.
    has_attachment: the message comes with an image; it always becomes a new root (UPLOAD), and the
    cleaned message is the instruction applied to it in the same turn ("" for none).
    previous: the route of the session's previous turn, if known (a close call after an edit or an upload
    is an edit).
    model: the intent model (default: the shipped one, assets/router/router.npz).

    Rules decide explicit commands (undo / redo with counts, checkout, variation, upload, help,
    start over) with confidence 1 and by="rules"; the classifier decides the rest (new image, edit,
    or conversation) with its probability as confidence and by="classifier".
    The returned Decision's text is the cleaned prompt / instruction (CHAT: the message as typed,
    except NO_CANVAS: the cleaned instruction; UNDO / REDO / CHECKOUT / VARIATION: ""), target the
    version number of a CHECKOUT, chat the kind of conversation of a CHAT.
    An edit instruction with no canvas is CHAT with chat=NO_CANVAS: the studio answers that there is
    no picture yet and draws nothing.
    """
    original = " ".join((text or "").split())
    norm = normalize(text)
    if has_attachment:
        return _upload(norm)
    if not norm.strip(TRIM):
        if "?" in norm:
            return _chat(original, ChatKind.HELP, "asks for help")
        return _chat(original, ChatKind.UNCLEAR, "empty message")
    rest, kinds = strip_interjections(norm)
    if not rest:
        return _interjection_chat(original, kinds)
    if lx.START_OVER.match(rest):
        return _chat(original, ChatKind.START_OVER, "asks to start over: the New session button does that")
    why = _question(rest, asked=norm.rstrip(TRIM.replace("?", "")).endswith("?"))
    if why and lx.ASKS_HOW_IT_WOULD_LOOK.search(rest):  # "what would this look like in winter?"
        if not has_canvas:
            return _chat(strip_politeness(rest), ChatKind.NO_CANVAS, "asks how a picture would look, but no canvas yet")
        why = None  # a request on the canvas
    if why:
        return _chat(original, ChatKind.HELP, why)
    core = strip_politeness(rest)
    if not core:
        return _chat(original, ChatKind.SOCIAL, "only politeness, nothing to draw")
    decision = _history(core)
    if decision is not None:
        return decision
    if lx.MENTIONS_VERSION.search(core):
        return _chat(original, ChatKind.UNCLEAR, "talks about versions but names no checkout")
    text_only, asked = _strip_new_image(core)
    if asked and not text_only:
        return _chat(original, ChatKind.UNCLEAR, f"asks for a new image ('{asked}') without saying of what")
    model = model or default_model()
    decision = _history_after_talk(core, model)
    if decision is not None:
        return decision
    decision = _classified(norm, core, has_canvas, previous, model, after_talk=bool(kinds))
    if decision.route is Route.CHAT and decision.chat is not ChatKind.NO_CANVAS:
        decision = replace(decision, text=original)
    return decision


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
