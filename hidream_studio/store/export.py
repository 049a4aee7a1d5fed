"""Export: one version as a self-describing PNG, a session or a branch as a zip.

A zip holds ``session.json`` (the session and every exported version's recipe), ``images/vNNNN.png``
(the stored PNGs, recipe chunks included), ``recipes/vNNNN.json``, and the transcript as
``transcript.json`` and ``transcript.md``. A *branch* N is the lineage of version N: the path from its
root down to N; its transcript keeps the turns that show no version outside that path.
Files are written to a temporary name next to the destination and renamed, so a failed export
never leaves a half-written file behind.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..domain import Message, NotFound, SessionInfo, StoreError, UserError, Version
from .files import recipe_metadata


@dataclass(frozen=True)
class SessionSnapshot:
    """A session as one read transaction saw it (Store.export_session reads it; nothing here queries)."""

    session: SessionInfo
    versions: list[Version]  # by number
    turns: list[tuple[int, Message]]  # (turn, message), oldest first


def export_version(session: SessionInfo, version: Version, dest: Path) -> Path:
    """Copy `version`'s PNG (with its recipe chunks) to `dest` (a file, or a folder)."""
    target = _target(dest, f"{_slug(session.title, session.id)}-v{version.number}.png")
    data = Path(version.image_path).read_bytes()
    _atomic_write(target, lambda fh: fh.write(data))
    return target


def export_session(snapshot: SessionSnapshot, dest: Path, branch: int | None) -> Path:
    """Write a zip of the whole session, or of the lineage of version `branch`, to `dest`."""
    session, versions, turns = snapshot.session, snapshot.versions, snapshot.turns
    if branch is not None:
        versions = lineage(versions, branch)
    kept = {v.number for v in versions}
    if branch is not None:
        outside = {turn for turn, m in turns if m.version is not None and m.version not in kept}
        turns = [(turn, m) for turn, m in turns if turn not in outside]
    messages = [
        {"turn": turn, "role": m.role, "text": m.text, "version": m.version, "created_at": m.created_at,
         "decision": m.decision.to_dict() if m.decision else None}
        for turn, m in turns
    ]  # fmt: skip
    recipes = [_recipe(v) for v in versions]
    manifest = {
        "format": "hidream-studio-export/1",
        "session": session.id,
        "title": session.title,
        "created_at": session.created_at,
        "head": session.head,
        "branch": branch,
        "versions": recipes,
    }
    suffix = f"-branch-{branch}" if branch is not None else ""
    target = _target(dest, f"{_slug(session.title, session.id)}{suffix}.zip")

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("session.json", _json(manifest))
            zf.writestr("transcript.json", _json(messages))
            zf.writestr("transcript.md", _markdown(session.title or session.id, messages))
            for v, recipe in zip(versions, recipes, strict=True):
                zf.writestr(f"recipes/v{v.number:04d}.json", _json(recipe))
                # PNG data is already compressed: store it as is.
                zf.write(v.image_path, recipe["image"], compress_type=zipfile.ZIP_STORED)

    _atomic_write(target, write)
    return target


def lineage(versions: list[Version], number: int) -> list[Version]:
    """The versions on the path from the root to `number`, root first (NotFound if absent)."""
    by_number = {v.number: v for v in versions}
    if number not in by_number:
        raise NotFound(f"no version {number} in this session")
    path = []
    current: int | None = number
    while current is not None:
        path.append(by_number[current])
        current = by_number[current].parent
    return path[::-1]


def _recipe(v: Version) -> dict:
    data = recipe_metadata(v.recipe, session=v.session_id, version=v.number, parent=v.parent)
    data.update(number=v.number, image=f"images/v{v.number:04d}.png", sha256=v.image_sha256,
                created_at=v.created_at)  # fmt: skip
    return data


def _markdown(title: str, messages: list[dict]) -> str:
    lines = [f"# {title}", ""]
    for m in messages:
        shown = f" (version {m['version']})" if m["version"] is not None else ""
        lines.append(f"**{m['role']}**{shown}: {m['text']}")
        lines.append("")
    return "\n".join(lines)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _slug(title: str, fallback: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", title, flags=re.UNICODE).strip("-.")[:60]
    return slug or fallback


def _target(dest: Path, default_name: str) -> Path:
    """`dest` itself, or `dest/default_name` when dest is an existing folder (or ends with a slash).

    Faults name the destination (not the store's images folder), and an existing destination that
    is not a regular file (a device such as /dev/full, a socket) is refused: the rename would
    replace it.
    """
    dest = Path(dest).expanduser()
    try:
        if dest.is_dir() or str(dest).endswith(os.sep):
            dest.mkdir(parents=True, exist_ok=True)
            target = (dest / default_name).resolve()
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            target = dest.resolve()
    except OSError as exc:
        raise _dest_error(dest, exc) from None
    if target.exists() and not target.is_file():
        raise UserError(f"cannot export to {dest}: it exists and is not a regular file or folder")
    return target


def _dest_error(dest: Path, exc: OSError) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StoreError(f"disk full while writing the export to {dest}; nothing was written")
    return StoreError(f"cannot write the export to {dest}: {exc.strerror or exc}")


def _atomic_write(target: Path, write) -> None:
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename in (None, str(tmp), str(target)):
            raise _dest_error(target, exc) from None
        raise  # e.g. a version's image file is missing: the store names its images folder
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
