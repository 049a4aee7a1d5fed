"""Score HiDream-Nano on held-out prompts with the checker, through the studio's real engine.

Tasks, each in English and Chinese, on scenes whose combination never appears in training
(world.is_heldout): single-shape generation, two-shape generation, and edits of held-out source
scenes (an edit counts only if the WHOLE result matches the target scene: the edited shape right,
the other shape and the background kept), given three ways: with the true target description
("edit"), the instruction alone on a rendered source ("edit_from_instruction"), and the instruction
alone on a source nano-I1 drew ("edit_in_studio"). The prompt sets are fixed by `seed`.

    report = run(settings, n=40)   # {"generate_single": {"en": .., "zh": .., "all": ..}, ...}
"""

from __future__ import annotations

import random
import time
from typing import Any

from . import checker, world

GOALS = {"generate_single": 0.95, "generate_two": 0.85, "edit": 0.85, "edit_from_instruction": 0.85}


def prompt_sets(n: int, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    """Fixed held-out cases: n per (task, language); edit ops are cycled so each is represented."""
    rng = random.Random(f"nano-eval:{seed}")
    sets: dict[str, list[dict[str, Any]]] = {"generate_single": [], "generate_two": [], "edit": []}
    for lang in world.LANGS:
        for _ in range(n):
            scene = world.sample_scene(rng, 1, split="heldout")
            sets["generate_single"].append({"lang": lang, "prompt": world.describe(scene, lang, rng), "scene": scene})
        for _ in range(n):
            scene = world.sample_scene(rng, 2, split="heldout")
            sets["generate_two"].append({"lang": lang, "prompt": world.describe(scene, lang, rng), "scene": scene})
        for i in range(n):
            e = world.sample_edit(rng, lang, world.EDIT_OPS[i % len(world.EDIT_OPS)], split="heldout")
            sets["edit"].append({"lang": lang, "op": e.op, "edit": e})
    return sets


def _score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lang in world.LANGS:
        mine = [r["ok"] for r in rows if r["lang"] == lang]
        out[lang] = round(sum(mine) / max(1, len(mine)), 3)
    out["all"] = round(sum(r["ok"] for r in rows) / max(1, len(rows)), 3)
    out["n"] = len(rows)
    return out


def _share(rows: list[dict[str, Any]], field: str) -> float:
    """The share of rows whose `field` is set (truthy)."""
    return round(sum(bool(r[field]) for r in rows) / max(1, len(rows)), 3)


def run(settings, n: int = 40, steps: int | None = None, what: str = "both", seed: int = 0,
        engine=None, failures: int = 5, guidance: float | None = None, edit_guidance: float | None = None,
        image_guidance: float | None = None) -> dict[str, Any]:
    """Generate/edit every case with the engine (Settings.model, default nano) and score it.

    steps / guidance (generation) / edit_guidance + image_guidance (edits): None = the presets'."""
    from hidream_studio.domain import EditRequest, GenerateRequest, UserError
    from hidream_studio.engines import load_engine

    from . import instructions  # noqa: F401  registers the "nano-world" describer the edits use

    if engine is None:
        settings = settings.with_(model=settings.model or "nano")
        engine = load_engine(settings)
        engine.load()
    sets = prompt_sets(n, seed)
    report: dict[str, Any] = {"model": engine.describe(), "n_per_language": n, "heldout": True, "seed": seed,
                              "overrides": {"steps": steps, "guidance": guidance, "edit_guidance": edit_guidance,
                                            "image_guidance": image_guidance}}
    times: dict[str, list[float]] = {"generate": [], "edit": []}
    # "edit" gives E1 the true target description with the instruction (E1-Full's format, as the
    # issue's examples are scored); "edit_from_instruction" gives the instruction alone, as the studio
    # does when a person types "make the circle green": the engine's describer (nano.instructions)
    # then writes the description from the canvas. Same cases, same seeds.
    # "edit_in_studio" is the whole studio path: nano-I1 first draws the source from a description of
    # it, then the instruction alone edits that drawing (no goal in the issue; a wrong drawing is a miss).
    sets["edit_from_instruction"] = sets["edit"]
    sets["edit_in_studio"] = sets["edit"]
    tasks = [t for t in sets if (what in ("both", "gen") and t.startswith("generate")) or
             (what in ("both", "edit") and t.startswith("edit"))]
    for task in tasks:
        rows = []
        for i, case in enumerate(sets[task]):
            t0 = time.perf_counter()
            source_ok = None  # edit_in_studio: was the drawn source right?
            if task.startswith("edit"):
                e: world.Edit = case["edit"]
                description = e.description if task == "edit" else None
                if task == "edit_in_studio":  # its own phrasing generator: the fixed sets stay as they are
                    source = engine.generate(GenerateRequest(
                        prompt=world.describe(e.source, e.lang, random.Random(f"studio:{seed}:{i}")),
                        seed=seed + i, steps=steps, guidance=guidance)).image
                    source_ok = checker.check(e.source, source).ok
                    t0 = time.perf_counter()  # the turn time below is the edit's alone
                else:
                    source = world.render(e.source)
                expected = e.target
                text = e.instruction
                try:
                    result = engine.edit(EditRequest(instruction=e.instruction, source=source,
                                                     target_description=description, seed=seed + i, steps=steps,
                                                     guidance=edit_guidance, image_guidance=image_guidance))
                except UserError as refused:  # the describer could not read the canvas or instruction: a miss
                    result, refusal = None, f"refused: {refused}"
            else:
                result = engine.generate(GenerateRequest(prompt=case["prompt"], seed=seed + i, steps=steps,
                                                         guidance=guidance))
                expected, text = case["scene"], case["prompt"]
            if result is None:  # a refused edit ran no model: a miss, and no turn time
                ok, found, described_by = False, refusal, None
            else:
                times["edit" if task.startswith("edit") else "generate"].append(time.perf_counter() - t0)
                verdict = checker.check(expected, result.image)
                ok, found = verdict.ok, verdict.found
                described_by = result.described_by if task.startswith("edit") else None
            rows.append({"lang": case["lang"], "ok": ok, "op": case.get("op"), "text": text, "want": expected.key(),
                         "found": found, "described_by": described_by, "source_ok": source_ok})
        report[task] = _score(rows)
        if task.startswith("edit"):
            report[f"{task}_by_op"] = {op: round(sum(r["ok"] for r in rows if r["op"] == op) /
                                              max(1, sum(1 for r in rows if r["op"] == op)), 3)
                                    for op in world.EDIT_OPS}
        if task == "edit_from_instruction":  # how often the describer understood the instruction
            report["described"] = _share(rows, "described_by")
        if task == "edit_in_studio":  # how often the drawn source was right, and was understood
            report["edit_in_studio_source_ok"] = _share(rows, "source_ok")
            report["edit_in_studio_described"] = _share(rows, "described_by")
        report.setdefault("failures", {})[task] = [r for r in rows if not r["ok"]][:failures]
    report["median_turn_s"] = {k: round(sorted(v)[len(v) // 2], 3) for k, v in times.items() if v}
    report["goals"] = GOALS
    # "Within 5 points" on rounded scores (0.95 vs 1.0 is 5 points; in floats it is 0.0500...04).
    report["goals_met"] = {t: report[t]["all"] >= GOALS[t] and round(abs(report[t]["en"] - report[t]["zh"]), 6) <= 0.05
                           for t in tasks if t in GOALS}
    return report
