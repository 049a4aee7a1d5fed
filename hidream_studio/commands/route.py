"""`hidream-studio route`: what the router makes of a message, as JSON, without any model or database.

hidream-studio route --canvas "make it blue"
{"route": "edit", "text": "make it blue", "target": null, "reason": "...", "count": 1,
 "confidence": 0.97, "by": "classifier", "chat": null}

printf '{"text": "undo", "canvas": true}\\n' | hidream-studio route --batch
(one JSON line per input line; a bad line gives {"error": "..."} and exit code 2 at the end)
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from ..domain import Route, UserError
from ..router import route


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "route",
        help="show how a chat message would be routed (no model, no database)",
        description="Print {route, text, target, reason} for MESSAGE, or for each JSON line on stdin with --batch.",
    )
    parser.add_argument("message", nargs="*", metavar="MESSAGE", help="the chat message (words are joined)")
    parser.add_argument("--canvas", action="store_true", help="the session has a current image")
    parser.add_argument("--attachment", action="store_true", help="the message comes with an image")
    parser.add_argument("--previous", choices=[r.value for r in Route], help="the route of the previous turn")
    parser.add_argument(
        "--batch",
        action="store_true",
        help='read JSON lines {"text", "canvas", "attachment", "previous"} from stdin, write one JSON line each',
    )
    parser.set_defaults(func=run)


def decide(item: Any) -> dict[str, Any]:
    """One batch item -> the router's decision as a dict. Raises ValueError on a malformed item."""
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object")
    text = item.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    flags = {}
    for key in ("canvas", "attachment"):
        value = item.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(f'"{key}" must be true or false')
        flags[key] = value
    previous = item.get("previous")
    if previous is not None and previous not in {r.value for r in Route}:
        raise ValueError(f'"previous" must be one of {", ".join(r.value for r in Route)} or null')
    return route(text, has_canvas=flags["canvas"], has_attachment=flags["attachment"],
                 previous=Route(previous) if previous else None).to_dict()


def run_batch(lines: IO[str], out: IO[str]) -> int:
    """Route every non-blank line; 0 when all were good, 2 when any was bad (each still answered)."""
    status = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines carry nothing, as in any JSON-lines file
        try:
            result = decide(json.loads(line))
        except (ValueError, json.JSONDecodeError) as exc:
            result, status = {"error": f"line {number}: {exc}"}, 2
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return status


def run(args, settings) -> int:  # noqa: ARG001 - settings unused on purpose: no model, no database
    message = " ".join(args.message)
    if args.batch:
        if message:
            raise UserError("give either a MESSAGE or --batch, not both")
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="replace")  # a stray byte spoils one line, not the whole batch
        return run_batch(sys.stdin, sys.stdout)
    if not message.strip() and not args.attachment:
        raise UserError("no message: give MESSAGE (or --batch to read JSON lines from stdin)")
    decision = route(message, has_canvas=args.canvas, has_attachment=args.attachment,
                     previous=Route(args.previous) if args.previous else None)
    print(json.dumps(decision.to_dict(), ensure_ascii=False))
    return 0
