"""Rules for a request that points at the picture on the canvas: where the intent model alone would
be swayed by the words of a message, its structure decides between a new image and an edit (and
rules out conversation). Each rule says why in its docstring; `docs/router.md` lists them with the
held-out figures they were measured on.

- never_conversation(): an imperative on the picture ("make it pretty", "crop photo", "take away all
  the people", "draw the front view of this building"), a long description with no word of talk, or
  (with a canvas) what a request does to the things shown is a picture request, even when its words
  are praise or talk;
- edit_of_the_canvas(): with a canvas, a request that points at the picture, opens with an edit verb
  or a physical action, asks to draw what the canvas shows, or acts on what it shows is an edit;
  returns the reason;
- draws_a_new_subject(): a prompt template on a fill-in slot or "将…画出来" of something new is a new
  picture, canvas or not.
"""

from __future__ import annotations

import re

from . import lexicon as lx
from .reading import CJK, edit_signal

# "make it pretty", "turn it darker": an imperative on the picture itself is never conversation, even
# when its words are praise; nor is a message that opens with a verb that only acts on pictures
# ("crop photo", "enlarge this whole photo": lexicon.PICTURE_ONLY_VERBS). Booking-style talk ("make it
# for 4 people", "make it at 7") is left alone.
PICTURE_IMPERATIVE = re.compile(
    r"^(?:make|turn|render|recolou?r|convert|transform)\s+(?:it|this|that|the\s+(?:image|picture|photo))\s+"
    r"(?!for\b|at\b|on\b|to\b|by\b|in\b|a\s+(?:reservation|booking)\b)[a-z]", re.IGNORECASE)


SHORT_WORDS, SHORT_CJK = 20, 40  # a request, not a scene description


def short(text: str) -> bool:
    """At most SHORT_WORDS words and SHORT_CJK Chinese characters."""
    return len(CJK.findall(text)) <= SHORT_CJK and len(text.split()) <= SHORT_WORDS


def first_sentence(core: str) -> str:
    """Up to the first full stop, colon or line break ("Generate a toilet with the following
    JSON profile: {...}" -> "Generate a toilet with the following JSON profile")."""
    return re.split(r"(?<=[.;!?。；！？])\s*|[:：\n]", core, maxsplit=1)[0]


TRIM_STOPS = " .!?;。！？；"


def later_sentences(core: str) -> list[str]:
    """The sentences after the first."""
    return [p.strip() for p in re.split(r"(?<=[.;!?。；！？])\s*", core)[1:] if p.strip(TRIM_STOPS)]


def draws_the_answer(core: str) -> bool:
    """A later sentence asks to draw the answer ("... what would your next move be? Draw it.")."""
    return any(lx.DRAW_THE_ANSWER.match(sentence) for sentence in later_sentences(core))


def refers_to_the_canvas(core: str) -> bool:
    """The request points at a picture already there: it names the picture in a short message, names
    a thing in it ("the object in the image"), a picture the user gives ("my uploaded photo", "原图",
    "图2") or, in its first sentence, a given picture ("Based on the given image", "修复并为这张照片上色")."""
    if (short(core) and lx.NAMES_THE_PICTURE.search(core) and not lx.DESCRIBES_THE_PICTURE.search(core)
            and not lx.ZH_DESCRIBES_THE_PICTURE.match(core)):
        return True
    first = first_sentence(core)
    return bool(lx.REFERS_TO_A_PICTURE.search(core) or lx.GIVEN_PICTURE.search(first)
                or lx.EN_GIVEN_PICTURE_ANYWHERE.search(core) or lx.ZH_GIVEN_PICTURE_ANYWHERE.search(core)
                or lx.ZH_GIVEN_PICTURE.search(first))


def draws_the_canvas(core: str) -> bool:
    """A request to draw / generate whose subject is the picture already there (lexicon.CANVAS_REFERENCE)."""
    m = lx.EN_CREATE.match(core) or lx.ZH_CREATE.match(core)
    if not (m and m.end() > 0):
        return False
    # Only where the request names its subject: the first sentence, its first dozen words (a long
    # description goes on to say "this scene" or "the same colours" of the new picture itself).
    subject = re.split(r"[.;!?。；！？]", core[m.end() :], maxsplit=1)[0]
    subject = subject[:24] if CJK.search(subject) else " ".join(subject.split()[:12])
    return bool(lx.CANVAS_REFERENCE.search(subject))


def opens_with_edit_verb(core: str, after_talk: bool) -> bool:
    """An imperative edit verb opens the request ("modify it into an ECG of atrial fibrillation",
    "align the centers of the two circles"), not a request for a new picture: with a canvas, an edit."""
    if not after_talk and lx.ACTION_VERB.match(core):
        return True
    if not opens_with_instruction(core, after_talk) or acts_on_a_slot(core):
        return False
    create = lx.EN_CREATE.match(core)
    return not (create and create.end() > 0) and lx.EN_EDIT_VERB.match(core).group(1).lower() not in lx.SHOWING_VERBS


SLOT_OBJECT = re.compile(r"^\w+\s+(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,5}?(?:of\s+)?" + lx.SLOT.pattern)


def acts_on_a_slot(core: str) -> bool:
    """The opening verb acts on a fill-in slot of a prompt template ("Transform the {❄️} into a soft
    3D object", "Transform a simple flat vector icon of [🎃] into ..."): a new picture of what the user
    puts there."""
    return bool(SLOT_OBJECT.match(core))


def opens_with_instruction(core: str, after_talk: bool) -> bool:
    """The request opens with an edit verb ("take away all the people", "put a tuxedo on the frog"):
    a picture request, not conversation. Not after an interjection ("yes, make it", "ok, add it to my
    calendar" answer a question), nor with verbs of everyday talk (lexicon.TALK_VERBS)."""
    if after_talk or lx.TALK_IDIOM.match(core):
        return False
    m = lx.EN_EDIT_VERB.match(core)
    if not m or " " not in core.strip():
        return False
    verb = m.group(1).lower()
    return verb not in lx.TALK_VERBS and verb not in lx.EN_AMBIGUOUS_VERBS


def long_description(core: str, after_talk: bool) -> bool:
    """Longer than a request of talk (short()), with no word of talk in it (lexicon.TALK_CUE) and no one
    speaking their mind or asking the studio's ("I was hoping", "do you think", "我觉得":
    lexicon.PERSONAL): a description of a picture. Of the 50 000 conversation turns of the router's
    sources (dialogue logs, chit-chat sets, the project's phrasings) 17 are this long, and each of them
    says thanks or "that's all"; scene descriptions and edit requests often are."""
    return not after_talk and not short(core) and not lx.TALK_CUE.search(core) and not lx.PERSONAL.search(core)


# What a request does to the things shown, as (test on the message and its first sentence, reason,
# never talk): each makes an edit with a canvas (edit_of_the_canvas, in this order), and all but the
# kept part also rule out conversation (acts_on_what_is_there).
_WHAT_IT_DOES = (
    (lambda core, first: lx.PLACES_ON_A_THING.match(first),  # "Place Italy's most famous pasta on the plate"
     "places a thing on one already there", True),
    (lambda core, first: lx.KEEPS_A_PART.search(core),  # "... Keep the pizza clearly showcased"
     "keeps part of the picture on the canvas", False),
    (lambda core, first: lx.DRAWS_LINES_ON.search(first),  # "connect the objects on the left ... using lines"
     "draws lines on the picture on the canvas", True),
    (lambda core, first: lx.LATER_STATE.search(core),  # "Appearance after global warming", "after 2 hours"
     "a later state of what the canvas shows", True),
    (lambda core, first: lx.FITTING_PLACE.search(core) or lx.KEEPS_OR_REMOVES.search(core),  # "at the appropriate location"
     "acts on a place or part of the picture on the canvas", True),
    (lambda core, first: lx.POSITIONS_A_THING.match(core),  # "Center the silver laptop on a white background"
     "moves a thing on the canvas", True),
    (lambda core, first: lx.ASKS_HOW_IT_WOULD_LOOK.search(core),  # "what would this look like in winter"
     "asks how the picture on the canvas would look", True),
    (lambda core, first: lx.COMPARATIVE.match(core),  # "less cluttered"
     "a comparative for the picture on the canvas", True),
)


def acts_on_what_is_there(core: str) -> bool:
    """A physical action, a placement or move, lines drawn, a part kept or removed, a fitting place, a
    later state of what is shown, how it would look, a bare comparative ("ignite this magnesium
    ribbon", "Changes after global warming", "what would this look like in winter", "less cluttered"):
    with a canvas, never conversation."""
    first = first_sentence(core)
    return bool(lx.ACTION_VERB.match(core)) or any(
        test(core, first) for test, _, never_talk in _WHAT_IT_DOES if never_talk)


def never_conversation(core: str, after_talk: bool, has_canvas: bool) -> bool:
    """An imperative on the picture or a long description: the choice is between a new image and an
    edit, never talk."""
    return bool(PICTURE_IMPERATIVE.match(core) or lx.PICTURE_ONLY_VERB.match(core)
                or opens_with_instruction(core, after_talk) or (has_canvas and draws_the_canvas(core))
                or long_description(core, after_talk) or draws_the_answer(core)
                or (has_canvas and acts_on_what_is_there(core)))


def edit_of_the_canvas(core: str, after_talk: bool) -> str | None:
    """Why a request the model took for a new image edits the canvas instead, or None. Called only
    with a canvas."""
    first = first_sentence(core)
    if refers_to_the_canvas(core):  # "heat the corn kernels in the picture", "the object in the image"
        return "points at the picture on the canvas"
    if opens_with_edit_verb(core, after_talk):  # "align the centers of the two circles"
        return f"{edit_signal(core) or 'an action on what it shows'} with a canvas"
    if draws_the_canvas(core):  # "draw the front view of this building"
        return "asks to draw what is on the canvas"
    if draws_the_answer(core):  # "what would your next move be? Draw it."
        return "asks to draw its answer on the canvas"
    for test, reason, _ in _WHAT_IT_DOES:
        if test(core, first):
            return reason
    return None


def draws_a_new_subject(core: str) -> bool:
    """A new picture even with a canvas: "请将杞人忧天的样子画出来" (draw what X looks like, unless X is
    on the canvas) and a prompt template whose verb acts on a fill-in slot ("Transform the {🍩} into a
    plush toy")."""
    if acts_on_a_slot(core):
        return True
    m = lx.ZH_DRAW_OUT.match(core)
    return bool(m) and not refers_to_the_canvas(core) and not lx.CANVAS_REFERENCE.search(m.group("subject"))
