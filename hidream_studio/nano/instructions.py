"""Turn a typed instruction on a nano-world canvas into E1-Full's target description.

E1-Full reads `Editing Instruction: ... Target Image Description: ...`; the official HiDream demo has
an LLM rewrite the instruction into the description of the wanted result (hidream-facts.md). A person
in the studio types only "make the circle green", and nano-E1 edits from the instruction alone
hardly at all (0% measured), so for the nano world this module plays the LLM's part, without one:

1. read the canvas back into a Scene with the checker (nearest palette color, components, ...);
2. find the edit of that scene the instruction words, by matching it against every wording the
   world uses for every edit the scene allows (world.understood_phrasings: a shape added without a
   size is big, without a position in the center, as in the world's prompts), in English and Chinese;
3. describe the resulting scene in the instruction's language.

Anything else (a photo, three shapes, an instruction the world has no wording for, an edit the
world forbids such as a shape the color of the background) is refused with an InvalidParams whose
one line says why and gives instructions that would work on this canvas: nano-E1 sent the
instruction alone edits into a wrong picture nearly always, and a refusal changes nothing, where a
wrong version would. No torch here.
"""

from __future__ import annotations

import random
import re

from PIL import Image

from hidream_studio.domain import InvalidParams
from hidream_studio.engines.describers import register_describer

from . import checker, world

_TRAILING = " \t\n.!?。！？，,；;"


def target_description(image: Image.Image, instruction: str) -> str:
    """The description of `image` after `instruction` (the registered "nano-world" describer).

    Raises InvalidParams, with instructions that would work here, when the canvas is not a nano scene
    or the instruction words no single edit of it the world allows."""
    lang = "zh" if any(world.is_cjk(ch) for ch in instruction) else "en"
    scene = read_scene(image)
    if scene is None:
        raise InvalidParams(_NOT_A_SCENE[lang])
    target = parse_edit(scene, instruction, lang)
    if target is None:
        examples = ("、" if lang == "zh" else ", ").join(f"“{e}”" for e in example_instructions(scene, lang))
        said = " ".join(instruction.split())
        said = said if len(said) <= 80 else said[:79] + "…"
        raise InvalidParams(_NOT_UNDERSTOOD[lang].format(instruction=said, examples=examples))
    return world.describe(target, lang, random.Random(target.key()))


_NOT_A_SCENE = {
    "en": "HiDream-Nano edits only pictures of its small world (one or two flat shapes on a plain background), "
          "and this canvas is not one: describe a new picture instead, e.g. “a red circle on a blue background”.",
    "zh": "HiDream-Nano 只能编辑它的小世界里的画面（纯色背景上的一两个纯色图形），当前画面不是：请描述一张新图，"
          "例如“蓝色背景上的一个红色圆形”。",
}
_NOT_UNDERSTOOD = {
    "en": "HiDream-Nano did not understand “{instruction}” as one edit of this canvas (it knows only its small "
          "world's wording): nothing was changed. On this canvas you can say, for example, {examples}.",
    "zh": "HiDream-Nano 没有把“{instruction}”理解为对当前画面的一个编辑（它只懂小世界里的说法），画面未改动。"
          "在这张图上可以说，例如{examples}。",
}


def example_instructions(scene: world.Scene, lang: str, k: int = 3) -> list[str]:
    """Up to `k` instructions of different kinds that parse on `scene` (the first wording of each),
    the same ones every time for the same scene."""
    by_op: dict[str, list[str]] = {}
    for op, _, wordings in _candidates(scene, lang):
        by_op.setdefault(op, []).append(wordings[0])
    rng = random.Random(f"examples:{scene.key()}:{lang}")
    preferred = ["recolor", "move", "add" if "add" in by_op else "remove", "background", "kind", "resize"]
    return [rng.choice(by_op[op]) for op in preferred if op in by_op][:k]


def read_scene(image: Image.Image) -> world.Scene | None:
    """The scene an image shows, if it is one the world can make (1-2 shapes of different kinds)."""
    image = image.convert("RGB")
    if image.size != (world.SIZE, world.SIZE):
        image = image.resize((world.SIZE, world.SIZE), Image.Resampling.BILINEAR)
    scene = checker.read(image).scene
    kinds = [s.kind for s in scene.shapes]
    if not 1 <= len(kinds) <= 2 or len(set(kinds)) != len(kinds) or not world.is_valid(scene):
        return None
    return scene


def parse_edit(source: world.Scene, instruction: str, lang: str) -> world.Scene | None:
    """The scene `instruction` turns `source` into, or None when no edit (or more than one) fits.

    A wording counts when it is the whole instruction, or a whole phrase inside it whose surrounding
    words name nothing of the world ("please make the circle green", but not "make the circle green
    and the square red"); case and end punctuation are ignored.
    """
    text = _normalize(instruction)
    exact, inside = set(), set()
    for _, target, wordings in _candidates(source, lang):
        for wording in wordings:
            if text == wording:
                exact.add(target)
            elif _contains(text, wording, lang):
                inside.add(target)
    found = exact or inside
    return next(iter(found)) if len(found) == 1 else None


def _candidates(source: world.Scene, lang: str):
    """(op, target scene, wordings) for every edit the world allows on `source` (world.edit_options)."""
    for op in world.EDIT_OPS:
        # Ops that ignore the shape (background, add) are enumerated once.
        shapes = source.shapes if op not in ("background", "add") else source.shapes[:1]
        for old in shapes:
            for new, color in world.edit_options(source, op, old):
                old_shape = None if op == "add" else old
                target = world.apply_edit(source, op, old_shape, new, color)
                if world.is_valid(target) and target != source:
                    wordings = world.understood_phrasings(op, lang, old_shape, new, color)
                    yield op, target, [_normalize(w) for w in wordings]


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(_TRAILING).lower())


# Words that make the rest of an instruction part of it (a second edit, another shape or color).
_EN_WORLD = set(world.COLORS) | set(world.KINDS) | set(world.SIZES) | set(world.POSITIONS) | {"background"}
_ZH_WORLD = [*world.ZH_COLORS.values(), *world.ZH_KINDS.values(), *world.ZH_POS.values(), "背景"]


def _contains(text: str, wording: str, lang: str) -> bool:
    if lang == "zh":  # no spaces between Chinese words
        rest = text.replace(wording, " ", 1)
        return wording in text and not any(w in rest for w in _ZH_WORLD)
    match = re.search(rf"(?<!\w){re.escape(wording)}(?!\w)", text)
    if match is None:
        return False
    rest = text[:match.start()] + " " + text[match.end():]
    return not (set(re.findall(r"\w+", rest)) & _EN_WORLD)


register_describer("nano-world", target_description)  # the nano editor's preset names it (nano/export.py)
