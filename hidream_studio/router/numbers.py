"""Numbers as people type them: "3", "three", "third", "3rd", "三", "第二", "十二", "两".

Pure functions used by the router to read checkout targets ("go back to version two",
"回到第二个版本"). Nothing here knows about routes.
"""

from __future__ import annotations

import re

_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
}  # fmt: skip

_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}

# Regex fragments the router builds its patterns from (longest alternatives first).
_TENS = "|".join(sorted(_EN_TENS, key=len, reverse=True))
_UNITS = "|".join(sorted(_EN_UNITS, key=len, reverse=True))
_ORDS = "|".join(sorted(_EN_ORDINALS, key=len, reverse=True))
EN_CARDINAL = rf"(?:\d+|(?:{_TENS})(?:[\s-](?:{_UNITS}))?|{_UNITS})"
EN_ORDINAL = rf"(?:\d+(?:st|nd|rd|th)|(?:(?:{_TENS})[\s-])?(?:{_ORDS}))"
ZH_NUMBER = r"(?:\d+|[零〇一二两三四五六七八九十百千]+)"


def parse_en(text: str) -> int | None:
    """ "12" / "twelve" / "twenty-one" / "21st" / "second" -> int; None if it is not a number."""
    word = text.strip().lower()
    if not word:
        return None
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)?", word)
    if m:
        return int(m.group(1))
    parts = re.split(r"[\s-]+", word)
    if len(parts) == 1:
        w = parts[0]
        return _EN_UNITS.get(w, _EN_TENS.get(w, _EN_ORDINALS.get(w)))
    if len(parts) == 2 and parts[0] in _EN_TENS:
        unit = _EN_UNITS.get(parts[1], _EN_ORDINALS.get(parts[1]))
        if unit is not None and 0 < unit < 10:
            return _EN_TENS[parts[0]] + unit
    return None


def parse_zh(text: str) -> int | None:
    """Chinese numerals up to 9999: "三" 3, "十二" 12, "二十" 20, "一百零五" 105; digits pass through."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _ZH_DIGITS and ch not in _ZH_UNITS for ch in text):
        return None
    total, digit, seen_digit = 0, 0, False
    for ch in text:
        if ch in _ZH_DIGITS:
            digit, seen_digit = _ZH_DIGITS[ch], True
        else:
            unit = _ZH_UNITS[ch]
            # "十二" means 12: a unit with no digit before it counts once.
            total += (digit if seen_digit else 1) * unit
            digit, seen_digit = 0, False
    return total + digit


def parse_number(text: str) -> int | None:
    """Either language: the first parser that understands `text` wins."""
    value = parse_en(text)
    return value if value is not None else parse_zh(text)
