"""Replies speak the user's language (any CJK character -> Chinese) on every route, notes included."""

from __future__ import annotations

import re

import pytest

from hidream_studio import replies
from hidream_studio.domain import Decision, Recipe, Route, Version, VersionKind

CJK = re.compile(r"[\u3400-\u9fff]")
MADE = Recipe(kind=VersionKind.GENERATE, prompt="x", seed=7, steps=12, elapsed_s=0.84)
UPLOAD = Recipe(kind=VersionKind.UPLOAD, width=512, height=256)


def version(number: int, parent: int | None = None) -> Version:
    return Version("s", number, parent, MADE, "/x.png", "0" * 64, "2026-01-01T00:00:00Z")


def made(route: Route, zh: bool, **kw) -> str:
    recipe = UPLOAD if route is Route.UPLOAD else MADE
    return replies.made_reply(Decision(route, "x"), recipe, zh=zh, **kw)


@pytest.mark.parametrize(("route", "source", "en", "zh"), [
    (Route.GENERATE, None, "New image with I1 · seed 7 · 12 steps · 0.8 s", "用 I1 生成了新图 · 种子 7 · 12 步 · 0.8 秒"),
    (Route.EDIT, 3, "Edited v3 with E1 · seed 7 · 12 steps · 0.8 s", "用 E1 编辑了 v3 · 种子 7 · 12 步 · 0.8 秒"),
    (Route.VARIATION, None, "Variation with a new seed · seed 7 · 12 steps · 0.8 s",
     "换了一个种子的变体 · 种子 7 · 12 步 · 0.8 秒"),
    (Route.UPLOAD, None, "Uploaded · 512x256 upload", "已上传 · 512x256 上传"),
])
def test_a_made_version_is_reported_in_both_languages(route, source, en, zh):
    recipe = UPLOAD if route is Route.UPLOAD else MADE
    assert replies.made_reply(Decision(route, "x"), recipe, source) == en
    assert replies.made_reply(Decision(route, "x"), recipe, source, zh=True) == zh


def test_the_notes_follow_the_language_too():
    en = made(Route.EDIT, False, source=2, target="a green circle", unknown=["unicorn", "sparkly"], tokens_ignored=40)
    zh = made(Route.EDIT, True, source=2, target="蓝色背景上的绿色圆形", unknown=["独角兽"], tokens_ignored=40)
    assert en == ("Edited v2 with E1 (target: a green circle) (words the model does not know, ignored: unicorn, "
                  "sparkly) (the prompt is longer than the model reads: its last 40 tokens were ignored) · seed 7 · "
                  "12 steps · 0.8 s")
    assert zh == ("用 E1 编辑了 v2（目标：蓝色背景上的绿色圆形）（模型不认识这些词，已忽略：独角兽）"
                  "（提示词超出了模型能读的长度：最后 40 个词元被忽略） · 种子 7 · 12 步 · 0.8 秒")


@pytest.mark.parametrize("route", [Route.UNDO, Route.REDO, Route.CHECKOUT])
def test_head_moves_are_answered_in_both_languages(route):
    moved_en = replies.head_moved(route, version(2), zh=False, head=version(3))
    moved_zh = replies.head_moved(route, version(2), zh=True, head=version(3))
    assert "v2" in moved_en and not CJK.search(moved_en)
    assert "v2" in moved_zh and CJK.search(moved_zh)
    if route is not Route.CHECKOUT:
        for zh in (False, True):  # nothing to undo / redo
            stuck = replies.head_moved(route, None, zh=zh, head=version(1))
            assert bool(CJK.search(stuck)) is zh


def test_counted_undo_and_a_short_history_in_both_languages():
    en = replies.head_moved(Route.UNDO, version(1), zh=False, head=version(4), asked=5, steps=3)
    zh = replies.head_moved(Route.UNDO, version(1), zh=True, head=version(4), asked=5, steps=3)
    assert en == "Undone 3 steps: back to v1 (asked for 5: there are only 3)."
    assert zh == "已撤销 3 步，回到 v1（只有 3 步可撤销）。"


def test_the_refused_variation_in_both_languages():
    assert not CJK.search(replies.no_canvas_for_variation(False))
    assert CJK.search(replies.no_canvas_for_variation(True))


def test_is_chinese_looks_for_any_cjk_character():
    assert replies.is_chinese("make it 红色") and replies.is_chinese("把圆形变成绿色")
    assert not replies.is_chinese("make it red") and not replies.is_chinese("") and not replies.is_chinese(None)
