"""The learned part of the router: features, the weights file, training on the in-repo phrasings,
and the shipped model on the hand-written held-out turns (never trained on)."""

from __future__ import annotations

import json

import pytest

from hidream_studio.cli import main
from hidream_studio.domain import ChatKind, Route
from hidream_studio.router import route
from hidream_studio.router.features import DIM, feature_names, features
from hidream_studio.router.model import INTENTS, WEIGHTS, IntentModel, default_model
from hidream_studio.router.training import fit, project


def _is_zh(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_features_read_the_request_and_keep_the_framing_as_signals():
    names = feature_names("Thanks! Could you make the cat blue?")
    assert "first:make" in names and "w:thanks" not in names  # n-grams of the request itself
    assert "s:interj:thanks" in names and "s:edit-signal" in names
    assert "s:deixis" in feature_names("extract the man in the image")
    assert "z2:背景" in feature_names("把背景换成黄色")
    buckets = features("a red circle on a blue background")
    assert buckets == sorted(set(buckets)) and all(0 <= b < DIM for b in buckets)
    assert features("a red circle on a blue background") == buckets  # stable hash, not Python's hash()


def test_shipped_weights_are_small_and_load():
    assert WEIGHTS.stat().st_size <= 10 * 1024 * 1024
    model = default_model()
    assert model.classes == INTENTS
    probs = model.score("a lighthouse on a cliff").probs
    assert abs(sum(probs.values()) - 1) < 1e-6


def test_weights_round_trip_through_the_file(tmp_path):
    model = default_model()
    model.save(tmp_path / "copy.bin")
    copy = IntentModel.load(tmp_path / "copy.bin")
    for text in ("make the sky purple", "谢谢！", "一只熊猫在吃竹子"):
        assert copy.score(text).probs == model.score(text).probs
    (tmp_path / "bad.bin").write_bytes(b"not weights")
    with pytest.raises(ValueError):
        IntentModel.load(tmp_path / "bad.bin")


def test_hand_written_mixed_turns_route_right_in_both_languages():
    turns = project.mixed_turns()
    assert len(turns) >= 50
    by_lang: dict[str, list[bool]] = {"en": [], "zh": []}
    misses = []
    for text, canvas, want in turns:
        got = route(text, has_canvas=canvas).route.value
        by_lang["zh" if _is_zh(text) else "en"].append(got == want)
        if got != want:
            misses.append((text, want, got))
    accuracy = {lang: sum(ok) / len(ok) for lang, ok in by_lang.items()}
    assert all(a >= 0.95 for a in accuracy.values()), misses
    assert abs(accuracy["en"] - accuracy["zh"]) <= 0.05, accuracy  # 20-30 turns a language: one miss is ~4 points


@pytest.mark.parametrize(("message", "kind"), [
    ("ok, that's all, thanks", ChatKind.SOCIAL), ("not right now", ChatKind.SOCIAL), ("sounds awesome!", ChatKind.SOCIAL),
    ("I liked it better before", ChatKind.NEGATIVE), ("不好看", ChatKind.NEGATIVE), ("how do I undo", ChatKind.HELP),
    ("就这样吧，谢谢", ChatKind.SOCIAL),
])
def test_conversation_is_routed_as_conversation_with_its_kind(message, kind):
    d = route(message, has_canvas=True)
    assert (d.route, d.chat) == (Route.CHAT, kind), d


def test_a_command_after_talk_is_the_command():
    assert route("that's worse, go back", has_canvas=True).route is Route.UNDO
    assert route("不好看，撤销", has_canvas=True).route is Route.UNDO
    assert route("I liked it better before", has_canvas=True).route is Route.CHAT


def test_an_edit_with_no_canvas_is_not_drawn():
    for message in ("make the circle bigger", "remove the background", "让她哭"):
        d = route(message, has_canvas=False)
        assert (d.route, d.chat) == (Route.CHAT, ChatKind.NO_CANVAS), d
        assert d.text and "no canvas" in d.reason
        assert route(message, has_canvas=True).route is Route.EDIT


def test_classifier_decisions_say_how_sure_they_are():
    d = route("a fox reading a newspaper in a cafe", has_canvas=True)
    assert d.route is Route.GENERATE and d.by == "classifier" and 0.5 < d.confidence <= 1
    assert route("undo", has_canvas=True).by == "rules"


def test_previous_edit_tips_a_close_call_towards_another_edit():
    class Even:  # a model that cannot tell a new image from an edit
        def score(self, text):
            from hidream_studio.router.model import Scores

            return Scores({"generate": 0.45, "edit": 0.40, "social": 0.05, "negative": 0.05, "help": 0.05})

    assert route("a hat", has_canvas=True, model=Even()).route is Route.GENERATE
    assert route("a hat", has_canvas=True, model=Even(), previous=Route.EDIT).route is Route.EDIT
    assert route("a hat", has_canvas=True, model=Even(), previous=Route.UPLOAD).route is Route.EDIT
    assert route("a hat", has_canvas=True, model=Even(), previous=Route.GENERATE).route is Route.GENERATE
    assert route("a hat", has_canvas=False, model=Even(), previous=Route.EDIT).route is Route.GENERATE


def test_training_on_the_in_repo_phrasings_learns_the_routes(tmp_path):
    examples = project.handwritten() + project.composed(per_group=300)
    model = fit.fit(examples, fit.FitConfig(epochs=3))
    model.save(tmp_path / "small.bin")
    small = IntentModel.load(tmp_path / "small.bin")
    assert small.score("make the sky green").best == "edit"
    assert small.score("thanks a lot!").best == "social"
    assert small.score("a castle on a hill at sunset").best == "generate"
    assert small.score("把天空换成紫色").best == "edit"


def test_router_train_and_eval_commands_on_the_project_phrasings(tmp_path, capsys):
    weights = tmp_path / "router.bin"
    assert main(["router", "train", "--project-only", "--epochs", "1", "--weights", str(weights)]) == 0
    assert json.loads(capsys.readouterr().out)["weights"] == str(weights)
    assert main(["router", "eval", "--project-only", "--json", "--weights", str(weights)]) == 0
    table = json.loads(capsys.readouterr().out)
    rows = {r["source"]: r for r in table["sources"]}
    assert rows["project-mixed-turns"]["split"] == "heldout" and rows["project-mixed-turns"]["n"] >= 50
    assert {"project-en", "project-zh"} <= set(rows)
    assert all(0 <= r["accuracy"] <= 1 for r in rows.values())


def test_router_eval_without_the_sources_is_one_clear_line(tmp_path, capsys):
    code = main(["router", "eval", "--cache", str(tmp_path / "nowhere"), "--weights", str(WEIGHTS)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--fetch" in err  # says how to get them


def test_router_eval_with_no_canvas_expects_edits_to_be_answered(capsys):
    """--no-canvas routes every message as a session's first: prompts start pictures, edits get
    "there is no picture yet" (CHAT), and the mixed turns (which carry their own canvas) are left out."""
    assert main(["router", "eval", "--project-only", "--json", "--no-canvas", "--weights", str(WEIGHTS)]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["canvas"] is False
    rows = {r["source"]: r for r in table["sources"]}
    assert "project-mixed-turns" not in rows
    edits = [e for e in project.handwritten() if e.intent == "edit" and e.lang == "en"]
    assert edits and all(route(e.text, has_canvas=False).route is Route.CHAT for e in edits[:20])
    assert rows["project-en"]["accuracy"] > 0.9
