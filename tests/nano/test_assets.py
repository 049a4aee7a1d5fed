"""The committed HiDream-Nano weights (assets/nano) load through the normal engine loader and draw
what they are asked for, read back by the checker. Skipped while the assets are absent."""

from __future__ import annotations

import pytest

from hidream_studio.domain import InvalidParams
from hidream_studio.nano import instructions  # noqa: F401  registers the nano describer
from hidream_studio.nano.common import ASSETS
from hidream_studio.nano.world import Scene, Shape, render

pytestmark = pytest.mark.skipif(not (ASSETS / "i1" / "model_index.json").exists(),
                                reason="assets/nano not trained/exported yet (hidream-studio nano export)")

CASES = [  # (prompt, expected scene): plain single-shape prompts in both languages
    ("a big red circle in the center on a blue background", Scene("blue", (Shape("circle", "red", "big", "center"),))),
    ("a small yellow square on the left, black background", Scene("black", (Shape("square", "yellow", "small", "left"),))),
    ("白色背景，右边一个绿色大三角形", Scene("white", (Shape("triangle", "green", "big", "right"),))),
    ("紫色背景上的一个橙色大圆形", Scene("purple", (Shape("circle", "orange", "big", "center"),))),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    pytest.importorskip("torch")
    from hidream_studio.config import Settings
    from hidream_studio.engines import load_engine

    engine = load_engine(Settings(home=tmp_path_factory.mktemp("home"), model="nano", device="cpu"))
    engine.load()
    return engine


def test_nano_generates_what_the_prompt_says(engine):
    from hidream_studio.domain import GenerateRequest
    from hidream_studio.nano import checker

    results = []
    for prompt, scene in CASES:
        image = engine.generate(GenerateRequest(prompt=prompt, seed=0)).image
        assert image.size == (128, 128)
        results.append((prompt, checker.check(scene, image)))
    right = [p for p, r in results if r.ok]
    assert len(right) >= 3, [(p, r.errors) for p, r in results]


def test_nano_edit_keeps_the_rest(engine):
    from hidream_studio.domain import EditRequest
    from hidream_studio.nano import checker

    source = Scene("blue", (Shape("circle", "red", "big", "center"),))
    target = Scene("blue", (Shape("circle", "green", "big", "center"),))
    result = engine.edit(EditRequest(instruction="make the circle green", source=render(source),
                                     target_description="a big green circle in the center on a blue background",
                                     seed=0))
    # The whole image must match: the circle recolored, the background and everything else kept.
    verdict = checker.check(target, result.image)
    assert verdict.ok, verdict.found


def test_chinese_edits_longer_than_the_training_padding_are_read_whole(engine):
    """Chinese E1-Full prompts take one token per character and often pass nano's padding length (40):
    cut there, the second shape's kind was lost and drawn wrong (a 10-point EN/ZH edit gap).
    The engine encodes them whole (engines.i1.padded_length)."""
    from hidream_studio.domain import EditRequest
    from hidream_studio.nano import checker, world

    cases = [  # (source, instruction, target, its Chinese description): the kind at the very end
        (Scene("yellow", (Shape("triangle", "green", "small", "top"), Shape("circle", "purple", "big", "bottom"))),
         "把三角形换成黑色", Scene("yellow", (Shape("triangle", "black", "small", "top"), Shape("circle", "purple", "big", "bottom"))),
         "黄色背景，上面一个黑色小三角形，下面一个紫色大圆形"),
        (Scene("blue", (Shape("square", "orange", "small", "left"), Shape("circle", "white", "small", "right"))),
         "把圆形变成三角形", Scene("blue", (Shape("square", "orange", "small", "left"), Shape("triangle", "white", "small", "right"))),
         "蓝色背景，左边一个橙色小正方形，右边一个白色小三角形"),
    ]
    for source, instruction, target, description in cases:
        prompt = world.edit_prompt(instruction, description)
        assert engine.text.length_for(prompt) > engine.text.max_sequence_length == 40
        result = engine.edit(EditRequest(instruction=instruction, source=render(source), target_description=description,
                                         seed=0))
        verdict = checker.check(target, result.image)
        assert verdict.ok, (description, verdict.found)


def test_a_typed_instruction_gets_a_target_description(engine):
    """What the studio sends (the instruction alone): the nano describer writes E1-Full's target
    description from the canvas, and the edit comes out whole; what it cannot read is refused."""
    from hidream_studio.domain import EditRequest
    from hidream_studio.nano import checker

    source = render(Scene("blue", (Shape("circle", "red", "big", "center"),)))
    result = engine.edit(EditRequest(instruction="make the circle green", source=source, seed=0))
    assert result.described_by == "nano-world"
    assert result.prompt_sent.startswith("Editing Instruction: make the circle green. Target Image Description: ")
    assert "green circle" in result.target_description
    assert checker.check(Scene("blue", (Shape("circle", "green", "big", "center"),)), result.image).ok

    with pytest.raises(InvalidParams, match="did not understand “make it pretty”"):
        engine.edit(EditRequest(instruction="make it pretty", source=source, seed=0, steps=2))
    given = engine.edit(EditRequest(instruction="make the circle green", source=source, steps=2,
                                    target_description="a green circle on a blue background"))
    assert given.described_by is None and given.target_description.startswith("a green circle")


def test_studio_turns_do_what_they_say(tmp_path):
    """The issue's scenario through the studio on a real store: draw, edit by instruction, undo."""
    pytest.importorskip("torch")
    from hidream_studio.bootstrap import build_studio
    from hidream_studio.config import Settings
    from hidream_studio.nano import checker
    from hidream_studio.studio import Turn

    studio = build_studio(Settings(home=tmp_path, model="nano", editor="nano", device="cpu"), load_models=True)
    try:
        session = studio.new_session()
        drawn = studio.handle(Turn(session.id, "a red circle on a blue background")).head
        turn = studio.handle(Turn(session.id, "make the circle green"))
        edited = turn.head
        # The reply says how the instruction was understood.
        assert turn.reply.startswith("Edited v1 with E1 (target: a big green circle"), turn.reply
        # An instruction nano cannot read is refused with examples, and makes no version; the refused
        # turn stays in the conversation.
        before = (studio.store.versions(session.id), studio.store.head(session.id))
        with pytest.raises(InvalidParams, match="did not understand “make it pretty”"):
            studio.handle(Turn(session.id, "make it pretty"))
        assert (studio.store.versions(session.id), studio.store.head(session.id)) == before
        said, answer = studio.store.messages(session.id)[-2:]
        assert said.text == "make it pretty" and "did not understand" in answer.text and answer.version is None
        back = studio.undo(session.id).head
        assert checker.check(Scene("blue", (Shape("circle", "red", "big", "center"),)), studio.store.load_image(drawn)).ok
        assert checker.check(Scene("blue", (Shape("circle", "green", "big", "center"),)),
                             studio.store.load_image(edited)).ok
        assert "Target Image Description: a big green circle" in edited.recipe.prompt_sent
        assert back.number == drawn.number
    finally:
        studio.store.close()


def test_nano_draws_the_issue_two_shape_examples(engine):
    """The issue's two-shape prompts, English and Chinese, three seeds each: most come out right
    (eval: two-shape 85% on held-out prompts; binding a kind to the wrong shape is the usual miss)."""
    from hidream_studio.domain import GenerateRequest
    from hidream_studio.nano import checker

    want = Scene("white", (Shape("circle", "red", "big", "left"), Shape("triangle", "blue", "big", "right")))
    prompts = ("a red circle on the left and a blue triangle on the right on a white background",
               "白色背景，左边一个红色圆形，右边一个蓝色三角形")
    right = [checker.check(want, engine.generate(GenerateRequest(prompt=p, seed=seed)).image).ok
             for p in prompts for seed in range(3)]
    assert sum(right) >= 3, right


def test_eval_report_scores_both_languages_and_records_overrides(engine):
    from hidream_studio.nano import evaluate

    report = evaluate.run(engine.settings, n=1, engine=engine, edit_guidance=1.0, image_guidance=1.0)
    for task in ("generate_single", "generate_two", "edit", "edit_from_instruction", "edit_in_studio"):
        assert report[task]["n"] == 2  # one English and one Chinese case
        assert all(0.0 <= report[task][k] <= 1.0 for k in ("en", "zh", "all"))
    assert set(report["goals_met"]) == {"generate_single", "generate_two", "edit", "edit_from_instruction"}
    assert 0.0 <= report["edit_in_studio_source_ok"] <= 1.0 and report["described"] == 1.0
    assert report["overrides"]["edit_guidance"] == 1.0 and report["overrides"]["guidance"] is None
    assert set(report["edit_by_op"]) == set(report["edit_from_instruction_by_op"])
    assert report["median_turn_s"]["edit"] > 0


def test_eval_command_prints_json(tmp_path, capsys):
    import json

    from hidream_studio.cli import main

    out = tmp_path / "eval.json"
    code = main(["--home", str(tmp_path / "home"), "nano", "eval", "--json", "--n", "1", "--what", "gen",
                 "--output", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed == json.loads(out.read_text())
    assert "edit" not in printed and printed["generate_single"]["n"] == 2
