"""Per-source accuracy: every message routed the way the studio routes it, with a canvas present (or,
with has_canvas=False, as a session's first message).

An example counts as right when its route is the intent's: generate -> GENERATE, edit -> EDIT (with
no canvas: CHAT, "there is no picture yet"), every conversation intent -> CHAT (which kind of
conversation is reported, not scored).
"""

from __future__ import annotations

from collections import defaultdict

from ...domain import Route
from ..core import route
from ..model import EDIT, GENERATE, IntentModel
from .sources import Example

EXPECTED = {GENERATE: Route.GENERATE, EDIT: Route.EDIT}


def expected_route(intent: str, has_canvas: bool = True) -> Route:
    if intent == EDIT and not has_canvas:
        return Route.CHAT
    return EXPECTED.get(intent, Route.CHAT)


def per_source(examples: list[Example], model: IntentModel, splits: dict[str, str],
               has_canvas: bool = True, mistakes: int = 0) -> list[dict]:
    """One row per source: {source, split, lang, intent, n, correct, accuracy, routes[, mistakes]}."""
    groups: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        groups[e.source].append(e)
    rows = []
    for name, items in groups.items():
        routes: dict[str, int] = defaultdict(int)
        wrong = []
        for e in items:
            got = route(e.text, has_canvas=has_canvas, model=model).route
            routes[got.value] += 1
            if got is not expected_route(e.intent, has_canvas):
                wrong.append(f"{got.value}: {e.text[:80]}")
        correct = len(items) - len(wrong)
        row = {"source": name, "split": splits.get(name, "train"), "lang": items[0].lang,
               "intent": items[0].intent, "n": len(items), "correct": correct,
               "accuracy": round(correct / len(items), 4), "routes": dict(routes)}
        if mistakes:
            row["mistakes"] = wrong[:mistakes]
        rows.append(row)
    return rows


def mixed_turn_rows(turns: list[tuple[str, bool, str]], model: IntentModel) -> dict:
    """The hand-written mixed turns (message, canvas, route): accuracy and the misses."""
    misses = []
    for text, canvas, want in turns:
        got = route(text, has_canvas=canvas, model=model).route.value
        if got != want:
            misses.append({"text": text, "canvas": canvas, "want": want, "got": got})
    n = len(turns)
    return {"source": "project-mixed-turns", "split": "heldout", "lang": "en+zh", "intent": "mixed", "n": n,
            "correct": n - len(misses), "accuracy": round((n - len(misses)) / n, 4), "misses": misses}
