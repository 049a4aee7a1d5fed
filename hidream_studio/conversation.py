"""Conversation answered as conversation: short replies to CHAT turns, in the user's language.

    reply(decision, text, has_canvas)  -> the answer to a CHAT turn (nothing is drawn or changed)
    assumption(decision, zh)           -> "" or one line saying whether an unsure turn was taken as
                                          an edit or a new image (the flip button gives the other)

The kind of conversation comes from the router (Decision.chat); these functions only choose words.
"""

from __future__ import annotations

import re

from .domain import ChatKind, Decision, Route
from .replies import HELP_EN, HELP_ZH, is_chinese

# Below this confidence a classifier's new-image / edit choice is said out loud.
SAY_ASSUMPTION_BELOW = 0.8

_BYE = re.compile(r"\b(?:bye|goodbye|see you|good night|that'?s all|that will be all|i'?m done|done for|"
                  r"stop here|all set|nothing else)\b|再见|拜拜|晚安|就这样|先这样|没有别的|没有问题了|没事了", re.I)
_NOT_NOW = re.compile(r"\b(?:not (?:right )?now|maybe later|later|think about it|come back)\b|不用了|以后再说|"
                      r"等会|下次|再想想|考虑一下|暂时不", re.I)
_THANKS = re.compile(r"\b(?:thank|thanks|thx|ty|cheers|appreciate)\b|谢|感谢", re.I)
_GREETING = re.compile(r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|howdy)\b|^(?:你好|您好|嗨|哈喽|早上好|"
                       r"下午好|晚上好|在吗)", re.I)


def _social(text: str, zh: bool) -> str:
    if _BYE.search(text):
        return "好的，随时回来继续创作！" if zh else "Glad to help. Come back any time: every version is kept."
    if _NOT_NOW.search(text):
        return "好的，准备好了随时告诉我。" if zh else "No problem: tell me whenever you want to change something."
    if _THANKS.search(text):
        return "不客气！还想改什么就告诉我。" if zh else "You're welcome! Tell me if you want to change anything."
    if _GREETING.search(text):
        return f"你好！{HELP_ZH}" if zh else f"Hello! {HELP_EN}"
    return "很高兴你喜欢！还想改什么就告诉我。" if zh else "Glad you like it! Tell me if you want to change anything."


def _negative(has_canvas: bool, zh: bool) -> str:
    if not has_canvas:
        return ("还没有图片。描述一张图，我来画。" if zh
                else "There is no picture yet: describe one and I'll make it.")
    if zh:
        return "抱歉。说“撤销”回到上一个版本，或者告诉我具体要改什么。"
    return "Sorry about that. Say \"undo\" to go back to the previous version, or tell me what to change."


def reply(decision: Decision, text: str, has_canvas: bool) -> str:
    """The answer to a CHAT turn; it never draws, and never moves the canvas."""
    zh = is_chinese(text)
    kind = decision.chat or ChatKind.HELP
    if kind is ChatKind.SOCIAL:
        return _social(text, zh)
    if kind is ChatKind.NEGATIVE:
        return _negative(has_canvas, zh)
    if kind is ChatKind.NO_CANVAS:
        return ("还没有图片可以修改：先描述一张图，或者上传一张。" if zh
                else "There is no picture yet: describe one, or attach one.")
    if kind is ChatKind.START_OVER:
        return ("点“新会话”按钮重新开始；这个会话的所有版本都会保留。" if zh
                else "Press the New session button to start over; this session keeps all its versions.")
    if kind is ChatKind.UNCLEAR and has_canvas:
        return ("我没明白要做什么。可以描述一张新图，或者说要怎么改这张图。" if zh
                else "I'm not sure what to do. Describe a new picture, or tell me what to change in this one.")
    return HELP_ZH if zh else HELP_EN


def assumption(decision: Decision, zh: bool) -> str:
    """One line when a classifier's choice between a new image and an edit was a close call."""
    if decision.by != "classifier" or decision.confidence >= SAY_ASSUMPTION_BELOW:
        return ""
    if decision.route is Route.EDIT:
        return ("（我理解为修改当前图片；如果想要一张新图，点“翻转”。）" if zh
                else "(I took this as an edit of the current picture; press Flip for a new image instead.)")
    if decision.route is Route.GENERATE:
        return ("（我理解为画一张新图；如果想修改当前图片，点“翻转”。）" if zh
                else "(I took this as a new image; press Flip to edit the current picture instead.)")
    return ""
