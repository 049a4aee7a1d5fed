"""Options: "give me 4 options" makes N sibling candidates in one engine call, stored in one turn."""

from __future__ import annotations

import pytest

from hidream_studio.domain import Route, VersionKind
from hidream_studio.router.options import split_options
from hidream_studio.studio import GenSettings, Turn

FAST = GenSettings(steps=2, seed=5)


def say(studio, session, text, settings=FAST):
    return studio.handle(Turn(session.id, text, settings=settings))


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("give me 4 options", (4, "")),
        ("show me three more", (3, "")),
        ("a red circle, 4 options", (4, "a red circle")),
        ("4 options of a blue square", (4, "a blue square")),
        ("再来三张", (3, "")),
        ("给我四个选项", (4, "")),
        ("多来几张", (4, "")),
        ("画4张红色圆形", (4, "红色圆形")),
        ("make 12 versions", (8, "")),  # capped at MAX_OPTIONS
        ("three cats on a sofa", (1, "three cats on a sofa")),  # a number in a description is content
        ("三只猫", (1, "三只猫")),
        ("undo twice", (1, "undo twice")),
        ("another one", (1, "another one")),
    ],
)
def test_the_count_is_read_in_english_and_chinese(text, want):
    assert split_options(text) == want


def test_options_are_siblings_made_in_one_engine_call(studio, session):
    calls = []
    engine = studio.engine
    original = engine.generate_options
    engine.generate_options = lambda *a, **k: calls.append(a[1]) or original(*a, **k)
    try:
        made = say(studio, session, "a red circle on a blue background, 4 options")
    finally:
        del engine.generate_options
    assert calls == [4]
    assert made.decision.route is Route.GENERATE and made.decision.count == 4
    assert [(v.number, v.parent) for v in made.created] == [(1, None), (2, None), (3, None), (4, None)]
    assert made.head.number == 1
    assert [v.recipe.seed for v in made.created] == [5, 6, 7, 8]
    assert {v.recipe.kind for v in made.created} == {VersionKind.GENERATE}
    assert made.reply.endswith("→ v1, v2, v3, v4")
    # One turn: one user message and one reply, pointing at the first option.
    messages = studio.store.messages(session.id)
    assert [(m.role, m.version) for m in messages] == [("user", None), ("assistant", 1)]
    # Picking one continues from it: the next edit is its child.
    studio.checkout(session.id, 3)
    edited = say(studio, session, "make the circle green")
    assert (edited.head.number, edited.head.parent) == (5, 3)


def test_more_options_of_the_current_picture_are_variations_under_it(studio, session):
    first = say(studio, session, "a green square")
    more = say(studio, session, "再来三张", settings=GenSettings(steps=2))
    assert more.decision.route is Route.VARIATION and more.decision.count == 3
    assert [v.parent for v in more.created] == [first.head.number] * 3
    assert {v.recipe.prompt for v in more.created} == {"a green square"}
    assert len({v.recipe.seed for v in more.created}) == 3
    assert "点击一个继续" in more.reply


def test_the_options_setting_applies_to_new_images_only(studio, session):
    made = say(studio, session, "a yellow triangle", settings=GenSettings(steps=2, seed=1, options=2))
    assert len(made.created) == 2
    edited = say(studio, session, "make the triangle red", settings=GenSettings(steps=2, options=2))
    assert edited.decision.route is Route.EDIT and len(edited.created) == 1
