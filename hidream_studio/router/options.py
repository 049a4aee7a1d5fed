"""How many candidates a message asks for: "give me 4 options", "three more", "再来三张", "画4张猫".

    split_options("a cat, 4 options")   -> (4, "a cat")
    split_options("再来三张")             -> (3, "")      nothing left: more of the current picture
    split_options("a cat with 4 legs")   -> (1, "a cat with 4 legs")

Only explicit words count (options, variations, versions, alternatives, candidates, choices, takes,
"N more"; 张 / 个选项 / 个版本 ...), so a number inside a description ("four cats", "三只猫") is left
alone. Counts above MAX_OPTIONS are capped, "a few" / "几张" mean DEFAULT_FEW. Pure, no I/O.
"""

from __future__ import annotations

import re

from ..domain import MAX_OPTIONS
from .numbers import EN_CARDINAL, ZH_NUMBER, parse_en, parse_number, parse_zh

DEFAULT_FEW = 4  # "a few options", "多来几张"

_NOUN = r"(?:options?|variations?|versions?|alternatives?|candidates?|choices|variants?|takes?|images?|pictures?|pics?)"
_FEW = r"(?:a\s+few|several|some|a\s+couple(?:\s+of)?)"
_COUNT = rf"(?P<n>{EN_CARDINAL}|{_FEW})"
# "give me 4 options", "4 more options", "show me three more", "make 4 versions of it"
_EN_WHOLE = re.compile(
    rf"^(?:(?:please\s+)?(?:give|show|make|generate|draw|create|get)(?:\s+me)?\s+|i\s+want\s+|let\s+me\s+see\s+)?"
    rf"{_COUNT}\s+(?:more|other|different|new|alternative)?\s*(?:{_NOUN})?"
    rf"(?:\s+(?:of\s+(?:it|this|that)|to\s+choose\s+from|to\s+pick\s+from|please))*$",
    re.IGNORECASE,
)
# "a cat, 4 options" / "a cat (4 options)" / "4 options of a cat" / "4 options: a cat"
_EN_TAIL = re.compile(rf"^(?P<rest>.+?)[\s,;:(\-–—]+(?:in\s+|as\s+)?{_COUNT}\s+{_NOUN}\)?$", re.IGNORECASE)
_EN_HEAD = re.compile(
    rf"^(?:(?:give|show|make|generate|draw|create)(?:\s+me)?\s+)?{_COUNT}\s+(?:different\s+)?{_NOUN}"
    rf"\s*(?:of|for|:|with)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_ZH_MEASURE = r"(?:张|个选项|个版本|个方案|种|幅|版)"
_ZH_COUNT = rf"(?P<n>{ZH_NUMBER}|几)"
# "再来三张", "给我四个选项", "来4张", "多来几张", "再生成两张"
_ZH_WHOLE = re.compile(rf"^(?:请|麻烦)?(?:再|多)?(?:给我|帮我)?(?:来|出|生成|画|做)?(?:{_ZH_COUNT}){_ZH_MEASURE}(?:吧|看看)?$")
# "画4张猫", "生成三张一只猫的图", "一只猫，来四张"
_ZH_HEAD = re.compile(rf"^(?:请|帮我)?(?:画|生成|来|出)(?:{_ZH_COUNT}){_ZH_MEASURE}(?P<rest>.+)$")
_ZH_TAIL = re.compile(rf"^(?P<rest>.+?)[，,。；;\s]*(?:再|多)?(?:给我)?(?:来|出|生成)?(?:{_ZH_COUNT}){_ZH_MEASURE}$")


def _count(word: str) -> int | None:
    word = word.strip()
    if re.fullmatch(_FEW, word, re.IGNORECASE) or word == "几":
        return DEFAULT_FEW
    value = parse_en(word) if re.fullmatch(EN_CARDINAL, word, re.IGNORECASE) else None
    if value is None:
        value = parse_zh(word) if re.fullmatch(ZH_NUMBER, word) else parse_number(word)
    return value


def split_options(text: str) -> tuple[int, str]:
    """(candidates asked for, the message without the count phrase); (1, text) when none is asked.

    A count of 1 ("give me one more") is left to the router: (1, text)."""
    stripped = text.strip().rstrip(".!?。！？").strip()
    for rx in (_EN_WHOLE, _ZH_WHOLE, _EN_HEAD, _ZH_HEAD, _EN_TAIL, _ZH_TAIL):
        m = rx.match(stripped)
        if not m:
            continue
        count = _count(m.group("n"))
        if not count or count < 2:
            continue
        rest = (m.groupdict().get("rest") or "").strip(" ,，:;：；()（）-")
        return min(count, MAX_OPTIONS), rest
    return 1, text
