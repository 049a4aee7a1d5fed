"""Reading a message: normalisation, the interjections and politeness around a request, and the
lexicon's signal that it is an instruction. Shared by the rules (core.py) and the intent model's
features (features.py); pure functions over strings.
"""

from __future__ import annotations

import re
import unicodedata

from . import lexicon as lx

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Brackets are content ("a cat (cute)"), so only these are trimmed from the ends.
TRIM = " \t\n.,!?;:~…。，、！？；：～·\"'“”‘’-–—"


def normalize(text: str) -> str:
    """NFKC (full-width "？，３" become "?,3") and single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def quote(text: str, limit: int = 24) -> str:
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
                text = text[m.end() :].lstrip(TRIM)
                break
        else:
            return text.strip(TRIM), kinds


def strip_politeness(text: str) -> str:
    """Drop politeness from both ends: "could you please make it blue?" -> "make it blue"."""
    while True:
        before = text
        for rx in (lx.EN_POLITE_PREFIX, lx.ZH_POLITE_PREFIX):
            m = rx.match(text)
            if m and m.end() > 0:
                text = text[m.end() :].lstrip(TRIM)
        text = text.rstrip(TRIM)
        text = lx.EN_POLITE_SUFFIX.sub("", text).rstrip(TRIM)
        if CJK.search(text):
            text = lx.ZH_POLITE_SUFFIX.sub("", text).rstrip(TRIM)
        if text == before:
            return text


def edit_signal(text: str) -> str | None:
    """A short description of what makes `text` an instruction on the current picture, or None."""
    if CJK.search(text):
        m = lx.ZH_EDIT_VERB.search(text)
        if m:
            return f"instruction verb '{m.group(1)}'"
        if lx.ZH_EDIT_PHRASE.search(text):
            return f"instruction '{quote(text, 10)}'"
    m = lx.EN_EDIT_VERB.match(text)
    if m:
        return f"instruction verb '{m.group(1).lower()}'"
    if lx.EN_COLOR_ONLY.match(text):
        return "a colour for the picture"
    m = lx.EN_EDIT_PHRASE.search(text)
    if m:
        return f"edit phrase '{quote(m.group(0).strip().lower(), 20)}'"
    return None
