"""The synthetic world and the checker: fast, no torch."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageFilter

from hidream_studio.nano import checker, world
from hidream_studio.nano.world import PALETTE, Scene, Shape


def _scenes(n, seed=0, split=None):
    rng = random.Random(seed)
    return [world.sample_scene(rng, split=split) for _ in range(n)]


def test_render_uses_only_palette_colors_and_the_scene_rules():
    for scene in _scenes(50):
        assert world.is_valid(scene)
        colors = {tuple(c) for c in np.asarray(world.render(scene)).reshape(-1, 3)}
        assert colors <= {PALETTE[scene.background]} | {PALETTE[s.color] for s in scene.shapes}
        assert len(colors) >= 2


def test_checker_reads_ground_truth_exactly():
    for scene in _scenes(200, seed=1):
        result = checker.check(scene, world.render(scene))
        assert result.ok, (scene.key(), result.errors)


def test_checker_tolerates_blur_like_a_vae_decode():
    for scene in _scenes(60, seed=2):
        assert checker.check(scene, world.render(scene).filter(ImageFilter.GaussianBlur(1.5))).ok


@pytest.mark.parametrize("field,value", [("color", "green"), ("kind", "triangle"), ("size", "small"),
                                         ("position", "left")])
def test_checker_fails_on_a_wrong_attribute(field, value):
    expected = Scene("blue", (Shape("square", "red", "big", "center"),))
    wrong = Scene("blue", (Shape(**{**expected.shapes[0].__dict__, field: value}),))
    assert checker.check(expected, world.render(expected)).ok
    result = checker.check(expected, world.render(wrong))
    assert not result.ok and result.errors


def test_checker_fails_on_wrong_background_extra_or_missing_shape_and_noise_image():
    one = Scene("white", (Shape("circle", "red", "small", "left"),))
    two = Scene("white", (Shape("circle", "red", "small", "left"), Shape("triangle", "blue", "big", "right")))
    assert not checker.check(one, world.render(two)).ok  # extra shape
    assert not checker.check(two, world.render(one)).ok  # missing shape
    assert not checker.check(one, world.render(Scene("yellow", one.shapes))).ok
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (128, 128, 3), dtype=np.uint8))
    assert not checker.check(one, noise).ok


def test_prompts_are_deterministic_and_cover_both_languages():
    scene = Scene("blue", (Shape("circle", "red", "big", "center"),))
    assert world.describe(scene, "en", random.Random(5)) == world.describe(scene, "en", random.Random(5))
    texts = {world.describe(scene, lang, random.Random(i)) for i in range(30) for lang in world.LANGS}
    assert any("red circle" in t for t in texts) and any("红色" in t and "圆形" in t for t in texts)
    assert len(texts) >= 6  # several phrasings


def test_heldout_split_is_fixed_and_disjoint():
    train, held = _scenes(300, 3, "train"), _scenes(100, 4, "heldout")
    assert not any(world.is_heldout(s) for s in train) and all(world.is_heldout(s) for s in held)
    assert {s.key() for s in train}.isdisjoint({s.key() for s in held})
    assert [s.key() for s in _scenes(10, 7, "heldout")] == [s.key() for s in _scenes(10, 7, "heldout")]


@pytest.mark.parametrize("op", world.EDIT_OPS)
@pytest.mark.parametrize("lang", world.LANGS)
def test_edits_change_exactly_what_they_say(op, lang):
    rng = random.Random(hash((op, lang)) % 1000)
    for _ in range(20):
        e = world.sample_edit(rng, lang, op, split="train")
        assert world.is_valid(e.target) and e.target != e.source and e.instruction
        assert not world.is_heldout(e.source) and not world.is_heldout(e.target)
        if op == "background":
            assert e.target.shapes == e.source.shapes
        elif op == "add":
            assert len(e.target.shapes) == len(e.source.shapes) + 1
        elif op == "remove":
            assert len(e.target.shapes) == len(e.source.shapes) - 1
        else:  # one shape changed in exactly one attribute, the rest kept
            assert e.target.background == e.source.background
            changed = set(e.source.shapes) ^ set(e.target.shapes)
            assert len(changed) == 2
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in e.instruction + e.description)


def test_sampled_edits_are_among_the_edit_options():
    """Training (sample_edit) and the describer (edit_options enumerated) agree on what the world allows."""
    rng = random.Random(7)
    for _ in range(300):
        e = world.sample_edit(rng, split=None)
        olds = (None,) if e.op == "add" else e.source.shapes
        reachable = {world.apply_edit(e.source, e.op, old, new, color)
                     for old in olds for new, color in world.edit_options(e.source, e.op, old or e.source.shapes[0])}
        assert e.target in reachable, e


def test_edit_options_respect_the_world_rules():
    two = Scene("white", (Shape("circle", "red", "small", "left"), Shape("square", "blue", "small", "right")))
    circle = two.shapes[0]
    assert {c for _, c in world.edit_options(two, "recolor", circle)} == set(world.COLORS) - {"white", "red"}
    assert {c for _, c in world.edit_options(two, "background", None)} == set(world.COLORS) - {"white", "red", "blue"}
    assert [n.kind for n, _ in world.edit_options(two, "kind", circle)] == ["triangle"]
    assert world.edit_options(two, "add", None) == []  # two shapes is the most
    one = Scene("blue", (circle,))
    assert world.edit_options(one, "remove", circle) == []  # a scene keeps at least one shape
    added = [n for n, _ in world.edit_options(one, "add", None)]
    assert added and all(n.kind != "circle" and n.color != "blue" for n in added)


def test_vocabulary_covers_every_token_of_fresh_prompts():
    vocab = set(world.vocabulary())
    rng = random.Random(99)
    for _ in range(200):
        e = world.sample_edit(rng, split=None)
        text = world.edit_prompt(e.instruction, e.description) + " " + world.describe(e.source, e.lang, rng)
        assert set(world.tokenize_words(text)) <= vocab
