"""Version-store commands: `log`, `export`, `sessions`, `gc`.

`log --session NAME` prints one JSON object (the session's tree) for scripts and tests;
`export` writes a PNG with its recipe chunks (`--version N`) or a zip of the session / a branch.
A session is named by its id or by its title. Unknown names or numbers raise NotFound (exit 2).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import Settings


def register(subparsers) -> None:
    log = subparsers.add_parser("log", help="print a session's version tree as one JSON object")
    log.add_argument("--session", required=True, help="session id or title")
    log.set_defaults(func=run_log)

    export = subparsers.add_parser("export", help="export a version (PNG) or a session/branch (zip)")
    export.add_argument("--session", required=True, help="session id or title")
    which = export.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="export this version as a PNG with its recipe")
    which.add_argument("--branch", type=int, help="zip the lineage of this version (root .. N)")
    export.add_argument("--out", required=True, help="file to write, or an existing folder")
    export.set_defaults(func=run_export)

    sessions = subparsers.add_parser("sessions", help="list sessions (JSON), most recently used first")
    sessions.set_defaults(func=run_sessions)

    gc = subparsers.add_parser("gc", help="delete image files no version uses")
    gc.add_argument("--min-age", type=float, default=60.0, help="spare files younger than this (seconds)")
    gc.set_defaults(func=run_gc)


def _open(settings: Settings):
    from ..store import Store  # SQLAlchemy is imported only by the commands that need it

    return Store.open(settings.db_url, settings.images_dir)


def run_log(args: argparse.Namespace, settings: Settings) -> int:
    with _open(settings) as store:
        session = store.get_session(args.session)
        versions = [
            {"number": v.number, "parent": v.parent, "kind": v.recipe.kind.value, "prompt": v.recipe.prompt,
             "model": v.recipe.model_id, "seed": v.recipe.seed, "image": v.image_path}
            for v in store.versions(session.id)
        ]  # fmt: skip
    out = {"session": session.id, "title": session.title, "head": session.head, "versions": versions}
    print(json.dumps(out, ensure_ascii=False))
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    with _open(settings) as store:
        session = store.get_session(args.session)
        if args.version is not None:
            path = store.export_version(session.id, args.version, Path(args.out))
        else:
            path = store.export_session(session.id, Path(args.out), branch=args.branch)
    print(path)
    return 0


def run_sessions(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    with _open(settings) as store:
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "head": s.head,
                "created_at": s.created_at,
                "updated_at": s.updated_at,
            }
            for s in store.list_sessions()
        ]
    print(json.dumps(rows, ensure_ascii=False))
    return 0


def run_gc(args: argparse.Namespace, settings: Settings) -> int:
    with _open(settings) as store:
        removed = store.collect_orphans(min_age_s=args.min_age)
    print(json.dumps({"removed": removed}))
    return 0
