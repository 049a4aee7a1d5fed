"""What the studio says back: short, bilingual, no model involved.

The reply language follows the user's message (any CJK character -> Chinese): every function that
words a reply takes `zh`, which the studio sets from the message the person typed.
"""

from __future__ import annotations

import re

from .domain import Decision, Recipe, Route, Version, VersionKind

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

HELP_EN = (
    "I make and edit images from what you type.\n"
    "- Describe a picture to create it: *a red circle on a blue background*.\n"
    "- Then tell me what to change: *make the circle green*, *remove the triangle*.\n"
    "- *undo*, *redo*, *go back to version 2*, *another one* (same request, new seed).\n"
    "- Attach an image to start from it; a message sent with it edits the upload.\n"
    "Every result is a version: nothing is lost, and you can branch from any of them."
)
HELP_ZH = (
    "我根据你的文字生成和编辑图片。\n"
    "- 描述一张图来生成：*蓝色背景上的一个红色圆形*。\n"
    "- 然后说出要改什么：*把圆形变成绿色*、*去掉三角形*。\n"
    "- *撤销*、*重做*、*回到版本2*、*再来一张*（同样的要求，换一个种子）。\n"
    "- 上传一张图片即可从它开始；随图发送的文字会直接编辑这张图。\n"
    "每个结果都是一个版本：什么都不会丢，可以从任何版本分支。"
)


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def decision_label(decision: Decision, source: int | None = None, zh: bool = False) -> str:
    """The route shown on a reply, e.g. "Edited v3 with E1" / "New image with I1" (zh: "用 E1 编辑了 v3")."""
    route = decision.route
    if route is Route.EDIT:
        if zh:
            return f"用 E1 编辑了 v{source}" if source else "用 E1 编辑了图片"
        return f"Edited v{source} with E1" if source else "Edited with E1"
    labels = {
        Route.GENERATE: ("用 I1 生成了新图", "New image with I1"),
        Route.VARIATION: ("换了一个种子的变体", "Variation with a new seed"),
        Route.UPLOAD: ("已上传", "Uploaded"),
    }
    if route in labels:
        return labels[route][0 if zh else 1]
    return route.value.capitalize()


def recipe_summary(recipe: Recipe, zh: bool = False) -> str:
    """"seed 7 · 12 steps · 0.8 s" for a made version, "512x512 upload" for an upload
    (zh: "种子 7 · 12 步 · 0.8 秒", "512x512 上传")."""
    if recipe.kind is VersionKind.UPLOAD:
        upload = "上传" if zh else "upload"
        return f"{recipe.width}x{recipe.height} {upload}" if recipe.width else upload
    parts = []
    if recipe.seed is not None:
        parts.append(f"种子 {recipe.seed}" if zh else f"seed {recipe.seed}")
    if recipe.steps:
        parts.append(f"{recipe.steps} 步" if zh else f"{recipe.steps} steps")
    if recipe.elapsed_s is not None:
        parts.append(f"{recipe.elapsed_s:.1f} 秒" if zh else f"{recipe.elapsed_s:.1f} s")
    return " · ".join(parts)


def made_reply(decision: Decision, recipe: Recipe, source: int | None = None, target: str | None = None,
               unknown: list[str] | None = None, tokens_ignored: int = 0, zh: bool = False) -> str:
    """The stored reply of a turn that made a version (the UI adds "→ vN" from the message's version).
    `target`: the description the editor's describer wrote for the instruction, shown so a person
    sees how the instruction was understood. `unknown`: prompt words the model's vocabulary lacks
    (nano's closed one), said so a person knows they were ignored. `tokens_ignored`: how much of a
    very long prompt lay past what the text encoders read (HiDream: 218 tokens)."""
    notes = []
    if target:
        notes.append(f"目标：{target}" if zh else f"target: {target}")
    if unknown:
        notes.append(("模型不认识这些词，已忽略：" + "、".join(unknown)) if zh
                     else "words the model does not know, ignored: " + ", ".join(unknown))
    if tokens_ignored:
        notes.append(f"提示词超出了模型能读的长度：最后 {tokens_ignored} 个词元被忽略" if zh
                     else f"the prompt is longer than the model reads: its last {tokens_ignored} tokens were ignored")
    label = decision_label(decision, source, zh)
    label += "".join(f"（{note}）" if zh else f" ({note})" for note in notes)
    summary = recipe_summary(recipe, zh)
    return f"{label} · {summary}" if summary else label


def head_moved(route: Route, version: Version | None, zh: bool, head: Version | None = None,
               asked: int = 1, steps: int = 1) -> str:
    """Reply to undo / redo / checkout. `version` is where the head went (None: it did not move),
    `head` where it was; for undo/redo, `asked` steps were asked for and `steps` were taken."""
    if version is None:
        if route is Route.UNDO and head is not None and head.number != 1:
            # A root that is not the first version: an upload. Say how to get back further.
            if zh:
                return f"v{head.number} 是一个新的起点（上传），前面没有可撤销的。可以说“回到版本1”。"
            return f"v{head.number} starts a new line (an upload): there is nothing before it. Say \"go back to version 1\" to return."
        if route is Route.UNDO:
            return "没有可以撤销的了。" if zh else "Nothing to undo: this is the first version."
        return "没有可以重做的了。" if zh else "Nothing to redo."
    verb = {
        Route.UNDO: ("已撤销，回到", "Undone: back to"),
        Route.REDO: ("已重做，前进到", "Redone: forward to"),
        Route.CHECKOUT: ("已切换到", "Checked out"),
    }[route]
    if route is Route.CHECKOUT or asked <= 1:
        return f"{verb[0]} v{version.number}。" if zh else f"{verb[1]} v{version.number}."
    if zh:
        done = "撤销" if route is Route.UNDO else "重做"
        short = "" if steps == asked else f"（只有 {steps} 步可{done}）"
        return f"已{done} {steps} 步，{'回到' if route is Route.UNDO else '前进到'} v{version.number}{short}。"
    word = "Undone" if route is Route.UNDO else "Redone"
    where = "back to" if route is Route.UNDO else "forward to"
    short = "" if steps == asked else f" (asked for {asked}: there {'is' if steps == 1 else 'are'} only {steps})"
    return f"{word} {steps} step{'s' if steps != 1 else ''}: {where} v{version.number}{short}."


def no_canvas_for_variation(zh: bool) -> str:
    return "还没有图片可以变化，先描述一张吧。" if zh else "There is no image to vary yet: describe one first."


def options_reply(decision: Decision, first: Recipe, count: int, zh: bool) -> str:
    """Reply to a turn that made `count` candidates (the studio adds their version numbers)."""
    what = "新图" if decision.route is Route.GENERATE else "变化"
    if zh:
        return f"{count} 个{what}供选择（点击一个继续）· {recipe_summary(first, zh=True)}"
    what = "new images" if decision.route is Route.GENERATE else "variations"
    return f"{count} options ({what}): click one to continue from it · {recipe_summary(first)}"
