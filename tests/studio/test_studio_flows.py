"""The studio service end to end on the tiny checkpoints: real SQLite file, real diffusers pipelines."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

from hidream_studio.bootstrap import build_studio
from hidream_studio.domain import Cancelled, InvalidImage, NotFound, Route, UserError, VersionKind
from hidream_studio.studio import GenSettings, Turn

FAST = GenSettings(steps=2, seed=7)


def say(studio, session, text, **kw):
    kw.setdefault("settings", FAST)
    return studio.handle(Turn(session.id, text, **kw))


def numbers(studio, session):
    return [(v.number, v.parent) for v in studio.store.versions(session.id)]


def test_reply_names_the_words_the_model_does_not_know(studio, session):
    made = say(studio, session, "a red unicorn on a blue background")
    assert made.reply.startswith("New image with I1 (words the model does not know, ignored: unicorn) · seed 7")
    assert made.head.number == 1  # drawn all the same: the rest of the prompt still says something


def test_reply_says_when_a_prompt_is_longer_than_the_model_reads(studio, session):
    made = say(studio, session, "a red circle and a blue cat and " * 60)  # ~540 tokens: HiDream reads 218
    assert made.head.number == 1
    assert "(the prompt is longer than the model reads: its last " in made.reply and "tokens were ignored)" in made.reply
    assert "longer than the model reads" not in say(studio, session, "a red circle").reply


def test_replies_follow_the_language_of_the_message(studio, session):
    made = say(studio, session, "蓝色背景上的一只猫")
    assert made.reply.startswith("用 I1 生成了新图（模型不认识这些词，已忽略：只） · 种子 7 · 2 步 · ")
    edited = say(studio, session, "把猫变成红色")
    assert edited.decision.route is Route.EDIT and edited.reply.startswith("用 E1 编辑了 v1 · 种子 7 · 2 步")
    assert say(studio, session, "another one").reply.startswith("Variation with a new seed · seed")


def test_generate_edit_undo_redo(studio, session):
    made = say(studio, session, "a red circle on a blue background")
    assert made.decision.route is Route.GENERATE
    assert (made.head.number, made.head.parent) == (1, None)
    assert made.head.recipe.kind is VersionKind.GENERATE and made.head.recipe.seed == 7
    assert "does not know" not in made.reply
    edited = say(studio, session, "make the circle green")
    assert edited.decision.route is Route.EDIT
    assert (edited.head.number, edited.head.parent) == (2, 1)
    assert edited.reply.startswith("Edited v1 with E1")
    assert say(studio, session, "undo").head.number == 1
    assert studio.store.head(session.id).number == 1
    assert say(studio, session, "redo").head.number == 2
    # Nothing was deleted by undo, and the transcript has every turn with its decision.
    assert numbers(studio, session) == [(1, None), (2, 1)]
    routes = [m.decision.route for m in studio.store.messages(session.id) if m.role == "assistant"]
    assert routes == [Route.GENERATE, Route.EDIT, Route.UNDO, Route.REDO]


def test_undo_and_redo_with_a_count(studio, session):
    say(studio, session, "a red circle on a blue background")
    for text in ("make the circle green", "make the background yellow", "make the circle bigger"):
        say(studio, session, text)
    back = say(studio, session, "undo twice")
    assert (back.decision.route, back.decision.count, back.head.number) == (Route.UNDO, 2, 2)
    assert back.reply == "Undone 2 steps: back to v2."
    ahead = say(studio, session, "重做两次")
    assert (ahead.decision.count, ahead.head.number) == (2, 4)
    assert ahead.reply == "已重做 2 步，前进到 v4。"
    # More than there is: it stops at the first version and says how far it went.
    far = say(studio, session, "go back 10 steps")
    assert far.head.number == 1 and studio.store.head(session.id).number == 1
    assert far.reply == "Undone 3 steps: back to v1 (asked for 10: there are only 3)."
    assert numbers(studio, session) == [(1, None), (2, 1), (3, 2), (4, 3)]  # nothing deleted
    # The decision (with its count) is stored with the transcript and read back.
    last = [m for m in studio.store.messages(session.id) if m.role == "assistant"][-1]
    assert last.decision.count == 10


def test_checkout_then_new_turn_branches(studio, session):
    say(studio, session, "a red circle on a blue background")
    say(studio, session, "make the circle green")
    moved = say(studio, session, "go back to version 1")
    assert moved.decision.route is Route.CHECKOUT and moved.head.number == 1
    branch = say(studio, session, "make the background yellow")
    assert (branch.head.number, branch.head.parent) == (3, 1)
    assert numbers(studio, session) == [(1, None), (2, 1), (3, 1)]


def test_checkout_unknown_version_changes_nothing(studio, session):
    say(studio, session, "a red circle")
    before = (numbers(studio, session), studio.store.head(session.id))
    with pytest.raises(NotFound):
        say(studio, session, "go back to version 9")
    assert (numbers(studio, session), studio.store.head(session.id)) == before
    # The refused turn stays in the conversation, with no version.
    said, answer = studio.store.messages(session.id)[-2:]
    assert (said.role, said.text) == ("user", "go back to version 9")
    assert answer.role == "assistant" and answer.text.startswith("⚠ ") and answer.version is None


def test_variation_is_a_new_seed_of_the_same_request(studio, session):
    first = say(studio, session, "a small green square on the left", settings=GenSettings(steps=2, seed=1))
    again = say(studio, session, "another one", settings=GenSettings(steps=2))
    assert again.decision.route is Route.VARIATION
    assert again.head.recipe.kind is VersionKind.VARIATION
    assert again.head.recipe.prompt == first.head.recipe.prompt
    assert again.head.recipe.seed != first.head.recipe.seed
    assert again.head.parent == first.head.number


def test_upload_then_instruction_in_the_same_turn(studio, session, tmp_path):
    path = tmp_path / "photo.png"
    Image.new("RGBA", (128, 64), (200, 10, 10, 128)).save(path)
    result = say(studio, session, "make it blue", attachment=str(path))
    upload, edit = result.created
    assert upload.recipe.kind is VersionKind.UPLOAD and upload.parent is None
    assert edit.recipe.kind is VersionKind.EDIT and edit.parent == upload.number
    assert result.head.number == edit.number
    with Image.open(edit.image_path) as image:  # output keeps the source's 2:1 aspect ratio (tiny: coarse)
        assert 1.6 < image.width / image.height < 2.4


def test_bad_upload_changes_nothing(studio, session, tmp_path):
    bad = tmp_path / "not-an-image.png"
    bad.write_bytes(b"this is text")
    with pytest.raises(InvalidImage):
        say(studio, session, "", attachment=str(bad))
    assert numbers(studio, session) == []
    assert [(m.role, m.version) for m in studio.store.messages(session.id)] == [("user", None), ("assistant", None)]


def test_chat_turn_runs_no_model(studio, session):
    result = say(studio, session, "hello, what can you do?")
    assert result.decision.route is Route.CHAT and result.head is None and "undo" in result.reply
    assert numbers(studio, session) == []
    assert "撤销" in say(studio, session, "你好").reply


def test_empty_message_is_refused(studio, session):
    with pytest.raises(UserError):
        say(studio, session, "   ")


def test_cancel_stops_and_stores_nothing(studio, session):
    def stop_at_first_step(progress):
        studio.cancel(session.id)

    with pytest.raises(Cancelled):
        studio.handle(Turn(session.id, "a red circle", settings=GenSettings(steps=8)), on_step=stop_at_first_step)
    assert numbers(studio, session) == [] and studio.store.messages(session.id) == []
    # The device is free again: the next turn runs.
    assert say(studio, session, "a red circle").head.number == 1


def test_flip_last_turn_reruns_it_the_other_way(studio, session):
    say(studio, session, "a red circle on a blue background")
    say(studio, session, "a green square")  # routed as a new image although a canvas exists
    flipped = studio.flip_last(session.id)
    assert flipped.decision.route is Route.EDIT
    assert (flipped.head.number, flipped.head.parent) == (3, 1)  # a sibling of v2, made from v1


def test_sessions_are_isolated_by_owner(studio):
    mine = studio.new_session(owner="alice")
    say(studio, mine, "a red circle", owner="alice")
    with pytest.raises(NotFound):
        studio.view(mine.id, owner="bob")
    assert all(s.id != mine.id for s in studio.sessions(owner="bob"))


def test_state_survives_a_restart(studio, studio_settings, session):
    say(studio, session, "a red circle")
    say(studio, session, "make the circle green")
    say(studio, session, "undo")
    reopened = build_studio(studio_settings)
    try:
        view = reopened.view(session.id)
        assert view.head.number == 1 and [v.number for v in view.versions] == [1, 2]
        assert reopened.redo(session.id).head.number == 2
    finally:
        reopened.store.close()


def test_concurrent_turns_in_two_sessions(studio):
    sessions = [studio.new_session() for _ in range(2)]
    errors = []

    def run(session):
        try:
            say(studio, session, "a blue triangle")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [numbers(studio, s) for s in sessions] == [[(1, None)], [(1, None)]]


def test_model_calls_go_through_spaces_gpu_with_a_computed_duration(studio):
    from hidream_studio.domain import GenerateRequest
    from hidream_studio.spaces_support import (
        ZEROGPU_MAX_S,
        ZEROGPU_MIN_S,
        GpuScheduledEngine,
        spaces_available,
    )

    if not spaces_available():
        pytest.skip("the spaces package is not installed (pip install -e '.[spaces]')")
    assert isinstance(studio.engine, GpuScheduledEngine)
    few = studio.engine._seconds("generate", GenerateRequest("a red circle", steps=2))
    many = studio.engine._seconds("generate", GenerateRequest("a red circle", steps=10**6))
    assert ZEROGPU_MIN_S <= few <= many == ZEROGPU_MAX_S


def test_variation_of_an_edit_re_edits_the_same_source(studio, session):
    say(studio, session, "a red circle on a blue background")
    edit = say(studio, session, "make the circle green").head
    first = say(studio, session, "another one").head
    second = say(studio, session, "another one").head
    for variation in (first, second):
        assert variation.recipe.kind is VersionKind.VARIATION
        assert variation.recipe.prompt == edit.recipe.prompt
        assert variation.recipe.prompt_sent == edit.recipe.prompt_sent  # still an E1 edit prompt
    assert (first.parent, second.parent) == (edit.number, first.number)


def test_a_variation_of_an_upload_is_refused_politely(studio, session, tmp_path):
    path = tmp_path / "up.png"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(path)
    say(studio, session, "", attachment=str(path))
    result = say(studio, session, "another one")
    assert result.created == [] and "describe one first" in result.reply


def test_upload_with_a_refused_instruction_stores_nothing(studio, session, tmp_path):
    from hidream_studio.domain import InvalidParams

    path = tmp_path / "ok.png"
    Image.new("RGB", (64, 64), (9, 9, 9)).save(path)
    with pytest.raises(InvalidParams):
        say(studio, session, "make it blue", attachment=str(path), settings=GenSettings(steps=100_000))
    assert numbers(studio, session) == []
    said, answer = studio.store.messages(session.id)
    assert said.text == "make it blue" and answer.text.startswith("⚠ ") and answer.version is None


def test_undo_on_an_upload_root_says_how_to_go_back(studio, session, tmp_path):
    say(studio, session, "a red circle")
    path = tmp_path / "up.png"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(path)
    say(studio, session, "", attachment=str(path))
    result = say(studio, session, "undo")
    assert result.head.number == 2 and "go back to version 1" in result.reply
