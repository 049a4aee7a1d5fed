"""The planner's prompts and answer checks (no model, no torch): what the Llama is asked, what is
accepted, and how its choice becomes the studio's Decision."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hidream_studio.domain import Decision, Recipe, Route, VersionKind
from hidream_studio.engines import planner_io as io
from hidream_studio.router import route
from hidream_studio.router.planned import planned_decision

EMPTY = io.PlannerState(has_canvas=False)
CANVAS = io.PlannerState(has_canvas=True, canvas_prompt="a cat in a blue hat", versions=(
    (1, "a cat in a red hat"), (2, "a cat in a blue hat"), (3, ""),
), head=2, previous_route="edit")


def test_options_are_the_valid_answers_of_the_state():
    assert io.route_options(EMPTY) == [{"route": "generate"}, {"route": "chat"}]  # nothing to edit or go back to
    options = io.route_options(CANVAS)
    assert options == [{"route": "generate"}, {"route": "edit"}, {"route": "chat"},
                       {"route": "checkout", "target": 1}, {"route": "checkout", "target": 3}]  # not the canvas (v2)
    assert all(json.loads(io.option_text(o)) == o for o in options)
    many = io.PlannerState(True, "x", tuple((n, f"v{n}") for n in range(1, 31)), head=30)
    targets = [o["target"] for o in io.route_options(many) if o["route"] == "checkout"]
    assert targets == list(range(30 - io.MAX_VERSIONS + 1, 30))


def test_route_prompt_shows_the_state_and_the_message():
    system, user = io.route_messages("回到戴红帽子的那张", CANVAS)
    assert system["role"] == "system" and all(f'"{r}"' in system["content"] for r in ("generate", "edit", "chat", "checkout"))
    text = user["content"]
    assert "Current picture: a cat in a blue hat" in text
    assert "v1: a cat in a red hat" in text and "v2: a cat in a blue hat (current)" in text
    assert "v3: (uploaded image)" in text and "Previous turn: edit" in text
    assert text.endswith("Message: 回到戴红帽子的那张")
    assert "Current picture: none" in io.route_messages("a dog", EMPTY)[1]["content"]
    long = io.route_messages("x" * 5000, EMPTY)[1]["content"]
    assert len(long) < 1000 and long.endswith("…")  # a pasted essay does not fill the model's context


def test_the_likeliest_option_becomes_the_decision():
    message = "thanks, now make it blue please"
    fallback = route(message, has_canvas=True)
    options = io.route_options(CANVAS)
    choice = io.best_option(options, [-9.0, -1.0, -3.0, -12.0, -12.0])
    assert choice.option == {"route": "edit"} and 0.8 < choice.confidence < 0.9
    d = planned_decision(message, choice, fallback)
    assert (d.route, d.by, d.target, d.confidence) == (Route.EDIT, "planner", None, choice.confidence)
    assert d.text == fallback.text == "make it blue"  # the rules' cleaning, not the raw message
    assert d.reason == f'planner chose {{"route": "edit"}} (p={choice.confidence:.2f})'
    back = planned_decision("go back to the one with the red hat", io.best_option(options, [-5, -5, -5, -0.1, -4]), fallback)
    assert (back.route, back.target, back.text) == (Route.CHECKOUT, 1, "")
    chat = planned_decision("  that's  great!", io.best_option(options, [-5, -5, -0.5, -9, -9]),
                            route("that's great!", has_canvas=True))
    assert (chat.route, chat.text) == (Route.CHAT, "that's great!")
    # The rules read it as chat; the planner's new picture gets the cleaned message.
    drawn = planned_decision("please, a dog on a beach", io.best_option(io.route_options(EMPTY), [-0.1, -3]),
                             Decision(Route.CHAT, "x"))
    assert (drawn.route, drawn.text) == (Route.GENERATE, "a dog on a beach")
    with pytest.raises(ValueError):
        io.best_option(options, [0.0])


def test_without_a_choice_the_fallback_stands_and_says_why():
    fallback = route("make it blue", has_canvas=True)
    kept = planned_decision("make it blue", None, fallback, why_not="past its 3 s budget")
    assert kept.route is fallback.route and kept.by == fallback.by and kept.text == fallback.text
    assert kept.reason == f"{fallback.reason} (planner: past its 3 s budget)"


@pytest.mark.parametrize("raw, instruction, want", [
    ("A cat in a green hat sitting on a sofa.", "make the hat green", "A cat in a green hat sitting on a sofa."),
    ('Target Image Description: "a cat in a green hat"', "make the hat green", "a cat in a green hat"),
    ("\n  一只戴绿色帽子的猫  \n", "把帽子变成绿色", "一只戴绿色帽子的猫"),
    ("目标图像描述：一只戴绿色帽子的猫", "把帽子变成绿色", "一只戴绿色帽子的猫"),
    ("", "make the hat green", None),
    ("A cat.\nA hat.", "make the hat green", None),  # two lines: not one description
    ('{"description": "a cat"}', "make the hat green", None),
    ("a cat in a green hat", "把帽子变成绿色", None),  # another language than the instruction
    ("一只猫", "make the hat green", None),
    ("a" * 501, "make the hat green", None),
    ("<|eot_id|>a cat", "make the hat green", None),
])
def test_description_check(raw, instruction, want):
    assert io.check_description(raw, instruction) == want


@pytest.mark.parametrize("raw, message, want", [
    ("You're welcome! Tell me what to change next.", "thanks!", "You're welcome! Tell me what to change next."),
    ("不客气！", "谢谢", "不客气！"),
    ("", "thanks!", None),
    ("不客气", "thanks!", None),
    ("x" * 601, "thanks!", None),
    ('{"route": "chat"}', "thanks!", None),
])
def test_reply_check(raw, message, want):
    assert io.check_reply(raw, message) == want


@pytest.mark.parametrize("raw, prompt, ok", [
    ("a fluffy orange cat sleeping on a sunny windowsill, soft morning light, photo", "a cat on a windowsill", True),
    ("一只橘色的猫睡在阳光明媚的窗台上，柔和的晨光", "窗台上的猫", True),
    ("a cat", "a cat", False),  # not longer
    ("a majestic lion in the savanna at sunset", "a cat on a windowsill", False),  # lost the subject
    ("a cat on a windowsill.\nAnother idea: a dog", "a cat on a windowsill", False),
    ("a cat sitting on a windowsill, warm light", "窗台上的猫", False),
])
def test_expansion_check(raw, prompt, ok):
    assert (io.check_expansion(raw, prompt) is not None) == ok


def test_describe_reply_and_expand_prompts():
    system, user = io.describe_messages("make the hat green", "a cat in a red hat")
    assert "description" in system["content"].lower()
    assert user["content"] == "Current image: a cat in a red hat\nInstruction: make the hat green"
    assert "unknown" in io.describe_messages("make the hat green", None)[1]["content"]
    assert "HiDream Studio" in io.reply_messages("how do I undo?", CANVAS)[0]["content"]
    assert "*undo*" in io.reply_messages("how do I undo?", CANVAS, help_text="say *undo*")[0]["content"]
    assert "a cat in a blue hat" in io.reply_messages("nice", CANVAS)[1]["content"]
    assert io.expand_messages("a cat")[1]["content"] == "a cat"


def test_what_a_version_shows():
    gen = Recipe(VersionKind.GENERATE, prompt="a cat", prompt_sent="a fluffy cat, soft light")
    e1_full = Recipe(VersionKind.EDIT, prompt="make it green",
                     prompt_sent="Editing Instruction: make it green. Target Image Description: a green cat")
    e1_1 = Recipe(VersionKind.EDIT, prompt="make it green", prompt_sent="make it green")
    assert io.shown(gen) == "a fluffy cat, soft light"  # what the model drew (an expansion included)
    assert io.shown(e1_full) == "a green cat"
    assert io.shown(e1_1) == "make it green"
    assert io.shown(Recipe(VersionKind.UPLOAD, width=10, height=10)) == ""


def test_no_torch_is_imported():
    code = ("import sys, hidream_studio.engines.planner_io, hidream_studio.router.planned, hidream_studio.studio; "
            "print(sorted(m for m in ('torch', 'transformers', 'diffusers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_planner_settings_from_the_command_line_and_the_environment(monkeypatch, tmp_path):
    from hidream_studio.cli import build_parser, settings_from_args
    from hidream_studio.config import Settings
    from hidream_studio.domain import UserError

    monkeypatch.delenv("HIDREAM_STUDIO_PLANNER", raising=False)
    monkeypatch.delenv("HIDREAM_STUDIO_EXPAND_PROMPTS", raising=False)
    plain = settings_from_args(build_parser().parse_args(["--home", str(tmp_path), "route", "x"]))
    assert (plain.planner, plain.planner_budget_s, plain.expand_prompts) == ("auto", 3.0, False)
    args = build_parser().parse_args(["--home", str(tmp_path), "--planner", "off", "--expand-prompts", "route", "x"])
    assert (settings_from_args(args).planner, settings_from_args(args).expand_prompts) == ("off", True)
    monkeypatch.setenv("HIDREAM_STUDIO_PLANNER", "on")
    monkeypatch.setenv("HIDREAM_STUDIO_PLANNER_BUDGET", "0.5")
    monkeypatch.setenv("HIDREAM_STUDIO_EXPAND_PROMPTS", "1")
    env = Settings.from_env(home=tmp_path)
    assert (env.planner, env.planner_budget_s, env.expand_prompts) == ("on", 0.5, True)
    monkeypatch.setenv("HIDREAM_STUDIO_PLANNER_BUDGET", "soon")
    with pytest.raises(UserError, match="HIDREAM_STUDIO_PLANNER_BUDGET must be a number of seconds"):
        Settings.from_env(home=tmp_path)
