"""`hidream-studio router train|eval`: rebuild the router's intent model from its data card, measure it.

hidream-studio router train --cache ~/.cache/hidream-studio/router-sources
    reads every "train" source of assets/router/DATA.md (cloning missing repositories into the cache)
    plus the project's phrasings, and writes assets/router/router.bin
hidream-studio router eval --json [--fetch] [--no-canvas]
    routes every example of every source with a canvas present (--no-canvas: as a session's first
    message) and prints the per-source table (--fetch: first fetch the sources missing from the cache,
    held-out ones included)
--project-only uses only the phrasings kept in this repository (no network, no cache).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..domain import UserError

DEFAULT_CACHE = Path.home() / ".cache" / "hidream-studio" / "router-sources"


def register(subparsers) -> None:
    parser = subparsers.add_parser("router", help="train or evaluate the router's intent model")
    sub = parser.add_subparsers(dest="router_command", metavar="ACTION", required=True)
    for name, helptext in (("train", "rebuild the intent model from the data card"),
                           ("eval", "per-source accuracy of the intent model")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                       help=f"folder of the source repositories (default {DEFAULT_CACHE})")
        p.add_argument("--project-only", action="store_true",
                       help="only the phrasings kept in this repository (no network, no cache)")
        p.add_argument("--weights", type=Path, default=None,
                       help="the weights file (default assets/router/router.npz)")
        if name == "train":
            p.add_argument("--epochs", type=int, default=None, help="passes over the data (default: FitConfig.epochs)")
            p.set_defaults(func=run_train)
        else:
            p.add_argument("--json", action="store_true", help="print the table as JSON")
            p.add_argument("--mistakes", type=int, default=0, help="list up to N misrouted messages per source")
            p.add_argument("--no-canvas", action="store_true",
                           help="route every message as a session's first (edits are then answered, not drawn)")
            p.add_argument("--fetch", action="store_true",
                           help="fetch the sources missing from the cache first (needs the network)")
            p.set_defaults(func=run_eval)


def _examples(args, split: str | None, clone: bool):
    """The public sources' examples of `split`; only `train` clones a missing repository."""
    import subprocess

    from ..router.training import project, sources

    if args.project_only:
        return project.phrasings() if split != "heldout" else []
    try:
        return sources.load(args.cache, split=split, clone=clone)
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        hint = "" if clone else " (router eval --fetch --cache DIR fetches the missing ones)"
        raise UserError(f"cannot read the router's sources from {args.cache}: {exc}{hint}") from None


def run_train(args, settings) -> int:  # noqa: ARG001 - no model, no database
    from ..router.model import WEIGHTS
    from ..router.training import fit, project

    examples = _examples(args, "train", clone=True)
    if not args.project_only:
        examples += project.phrasings()
    prompts = [e for e in examples if e.intent == "generate"]
    examples += project.wrapped_edits(prompts) + project.framed_prompts(prompts)
    config = fit.FitConfig() if args.epochs is None else fit.FitConfig(epochs=args.epochs)
    model = fit.fit(examples, config)
    out = args.weights or WEIGHTS
    model.save(out)
    print(json.dumps({"weights": str(out), "examples": len(examples), "epochs": config.epochs}))
    return 0


def run_eval(args, settings) -> int:  # noqa: ARG001
    from ..router.model import WEIGHTS, IntentModel
    from ..router.training import evaluate, project, sources

    model = IntentModel.load(args.weights or WEIGHTS)
    splits = {s.name: s.split for s in sources.SOURCES}
    examples = _examples(args, None, clone=args.fetch)
    if args.project_only:
        examples = project.handwritten()
    canvas = not args.no_canvas
    rows = evaluate.per_source(examples, model, splits, has_canvas=canvas, mistakes=args.mistakes)
    if canvas:  # the mixed turns carry their own canvas state
        rows.append(evaluate.mixed_turn_rows(project.mixed_turns(), model))
    order = {"heldout": 0, "dev": 1, "train": 2}
    rows.sort(key=lambda r: (order.get(r["split"], 3), r["lang"], r["source"]))
    if args.json:
        json.dump({"weights": str(args.weights or WEIGHTS), "canvas": canvas, "sources": rows}, sys.stdout,
                  ensure_ascii=False, indent=1)
        print()
        return 0
    print(f"{'source':24} {'split':8} {'lang':5} {'intent':9} {'n':>6} {'right':>7}")
    for r in rows:
        print(f"{r['source']:24} {r['split']:8} {r['lang']:5} {r['intent']:9} {r['n']:>6} {r['accuracy']:>7.1%}")
        for line in r.get("mistakes", []):
            print(f"    {line}")
    return 0
