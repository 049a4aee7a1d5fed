"""What the learned router sees of a message: hashed word and character n-grams plus rule signals.

Pure Python (no numpy): `features(text)` returns a sorted list of bucket indices in
[0, DIM). The same function serves training and routing, so a model is only valid with the
feature version it was trained with (FEATURE_VERSION, stored beside the weights).

Why these features: character n-grams carry meaning across wordings never seen in training
(inflections, compounds, Chinese without spaces); word n-grams carry phrasing ("go ahead",
"turn the image into"); the first words carry the speech act (an imperative verb, "把", "thanks");
the lexicon's rule signals (an edit verb, a request for a new picture, a question) add the
hand-written knowledge of lexicon.py as evidence the model weighs, rather than as a verdict.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

from . import lexicon as lx
from .reading import edit_signal, strip_interjections, strip_politeness

FEATURE_VERSION = 3
DIM = 1 << 18

_CJK_CHAR = r"\u3400-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK_CHAR}]|[a-z0-9]+(?:'[a-z]+)?|[?？!！]")
_HAS_CJK = re.compile(rf"[{_CJK_CHAR}]")


def _bucket(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) & (DIM - 1)


def clean(text: str) -> str:
    """NFKC, lower case, single spaces: the text every feature is read from."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


# Words that point at a picture already there ("this building", "in the image", "图中"): an
# instruction refers to what is on the canvas, a description of a new scene rarely does.
_DEIXIS = re.compile(
    r"\b(?:this|these|those|current|provided|given|shown|original)\b|"
    r"\b(?:the|this|my) (?:image|picture|photo|pic|scene|graph|drawing)\b|\bin the (?:image|picture|photo)\b|"
    r"这张|这幅|这个|这些|图中|图里|图片|照片|画面|当前|原图|上图"
)


# A first sentence that presents a picture as given ("This is a maze, where ...", "Below is a panel
# with 16 dice faces", "In the current graph, ..."): what follows is usually a task on that picture.
_PRESENTS = re.compile(
    r"^(?:this|here|below|above|the following)\s+(?:is|are|shows?)\b|"
    r"^(?:in|on)\s+(?:this|the current|the given|the provided|the)\s+(?:image|picture|photo|graph|diagram|"
    r"figure|panel|grid|board|map|chart|drawing)\b|^(?:这是|这里是|下面是|下图|上图|图中|在这张|在图)"
)
_SENTENCE_END = re.compile(r"(?<=[.!?;。！？；])\s*")


def _later_sentences(core: str) -> tuple[bool, list[str]]:
    """Whether the first sentence presents a picture, and the sentences after the first.

    Instructions often come after context ("This is a maze ... Draw the path from the red dot to
    the green dot."); a description of a new scene goes on describing. So the opening word of every
    later sentence, and whether one of them is an instruction, are features of their own."""
    parts = [p.strip() for p in _SENTENCE_END.split(core) if p.strip(" .!?;。！？；")]
    return (bool(parts) and bool(_PRESENTS.match(parts[0]))), parts[1:]


def _core(text: str) -> tuple[str, list[str]]:
    """The request without leading interjections and politeness, and the interjections' kinds."""
    rest, kinds = strip_interjections(text)
    return strip_politeness(rest), kinds


def _signals(core: str, kinds: list[str]) -> list[str]:
    """Rule evidence from the lexicon, as named binary features."""
    out = [f"s:interj:{k}" for k in kinds]
    if not core:
        out.append("s:empty-core")
        return out
    if edit_signal(core):
        out.append("s:edit-signal")
    if lx.EN_CREATE.match(core) or lx.ZH_CREATE.match(core) or lx.EN_NEW_IMAGE.match(core) or lx.ZH_NEW_IMAGE.match(core):
        out.append("s:create")
    if lx.EN_CREATE_ON_CANVAS.match(core) or lx.ZH_CREATE_ON_CANVAS.match(core):
        out.append("s:create-on-canvas")
    if lx.EN_WH_QUESTION.match(core) or lx.EN_QUESTION_START.match(core) or lx.ZH_QUESTION.search(core):
        out.append("s:question")
    if lx.HELP.match(core):
        out.append("s:help")
    if _DEIXIS.search(core):
        out.append("s:deixis")
    presents, later = _later_sentences(core)
    if presents:
        out.append("s:presents")
    if any(_is_instruction(sentence) for sentence in later):
        out.append("s:later-instruction")
    return out


def _is_instruction(sentence: str) -> bool:
    """An instruction sentence: an edit verb, or a verb of drawing ("Draw your solution.")."""
    sentence = strip_politeness(sentence)
    return bool(sentence) and bool(edit_signal(sentence) or lx.EN_CREATE.match(sentence) or lx.ZH_CREATE.match(sentence)
                                   or lx.ZH_CREATE_ON_CANVAS.match(sentence))


def task_on_a_given_picture(core: str) -> bool:
    """A first sentence that presents a picture ("This is a maze ...", "下面是一个棋盘") and a later
    instruction on it: a task on the canvas, however long the description before it."""
    presents, later = _later_sentences(clean(core))
    return presents and any(_is_instruction(sentence) for sentence in later)


def feature_names(text: str) -> list[str]:
    """The named features of one message (for inspection and tests; `features` hashes them).

    The n-grams are read from the request itself ("thanks! could you make it blue?" -> "make it
    blue"); what was dropped in front and behind survives as signals (s:interj:thanks)."""
    core, kinds = _core(clean(text))
    text = core or clean(text)
    tokens = _TOKEN.findall(text)
    names = ["bias"]
    n = len(tokens)
    # Coarse on purpose: exact lengths let the model learn "eight words is a prompt".
    length = f"len:{'1-2' if n <= 2 else ('3-5' if n <= 5 else ('6-15' if n <= 15 else ('16-30' if n <= 30 else '31+')))}"
    names.append(length)
    names.append("lang:zh" if _HAS_CJK.search(text) else "lang:en")
    if text.endswith(("?", "？")):
        names.append("ends:?")
    padded = ["<s>", *tokens, "</s>"]
    for tok in tokens:
        names.append(f"w:{tok}")
    for a, b in zip(padded, padded[1:], strict=False):
        names.append(f"w2:{a} {b}")
    for a, b, c in zip(padded, padded[1:], padded[2:], strict=False):
        names.append(f"w3:{a} {b} {c}")
    if tokens:
        names.append(f"first:{tokens[0]}")
        names.append(f"first2:{' '.join(tokens[:2])}")
        names.append(f"last:{tokens[-1]}")
        # The opening word's weight may depend on length: a long message that opens with "add"
        # is still an instruction, even though most long messages are scene descriptions.
        names.append(f"first:{tokens[0]}|{length}")
    # Character n-grams inside Latin words (with word boundaries) and over runs of Chinese.
    for word in re.findall(r"[a-z]+", text):
        w = f" {word} "
        for size in (3, 4, 5):
            for i in range(len(w) - size + 1):
                names.append(f"c{size}:{w[i:i + size]}")
    for run in re.findall(rf"[{_CJK_CHAR}]+", text):
        r = f"^{run}$"
        for size in (2, 3, 4):
            for i in range(len(r) - size + 1):
                names.append(f"z{size}:{r[i:i + size]}")
    for sentence in _later_sentences(text)[1]:
        first = _TOKEN.findall(strip_politeness(sentence))
        if first:
            names.append(f"sfirst:{first[0]}")
    signals = _signals(core, kinds)
    names.extend(signals)
    names.extend(f"{sig}|{length}" for sig in signals)
    return names


def features(text: str) -> list[int]:
    """Sorted, de-duplicated bucket indices of `text`'s features."""
    return sorted({_bucket(name) for name in feature_names(text)})
