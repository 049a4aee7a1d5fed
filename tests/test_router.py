"""The intent router: a table of messages in English and Chinese and what they must become."""

from __future__ import annotations

import pytest

from hidream_studio.domain import Decision, Route
from hidream_studio.router import flipped, normalize, route
from hidream_studio.router.numbers import parse_en, parse_number, parse_zh

G, E, U, R, C, V, UP, CH = (
    Route.GENERATE,
    Route.EDIT,
    Route.UNDO,
    Route.REDO,
    Route.CHECKOUT,
    Route.VARIATION,
    Route.UPLOAD,
    Route.CHAT,
)
SAME = object()  # "the text as typed" (CHAT keeps the original message)

# (message, has_canvas, has_attachment, route, text, target)
CASES = [
    # --- edit with a canvas: instructions -------------------------------------------------------
    ("make the circle green", True, False, E, "make the circle green", None),
    ("remove the triangle", True, False, E, "remove the triangle", None),
    ("add a hat", True, False, E, "add a hat", None),
    ("turn it into a watercolor painting", True, False, E, "turn it into a watercolor painting", None),
    ("change the background to yellow", True, False, E, "change the background to yellow", None),
    ("Please make it blue.", True, False, E, "make it blue", None),
    ("Could you make the cat look happier?", True, False, E, "make the cat look happier", None),
    ("can you please replace the dog with a fox", True, False, E, "replace the dog with a fox", None),
    ("thanks, now make the sky red", True, False, E, "make the sky red", None),
    ("ok get rid of the tree", True, False, E, "get rid of the tree", None),
    ("I want the sky to be purple", True, False, E, "the sky to be purple", None),
    ("the cat should wear a scarf", True, False, E, "the cat should wear a scarf", None),
    ("brighter", True, False, E, "brighter", None),
    ("more saturated please", True, False, E, "more saturated", None),
    ("with a red scarf", True, False, E, "with a red scarf", None),
    ("a dog instead", True, False, E, "a dog instead", None),
    ("in the style of van gogh", True, False, E, "in the style of van gogh", None),
    ("red", True, False, E, "red", None),
    ("draw a mustache on him", True, False, E, "draw a mustache on him", None),
    ("paint it red", True, False, E, "paint it red", None),
    ("redo the background in blue", True, False, E, "redo the background in blue", None),
    ("ＭＡＫＥ ＩＴ ＢＬＵＥ？", True, False, E, "MAKE IT BLUE", None),
    ("把背景换成黄色", True, False, E, "把背景换成黄色", None),
    ("帮我把背景换成黄色。", True, False, E, "把背景换成黄色", None),
    ("可以把背景换成黄色吗？", True, False, E, "把背景换成黄色", None),
    ("请把三角形去掉", True, False, E, "把三角形去掉", None),
    ("去掉三角形", True, False, E, "去掉三角形", None),
    ("加一顶帽子", True, False, E, "加一顶帽子", None),
    ("背景改成蓝色吧", True, False, E, "背景改成蓝色", None),
    ("让它变成水彩画", True, False, E, "让它变成水彩画", None),
    ("给猫戴上一顶帽子", True, False, E, "给猫戴上一顶帽子", None),
    ("在猫头上画一顶帽子", True, False, E, "在猫头上画一顶帽子", None),
    ("更亮一点", True, False, E, "更亮一点", None),
    ("赛博朋克风格", True, False, E, "赛博朋克风格", None),
    ("恢复原来的颜色", True, False, E, "恢复原来的颜色", None),
    ("换一个背景", True, False, E, "换一个背景", None),
    ("谢谢！把圆形变成绿色", True, False, E, "把圆形变成绿色", None),
    ("怎么把背景换成黄色？", True, False, E, "把背景换成黄色", None),
    ("same but at night", True, False, E, "same but at night", None),
    ("what if the cat was orange?", True, False, E, "what if the cat was orange", None),
    ("is it possible to make it brighter?", True, False, E, "make it brighter", None),
    ("I'd like to make it brighter", True, False, E, "make it brighter", None),
    ("it's too dark", True, False, E, "it's too dark", None),
    ("太暗了", True, False, E, "太暗了", None),
    ("帮我P掉背景里的人", True, False, E, "P掉背景里的人", None),
    ("clear the sky", True, False, E, "clear the sky", None),
    ("cool it down", True, False, E, "cool it down", None),
    ("place a lamp on the table", True, False, E, "place a lamp on the table", None),
    ("flip it horizontally", True, False, E, "flip it horizontally", None),
    ("upscale it", True, False, E, "upscale it", None),  # "<verb> it" is about the canvas (it made a new image)
    # --- generate with a canvas: a new scene or an explicit ask ------------------------------------
    ("a cat on a sofa", True, False, G, "a cat on a sofa", None),
    ("new image: a red cube on a table", True, False, G, "a red cube on a table", None),
    ("New picture - a lighthouse at dusk", True, False, G, "a lighthouse at dusk", None),
    ("generate an image of a sunset over the sea", True, False, G, "a sunset over the sea", None),
    ("draw me a picture of a cat", True, False, G, "a cat", None),
    ("Can you draw me a cat?", True, False, G, "a cat", None),
    ("paint a sunset", True, False, G, "a sunset", None),
    ("make a poster of a jazz festival", True, False, G, "a poster of a jazz festival", None),
    ("make me a logo for a bakery", True, False, G, "a logo for a bakery", None),
    ("I want a dog in the snow", True, False, G, "a dog in the snow", None),
    ("how about a dog?", True, False, G, "a dog", None),
    ("nice sunset over the sea", True, False, G, "nice sunset over the sea", None),
    ("hello kitty on a skateboard", True, False, G, "hello kitty on a skateboard", None),
    ("a photo of a cat", True, False, G, "a photo of a cat", None),
    ("画一张海边的日落", True, False, G, "海边的日落", None),
    ("请帮我画一只猫", True, False, G, "一只猫", None),
    ("能帮我画一只猫吗？", True, False, G, "一只猫", None),
    ("生成一张赛博朋克城市的图片", True, False, G, "赛博朋克城市的图片", None),
    ("来一张风景画", True, False, G, "风景画", None),
    ("新图：一只橘猫", True, False, G, "一只橘猫", None),
    ("一只猫在沙发上", True, False, G, "一只猫在沙发上", None),
    ("好看的猫", True, False, G, "好看的猫", None),
    ("画只猫", True, False, G, "猫", None),
    ("make 3 cats", True, False, G, "3 cats", None),
    ("let's start over with a dog", True, False, G, "a dog", None),
    # words that are verbs only sometimes: before a noun they describe a new scene
    ("clear skies over a mountain lake", True, False, G, "clear skies over a mountain lake", None),
    ("warm light in a wooden cabin", True, False, G, "warm light in a wooden cabin", None),
    ("cool cat with sunglasses", True, False, G, "cool cat with sunglasses", None),
    ("cover of a fantasy novel", True, False, G, "cover of a fantasy novel", None),
    ("set of tea cups on a shelf", True, False, G, "set of tea cups on a shelf", None),
    ("mirror lake at dawn", True, False, G, "mirror lake at dawn", None),
    ("crop circles in a wheat field", True, False, G, "crop circles in a wheat field", None),
    # --- no canvas: an edit instruction is answered, not drawn (it used to make a new image) -------
    ("make it blue", False, False, CH, SAME, None),
    ("add a hat", False, False, CH, SAME, None),
    ("把背景换成黄色", False, False, CH, SAME, None),
    ("a cat on a sofa", False, False, G, "a cat on a sofa", None),
    ("画一只狗", False, False, G, "一只狗", None),
    # --- undo / redo -----------------------------------------------------------------------------
    ("undo", True, False, U, "", None),
    ("Undo that!", True, False, U, "", None),
    ("go back", True, False, U, "", None),
    ("please go back one step", True, False, U, "", None),
    ("the previous version", True, False, U, "", None),
    ("undo the last two changes", True, False, U, "", None),
    ("撤销", True, False, U, "", None),
    ("撤回", True, False, U, "", None),
    ("返回上一步", True, False, U, "", None),
    ("请撤销一下", True, False, U, "", None),
    ("that's wrong, go back", True, False, U, "", None),
    ("redo", True, False, R, "", None),
    ("redo that", True, False, R, "", None),
    ("重做", True, False, R, "", None),
    ("恢复", True, False, R, "", None),
    # --- checkout --------------------------------------------------------------------------------
    ("go back to version 2", True, False, C, "", 2),
    ("checkout v3", True, False, C, "", 3),
    ("show me version 4", True, False, C, "", 4),
    ("give me version 2", True, False, C, "", 2),
    ("can I see version 2?", True, False, C, "", 2),
    ("Revert to version two, please", True, False, C, "", 2),
    ("go back to the first version", True, False, C, "", 1),
    ("go back to the twenty-first version", True, False, C, "", 21),
    ("version 3", True, False, C, "", 3),
    ("v12", True, False, C, "", 12),
    ("#4", True, False, C, "", 4),
    ("go back to 2", True, False, C, "", 2),
    ("let's see version 3", True, False, C, "", 3),
    ("go back to the original", True, False, C, "", 1),
    ("回到第二个版本", True, False, C, "", 2),
    ("回到版本3", True, False, C, "", 3),
    ("回到第十二个版本", True, False, C, "", 12),
    ("切换到第３版", True, False, C, "", 3),
    ("看看版本五", True, False, C, "", 5),
    ("可以回到第二个版本吗？", True, False, C, "", 2),
    ("回到原图", True, False, C, "", 1),
    ("go back to version 2", False, False, C, "", 2),
    # --- variation -------------------------------------------------------------------------------
    ("another one", True, False, V, "", None),
    ("try again", True, False, V, "", None),
    ("Another one, please!", True, False, V, "", None),
    ("give me another", True, False, V, "", None),
    ("great, one more", True, False, V, "", None),
    ("new seed", True, False, V, "", None),
    ("再来一张", True, False, V, "", None),
    ("换一个", True, False, V, "", None),
    ("重新生成", True, False, V, "", None),
    ("再画一张", True, False, V, "", None),
    ("这个不错，再来一张", True, False, V, "", None),
    # --- upload ----------------------------------------------------------------------------------
    ("", False, True, UP, "", None),
    ("here's my photo", True, True, UP, "", None),
    ("use this photo and make it blue", False, True, UP, "make it blue", None),
    ("please make it black and white", True, True, UP, "make it black and white", None),
    ("edit this picture: remove the car", False, True, UP, "remove the car", None),
    ("use this as a base", False, True, UP, "", None),
    ("take this, add a hat", True, True, UP, "add a hat", None),
    ("what do you think?", False, True, UP, "", None),
    ("hi", False, True, UP, "", None),
    ("这是我的照片", False, True, UP, "", None),
    ("用这张图，把背景换成蓝色", False, True, UP, "把背景换成蓝色", None),
    ("undo", True, True, UP, "undo", None),
    # --- chat ------------------------------------------------------------------------------------
    ("hi", False, False, CH, SAME, None),
    ("Hello there!", True, False, CH, SAME, None),
    ("thanks!", True, False, CH, SAME, None),
    ("perfect!", True, False, CH, SAME, None),
    ("help", False, False, CH, SAME, None),
    ("what can you do?", False, False, CH, SAME, None),
    ("how do I undo", True, False, CH, SAME, None),
    ("who painted the mona lisa?", True, False, CH, SAME, None),
    ("what's up?", False, False, CH, SAME, None),
    ("你好", False, False, CH, SAME, None),
    ("谢谢！", True, False, CH, SAME, None),
    ("你能做什么？", False, False, CH, SAME, None),
    ("这是什么？", True, False, CH, SAME, None),
    ("版本2是什么？", True, False, CH, SAME, None),
    ("", True, False, CH, SAME, None),
    ("new image:", True, False, CH, SAME, None),
    ("画", False, False, CH, SAME, None),
    ("I don't like it", True, False, CH, SAME, None),
    ("不好看", True, False, CH, SAME, None),
    ("is it blue?", True, False, CH, SAME, None),
    ("compare version 2 and 3", True, False, CH, SAME, None),
    ("删除版本3", True, False, CH, SAME, None),
    # asking to start over made a picture of the word "reset"
    ("reset", True, False, CH, SAME, None),
    ("restart", True, False, CH, SAME, None),
    ("new session", True, False, CH, SAME, None),
    ("清空", True, False, CH, SAME, None),
]


@pytest.mark.parametrize(("message", "canvas", "attachment", "want_route", "want_text", "want_target"), CASES)
def test_route_table(message, canvas, attachment, want_route, want_text, want_target):
    got = route(message, has_canvas=canvas, has_attachment=attachment)
    assert isinstance(got, Decision)
    assert got.route is want_route, got
    assert got.text == (message.strip() if want_text is SAME else want_text), got
    assert got.target == want_target, got
    assert got.reason, "every decision says why"


def test_table_covers_every_route_in_both_languages():
    def is_zh(text):
        return any("\u4e00" <= ch <= "\u9fff" for ch in text)

    for r in Route:
        rows = [c for c in CASES if c[3] is r]
        assert any(not is_zh(c[0]) for c in rows), f"no English case for {r}"
        assert any(is_zh(c[0]) for c in rows), f"no Chinese case for {r}"
    assert len(CASES) >= 80


@pytest.mark.parametrize(
    ("message", "canvas", "fragment"),
    [
        ("make the circle green", True, "instruction verb 'make' with a canvas"),
        ("make it blue", False, "no canvas"),
        ("a cat on a sofa", True, "new scene"),
        ("draw me a cat", True, "'draw'"),
        ("把背景换成黄色", True, "'换成'"),
        ("回到第二个版本", True, "version 2"),
        ("hi", False, "greeting"),
        ("thanks", False, "thanks"),
        ("what can you do?", False, "help"),
    ],
)
def test_reason_is_short_and_says_why(message, canvas, fragment):
    reason = route(message, has_canvas=canvas).reason
    assert fragment in reason
    assert len(reason) <= 80


def test_upload_reason_mentions_the_instruction_only_when_there_is_one():
    assert "edits it" in route("make it blue", has_canvas=False, has_attachment=True).reason
    assert "edits it" not in route("", has_canvas=False, has_attachment=True).reason


def test_whitespace_and_punctuation_are_cleaned_but_content_is_kept():
    got = route("  please   draw  a cat (fluffy), in the rain!!  ", has_canvas=False)
    assert got.route is G
    assert got.text == "a cat (fluffy), in the rain"
    assert route("A Cat Named Bob", has_canvas=False).text == "A Cat Named Bob"


def test_chat_keeps_the_message_as_typed():
    assert route("  hi  there ", has_canvas=False).text == "hi there"


def test_flip_generate_and_edit_keep_the_text():
    edit = route("make the circle green", has_canvas=True)
    gen = flipped(edit)
    assert gen is not None and gen.route is G and gen.text == edit.text and "flipped" in gen.reason
    back = flipped(gen)
    assert back is not None and back.route is E and back.text == edit.text
    assert flipped(route("a cat on a sofa", has_canvas=True)).route is E


def test_flip_has_nothing_sensible_for_other_routes():
    for message, attach in [("undo", False), ("redo", False), ("version 2", False), ("another one", False),
                            ("hi", False), ("make it blue", True)]:  # fmt: skip
        assert flipped(route(message, has_canvas=True, has_attachment=attach)) is None, message


def test_flip_to_edit_needs_a_canvas():
    gen = route("a cat on a sofa", has_canvas=False)
    assert gen.route is G
    assert flipped(gen, has_canvas=False) is None
    assert flipped(gen, has_canvas=True).route is E


@pytest.mark.parametrize(("message", "want_route", "count"), [
    ("undo twice", "undo", 2), ("undo 3 times", "undo", 3), ("go back two steps", "undo", 2),
    ("undo the last 2 changes", "undo", 2), ("step back 2 steps", "undo", 2), ("redo twice", "redo", 2),
    ("redo three times please", "redo", 3), ("撤销两次", "undo", 2), ("后退三步", "undo", 3), ("重做两次", "redo", 2),
    ("undo 1000 times", "undo", 100),  # capped; the studio stops at the root anyway
    ("undo", "undo", 1), ("撤销一步", "undo", 1), ("回到上一步", "undo", 1), ("下一步", "redo", 1),
    ("undo 0 times", "undo", 1),  # a zero count is no count: a plain undo
    ("再来一次", "variation", 1), ("make it twice as big", "edit", 1),
])
def test_undo_redo_repeat_counts(message, want_route, count):
    d = route(message, has_canvas=True)
    assert (d.route.value, d.count) == (want_route, count)


def test_decision_round_trips_through_a_dict():
    d = route("回到版本3", has_canvas=True)
    assert d.to_dict() == {"route": "checkout", "text": "", "target": 3, "reason": d.reason, "count": 1,
                           "confidence": 1.0, "by": "rules", "chat": None}
    assert Decision.from_dict(d.to_dict()) == d
    thanks = route("thanks!", has_canvas=True)
    assert thanks.to_dict()["chat"] == "social"
    assert Decision.from_dict(thanks.to_dict()) == thanks
    learned = route("a lighthouse on a cliff at dawn", has_canvas=True)
    assert learned.by == "classifier" and 0.5 < learned.confidence <= 1.0
    assert Decision.from_dict(learned.to_dict()).route is G


def test_normalize_folds_full_width_and_spaces():
    assert normalize("  ｖ３ ，  ok？ ") == "v3 , ok?"
    assert normalize(None) == ""


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), ("seven", 7), ("twenty-one", 21), ("21st", 21), ("second", 2), ("三", 3), ("十二", 12),
     ("二十", 20), ("一百零五", 105), ("两", 2), ("banana", None), ("第", None)],
)  # fmt: skip
def test_numbers(text, value):
    assert parse_number(text) == value


def test_number_parsers_do_not_cross_languages():
    assert parse_en("三") is None
    assert parse_zh("three") is None


def test_router_is_pure_and_light():
    import sys

    import hidream_studio.router.core as core

    source = (
        open(core.__file__, encoding="utf-8").read()
        + open(core.__file__.replace("core.py", "lexicon.py"), encoding="utf-8").read()
    )
    for heavy in ("torch", "gradio", "sqlalchemy", "PIL", "open(", "requests"):
        assert heavy not in source, heavy
    assert "hidream_studio.router" in sys.modules


def test_invariants_hold_for_random_word_salad():
    import random

    rng = random.Random(4)
    words = (
        "make it the a cat 猫 把 换成 version v2 go back to please 请 再 更 一点 here's my photo use this and"
        " , . ? ！ 第 二 个 版本 draw me new image : with undo 撤销 another 再来一张 hi 你好 吗"
    ).split()
    for i in range(400):
        message = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
        d = route(message, has_canvas=bool(i % 2), has_attachment=i % 5 == 0)
        assert d.reason, message
        if d.route in (G, E):
            assert d.text.strip(), message
        if d.route is E:
            assert i % 2, "an edit needs a canvas"
        if d.route is C:
            assert isinstance(d.target, int) and d.text == "", message
        else:
            assert d.target is None, message
        if d.route in (U, R, V):
            assert d.text == "", message
        assert (d.route is UP) == (i % 5 == 0), message


@pytest.mark.parametrize("text", ["make it pretty", "make it beautiful", "turn it cute", "make this lovely"])
def test_an_imperative_on_the_picture_is_never_conversation(text):
    """Praise words inside an instruction ("make it pretty") do not make it small talk."""
    assert route(text, has_canvas=True).route is Route.EDIT
    assert route("it's pretty", has_canvas=True).route is Route.CHAT
