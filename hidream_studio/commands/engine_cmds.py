"""`hidream-studio make-tiny DIR`: build the tiny HiDream checkpoints offline.

Writes DIR/i1 (a HiDreamImagePipeline), DIR/e1-lora (E1 as a LoRA over i1) and DIR/e1-full (a full
E1 transformer) in the layouts of hidream_studio/engines/formats.py, with random weights from a
fixed seed. `--model DIR` then loads the family like any other model. Torch is imported only here.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..domain import UserError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "make-tiny",
        help="build tiny random HiDream I1 + E1 checkpoints offline (for tests and demos)",
        description="Build tiny HiDream-I1 and HiDream-E1 (LoRA and full forms) checkpoints into DIR, offline.",
    )
    parser.add_argument("dir", metavar="DIR", help="output folder (must be empty or absent)")
    parser.add_argument("--seed", type=int, default=0, help="weights seed (default 0)")
    parser.set_defaults(func=run)


def run(args, settings) -> int:  # noqa: ARG001 - settings unused: the folder is explicit
    target = Path(args.dir).expanduser()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UserError(f"{target} exists and is not an empty folder")
    from ..engines.loader import ensure_tiny

    ensure_tiny(target, seed=args.seed)
    files = sorted(p for p in target.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in files)
    print(json.dumps({"dir": str(target.resolve()), "members": ["i1", "e1-lora", "e1-full"], "files": len(files),
                      "bytes": size, "seed": args.seed}))
    return 0
