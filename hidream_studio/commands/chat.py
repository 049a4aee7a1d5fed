"""`hidream-studio chat`: one turn from the command line, one JSON object out."""

from __future__ import annotations

import json
import sys

from ..domain import MAX_OPTIONS, UserError


def register(subparsers) -> None:
    parser = subparsers.add_parser("chat", help="send one message to a session and print the result as JSON")
    parser.add_argument("--session", required=True, help="session id or name (created on first use)")
    parser.add_argument("--image", help="attach an image: it becomes a new root version")
    parser.add_argument("--seed", type=int, help="seed for a generation or edit")
    parser.add_argument("--steps", type=int, help="denoising steps (default: the model's)")
    parser.add_argument("--guidance", type=float, help="guidance scale (default: the model's)")
    parser.add_argument("--image-guidance", type=float, help="image guidance for edits (default: the model's)")
    parser.add_argument("--size", help="WIDTHxHEIGHT, e.g. 1024x1024 (default: the model's)")
    parser.add_argument("--region", help="edit only this box of the canvas: x,y,width,height in pixels")
    parser.add_argument("--options", type=int, default=1, help="candidates per new image, 1-8 (one batched run)")
    parser.add_argument("message", nargs="?", default="", help="what to make, change, or do (undo, redo, ...)")
    parser.set_defaults(func=run)


def _size(text: str | None) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size must look like 1024x768, not {text!r}.") from None
    return width, height


def run(args, settings) -> int:
    from ..bootstrap import build_studio
    from ..studio import GenSettings, Turn

    if not args.message.strip() and not args.image:
        raise UserError("Give a message (or --image): e.g. hidream-studio chat --session demo 'a red circle'.")
    width, height = _size(args.size)
    if not 1 <= args.options <= MAX_OPTIONS:
        raise UserError(f"--options must be between 1 and {MAX_OPTIONS}, not {args.options}.")
    gen = GenSettings(seed=args.seed, steps=args.steps, guidance=args.guidance, edit_guidance=args.guidance,
                      image_guidance=args.image_guidance, width=width, height=height, options=args.options)
    studio = build_studio(settings)
    if args.image:  # read it before creating the session: a bad file changes nothing
        from ..imageio import open_image

        open_image(args.image)
    session, created = studio.store.ensure_session(args.session)

    def on_step(progress) -> None:
        print(f"\rstep {progress.step}/{progress.total}", end="", file=sys.stderr, flush=True)

    try:
        turn = Turn(session.id, args.message, attachment=args.image, settings=gen, region=args.region)
        result = studio.handle(turn, on_step=on_step)
    except BaseException:
        if created:  # a refused first turn leaves no empty session behind
            studio.store.delete_session(session.id)
        raise
    finally:
        print("", file=sys.stderr)  # end the \r progress line before any error message
    created = result.last_created
    head = result.head
    print(json.dumps({
        "session": session.id,
        "route": result.decision.route.value,
        "confidence": round(result.decision.confidence, 3),
        "by": result.decision.by,
        "chat": result.decision.chat.value if result.decision.chat else None,
        "head": head.number if head else None,
        "created": created.number if created else None,
        "options": [v.number for v in result.created] if len(result.created) > 1 else None,
        "parent": created.parent if created else None,
        "image": head.image_path if head else None,
        "reply": result.reply,
        "model": result.model,
    }, ensure_ascii=False))
    return 0
