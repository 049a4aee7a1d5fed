"""The planner's choice as the studio's Decision (the planner itself runs in engines/planner.py).

Rules keep the explicit commands (undo / redo / checkout by number / variation / upload); the planner
may decide only what PLANNED_ROUTES lists, and without a choice (off, past its budget, a model error)
the fallback decision stands, its reason saying why the planner did not decide.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..domain import Decision, Route
from .core import normalize, strip_interjections, strip_politeness

PLANNED_ROUTES = (Route.GENERATE, Route.EDIT, Route.CHAT)  # the open decision the planner may take


def cleaned(message: str) -> str:
    """The message without greetings, thanks and politeness ("thanks! now make it blue please" ->
    "now make it blue"): the router's own cleaning, so planner and rules send the same prompt."""
    rest, _ = strip_interjections(normalize(message))
    return strip_politeness(rest) or " ".join(message.split())


def planned_decision(message: str, choice: Any, fallback: Decision, why_not: str = "") -> Decision:
    """The Decision for the planner's `choice` (engines.planner_io.Choice: option dict + confidence),
    or `fallback` with `why_not` added to its reason when there is no choice.

    The text is the cleaned message (the rules' own cleaning when they read it as a picture too),
    the message as typed for chat, "" for a checkout."""
    if choice is None:
        return replace(fallback, reason=f"{fallback.reason} (planner: {why_not})" if why_not else fallback.reason)
    option = choice.option
    route = Route(option["route"])
    if route is Route.CHAT:
        text = " ".join(message.split())
    elif route is Route.CHECKOUT:
        text = ""
    else:
        text = fallback.text if fallback.route in (Route.GENERATE, Route.EDIT) and fallback.text else cleaned(message)
    reason = f"planner chose {json.dumps(option, ensure_ascii=False)} (p={choice.confidence:.2f})"
    return Decision(route, text, option.get("target"), reason, 1, choice.confidence, "planner")
