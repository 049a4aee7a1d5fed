"""Conversation answered as conversation, through the real Studio (tiny engine, real SQLite file).

With a picture on the canvas, a few hundred acknowledgements, thanks and closings (composed here,
English and Chinese) each get a text reply and leave the version tree and the canvas as they were.
"""

from __future__ import annotations

import itertools

import pytest

from hidream_studio.domain import ChatKind, Route
from hidream_studio.studio import GenSettings, Turn

FAST = GenSettings(steps=2, seed=3)

_EN_OPEN = ["", "ok ", "oh ", "wow, ", "alright, ", "hmm ok, ", "great, ", "haha "]
_EN_BODY = ["thanks so much", "thank you, that's lovely", "that's really nice", "this is gorgeous", "nice work",
            "that'll do", "I'm done for now", "that's all I needed", "not right now", "maybe another time",
            "sounds good to me", "love this one", "perfect, cheers", "you nailed it", "bye for now",
            "all good here", "no thanks, I'm happy", "fair enough"]
_EN_CLOSE = ["", "!", " :)", ", bye", " for today"]
_ZH_OPEN = ["", "好的，", "哇，", "嗯，", "哈哈，"]
_ZH_BODY = ["谢谢你", "太好看了", "非常满意", "就这样吧", "先不用了", "下次再聊", "辛苦啦", "真不错", "我很喜欢这张",
            "没有别的了", "好的收到", "谢谢，再见"]
_ZH_CLOSE = ["", "！", "～", "。"]


def acknowledgements() -> list[str]:
    en = [f"{a}{b}{c}" for a, b, c in itertools.product(_EN_OPEN, _EN_BODY, _EN_CLOSE)]
    zh = [f"{a}{b}{c}" for a, b, c in itertools.product(_ZH_OPEN, _ZH_BODY, _ZH_CLOSE)]
    # Every 3rd English one and every 2nd Chinese one: a few hundred, both languages, all patterns.
    return en[::3] + zh[::2]


def test_there_are_a_few_hundred_in_both_languages():
    messages = acknowledgements()
    assert len(set(messages)) >= 300
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages) >= 100


@pytest.fixture(scope="module")
def canvas(studio):
    session = studio.new_session(title="acknowledgements")
    made = studio.handle(Turn(session.id, "a red circle on a blue background", settings=FAST))
    assert made.head is not None and made.head.number == 1
    return session


def test_no_acknowledgement_makes_a_version(studio, canvas):
    before = [(v.number, v.image_sha256) for v in studio.store.versions(canvas.id)]
    drew = []
    for message in acknowledgements():
        result = studio.handle(Turn(canvas.id, message, settings=FAST))
        if result.created or result.decision.route is not Route.CHAT or result.head.number != 1:
            drew.append((message, result.decision.route.value))
        assert result.reply
    assert drew == []
    assert [(v.number, v.image_sha256) for v in studio.store.versions(canvas.id)] == before
    assert studio.store.head(canvas.id).number == 1


@pytest.mark.parametrize(("message", "words"), [
    ("thanks!", "welcome"), ("ok, that's all, thanks", "Come back"), ("not right now", "whenever"),
    ("谢谢！", "不客气"), ("就这样吧", "随时"),
])
def test_social_replies_follow_the_language_and_the_kind(studio, canvas, message, words):
    result = studio.handle(Turn(canvas.id, message))
    assert result.decision.chat is ChatKind.SOCIAL
    assert words in result.reply


def test_negative_feedback_offers_the_way_back_and_undoes_when_told(studio, session):
    studio.handle(Turn(session.id, "a red circle on a blue background", settings=FAST))
    studio.handle(Turn(session.id, "make the circle green", settings=FAST))
    told = studio.handle(Turn(session.id, "I liked it better before"))
    assert told.decision.chat is ChatKind.NEGATIVE and "undo" in told.reply
    assert told.head.number == 2 and not told.created
    assert "撤销" in studio.handle(Turn(session.id, "不好看")).reply
    back = studio.handle(Turn(session.id, "that's worse, go back"))
    assert back.decision.route is Route.UNDO
    assert studio.store.head(session.id).number == 1


def test_an_edit_with_no_canvas_is_answered_not_drawn(studio, session):
    for message, words in (("make the circle bigger", "no picture yet"), ("把背景换成黄色", "还没有图片")):
        result = studio.handle(Turn(session.id, message))
        assert result.decision.route is Route.CHAT and result.decision.chat is ChatKind.NO_CANVAS
        assert words in result.reply
        assert result.head is None and not result.created
    assert studio.store.versions(session.id) == []


def test_a_question_about_the_studio_is_answered_from_its_help(studio, session):
    result = studio.handle(Turn(session.id, "how do I undo"))
    assert result.decision.chat is ChatKind.HELP and "*undo*" in result.reply
    assert "撤销" in studio.handle(Turn(session.id, "怎么用")).reply
