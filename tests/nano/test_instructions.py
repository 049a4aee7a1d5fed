"""The nano describer: instruction + canvas -> E1-Full's target description (no torch)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from hidream_studio.domain import InvalidParams, ModelUnavailable
from hidream_studio.engines.describers import get_describer
from hidream_studio.nano import instructions, world
from hidream_studio.nano.world import Scene, Shape, render

RED_CIRCLE = Scene("blue", (Shape("circle", "red", "big", "center"),))
TWO = Scene("white", (Shape("circle", "red", "small", "left"), Shape("square", "blue", "small", "right")))


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_every_world_wording_parses_to_its_edit(split):
    rng = random.Random(f"parse:{split}")
    for _ in range(300):
        e = world.sample_edit(rng, split=split)
        assert instructions.parse_edit(e.source, e.instruction, e.lang) == e.target, e


@pytest.mark.parametrize("instruction, lang, want", [
    ("make the circle green", "en", Scene("blue", (Shape("circle", "green", "big", "center"),))),
    ("  Please, make the circle GREEN! ", "en", Scene("blue", (Shape("circle", "green", "big", "center"),))),
    ("把背景换成黄色。", "zh", Scene("yellow", RED_CIRCLE.shapes)),
    ("请把圆形变小", "zh", Scene("blue", (Shape("circle", "red", "small", "center"),))),
])
def test_case_punctuation_and_surrounding_words_are_ignored(instruction, lang, want):
    assert instructions.parse_edit(RED_CIRCLE, instruction, lang) == want


@pytest.mark.parametrize("scene, instruction", [
    (RED_CIRCLE, "make the square green"),  # there is no square
    (RED_CIRCLE, "make the circle blue"),  # the background's color: the world has no such scene
    (RED_CIRCLE, "add a small yellow square on the left"),  # would overlap the big circle
    (RED_CIRCLE, "make it pretty"),
    (TWO, "make the circle green and the square red"),  # two edits: not one the world words
    (TWO, "remove the triangle"),
])
def test_instructions_outside_the_world_are_refused_with_examples_that_work(scene, instruction):
    assert instructions.parse_edit(scene, instruction, "en") is None
    with pytest.raises(InvalidParams, match="did not understand") as refused:
        instructions.target_description(render(scene), instruction)
    message = str(refused.value)
    assert "\n" not in message and f"“{instruction}”" in message
    examples = instructions.example_instructions(scene, "en")
    assert len(examples) == 3 and all(f"“{e}”" in message for e in examples)


@pytest.mark.parametrize("lang", world.LANGS)
def test_example_instructions_parse_on_their_scene(lang):
    rng = random.Random(f"examples:{lang}")
    for _ in range(100):
        scene = world.sample_scene(rng, split=None)
        examples = instructions.example_instructions(scene, lang)
        assert len(examples) == 3 and len(set(examples)) == 3
        assert all(instructions.parse_edit(scene, e, lang) is not None for e in examples), (scene, examples)
        assert examples == instructions.example_instructions(scene, lang)  # the same every time
    with pytest.raises(InvalidParams, match="没有把“变漂亮”理解为"):
        instructions.target_description(render(RED_CIRCLE), "变漂亮")
    with pytest.raises(InvalidParams) as refused:  # a pasted essay is quoted short, on one line
        instructions.target_description(render(RED_CIRCLE), "make it\n" + "very " * 100 + "pretty")
    assert "\n" not in str(refused.value) and "“make it very very" in str(refused.value) and "…”" in str(refused.value)


def test_description_is_in_the_instruction_language_and_read_from_the_canvas():
    en = instructions.target_description(render(RED_CIRCLE), "make the circle green")
    zh = instructions.target_description(render(RED_CIRCLE), "把圆形变成绿色")
    assert "green circle" in en and "blue background" in en
    assert "绿色" in zh and "圆形" in zh and "蓝色背景" in zh
    # A canvas of another size (an upload, a resized export) is read at the world's size.
    big = render(TWO).resize((384, 384), Image.Resampling.NEAREST)
    assert instructions.target_description(big, "remove the circle") is not None


def test_images_that_are_not_nano_scenes_are_refused():
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (128, 128, 3), dtype=np.uint8))
    blank = Image.new("RGB", (128, 128), (40, 80, 220))
    for image in (noise, blank):
        with pytest.raises(InvalidParams, match="edits only pictures of its small world"):
            instructions.target_description(image, "make the circle green")
    with pytest.raises(InvalidParams, match="只能编辑"):
        instructions.target_description(noise, "把圆形变成绿色")


def test_describer_registry():
    assert get_describer(None) is None
    assert get_describer("nano-world") is instructions.target_description
    with pytest.raises(ModelUnavailable, match="unknown describer 'llm'"):
        get_describer("llm")


BLUE_SQUARE_LEFT = Scene("white", (Shape("square", "blue", "small", "left"),))


@pytest.mark.parametrize("instruction, added", [
    # What the world's prompts leave out, edits leave out too: no size is big, no position is center.
    ("add a red circle on the right", Shape("circle", "red", "big", "right")),
    ("Please add an orange circle on the right!", Shape("circle", "orange", "big", "right")),
    ("put a red triangle on the right", Shape("triangle", "red", "big", "right")),
    ("add a small red circle", Shape("circle", "red", "small", "center")),
    ("add a small red circle in the middle", Shape("circle", "red", "small", "center")),
    ("add a blue circle on the right", Shape("circle", "blue", "big", "right")),  # two shapes may share a color
    ("在右边加一个红色圆形", Shape("circle", "red", "big", "right")),
    ("请在右边添加一个红色三角形", Shape("triangle", "red", "big", "right")),
    ("加一个红色小圆形", Shape("circle", "red", "small", "center")),
    ("在中间添加一个红色小三角形", Shape("triangle", "red", "small", "center")),
])
def test_an_added_shape_takes_the_prompt_defaults(instruction, added):
    lang = "zh" if any(world.is_cjk(ch) for ch in instruction) else "en"
    want = Scene("white", BLUE_SQUARE_LEFT.shapes + (added,))
    assert instructions.parse_edit(BLUE_SQUARE_LEFT, instruction, lang) == want
    described = instructions.target_description(render(BLUE_SQUARE_LEFT), instruction)
    names = (added.color, added.kind) if lang == "en" else (world.ZH_COLORS[added.color], world.ZH_KINDS[added.kind])
    assert all(name in described for name in names), described


@pytest.mark.parametrize("instruction", ["move the circle to the middle", "put the circle in the middle"])
def test_the_middle_is_the_center(instruction):
    scene = Scene("blue", (Shape("circle", "red", "small", "left"),))
    assert instructions.parse_edit(scene, instruction, "en") == Scene("blue", (Shape("circle", "red", "small", "center"),))


@pytest.mark.parametrize("scene, instruction", [
    (BLUE_SQUARE_LEFT, "add a red square on the right"),  # ... but keep the world's rules: one shape of a kind,
    (BLUE_SQUARE_LEFT, "add a white circle on the right"),  # no shape the background's color,
    (RED_CIRCLE, "add a yellow square"),  # no overlap: a big shape in the center (the defaults)
    (BLUE_SQUARE_LEFT, "add a red circle"),  # meets any other shape,
    (BLUE_SQUARE_LEFT, "添加一个红色圆形"),
    (BLUE_SQUARE_LEFT, "add a red circle on the right and a green triangle"),  # one edit at a time,
    (BLUE_SQUARE_LEFT, "add a circle on the right"),  # and a color is never assumed
    (BLUE_SQUARE_LEFT, "在右边加一个圆形"),
    (TWO, "add a red triangle"),  # a third shape
])
def test_defaults_do_not_open_what_is_outside_the_world(scene, instruction):
    lang = "zh" if any(world.is_cjk(ch) for ch in instruction) else "en"
    assert instructions.parse_edit(scene, instruction, lang) is None
    with pytest.raises(InvalidParams, match="did not understand|没有把"):
        instructions.target_description(render(scene), instruction)


def test_training_wordings_are_unchanged_by_the_defaults():
    """Training draws from world.phrasings (the shipped weights' data): the defaults only widen parsing."""
    new = Shape("circle", "red", "big", "right")
    assert world.phrasings("add", "en", None, new) == ["add a big red circle on the right",
                                                      "put a big red circle on the right"]
    understood = world.understood_phrasings("add", "en", None, new)
    assert understood[:2] == world.phrasings("add", "en", None, new) and "add a red circle on the right" in understood
    small = Shape("circle", "red", "small", "left")
    assert not any("a red circle" in w for w in world.understood_phrasings("add", "en", None, small))
