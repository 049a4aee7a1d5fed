"""The store's SQL, one function per statement group, each run on a caller's open Connection.

``Store`` decides the transactions; these functions only read and write rows and turn them into
the domain dataclasses. Nothing here is backend-specific.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..domain import Decision, InvalidParams, Message, NotFound, Recipe, SessionInfo, Version, VersionKind
from .schema import messages as t_messages
from .schema import sessions as t_sessions
from .schema import utcnow
from .schema import versions as t_versions

_V = t_versions.c
_S = t_sessions.c
_M = t_messages.c
VERSION_COLUMNS = (
    _V.number, _V.parent, _V.kind, _V.prompt, _V.prompt_sent, _V.negative_prompt, _V.model_id,
    _V.model_revision, _V.seed, _V.steps, _V.guidance, _V.image_guidance, _V.width, _V.height,
    _V.elapsed_s, _V.image_sha256, _V.created_at, _V.region,
)  # fmt: skip
SESSION_COLUMNS = (_S.id, _S.title, _S.owner, _S.created_at, _S.updated_at, _S.head)
PathFor = Callable[[str], str]  # image hash -> absolute path of its file
_KINDS = {kind.value: kind for kind in VersionKind}


# ---------------------------------------------------------------------------------- sessions
def owner_is(owner: str | None):
    """Owner scoping: with an owner only their sessions match; without one (local mode) all do."""
    return _S.owner == owner if owner is not None else sa.true()


def clean_title(title: str | None) -> str:
    """A title as stored (trimmed, capped at the column width); lookups by title use the same form."""
    return (title or "").strip()[:200]


def new_session_id() -> str:
    """An unguessable id (22 URL-safe characters) that does not start with "-": command lines would
    take "--session -Dvn..." for an option."""
    while True:
        sid = secrets.token_urlsafe(16)
        if not sid.startswith("-"):
            return sid


def insert_session(conn: Connection, title: str, owner: str | None) -> SessionInfo:
    now = utcnow()
    row = {"id": new_session_id(), "title": clean_title(title), "owner": owner,
           "created_at": now, "updated_at": now, "head": None}  # fmt: skip
    conn.execute(sa.insert(t_sessions).values(**row))
    return session_info(row)


def find_session(conn: Connection, name_or_id: str, owner: str | None, by_title: bool = True) -> Row:
    """The session row (with counters) by id, else (by_title) the latest one with that title."""
    cols = (*SESSION_COLUMNS, _S.last_number, _S.last_turn)
    row = conn.execute(sa.select(*cols).where(_S.id == name_or_id, owner_is(owner))).first()
    if row is None and by_title and clean_title(name_or_id):
        # Compare with the stored form, or a long or padded name would never find its own session
        # (and `chat --session NAME` would make a new one on every call).
        query = sa.select(*cols).where(_S.title == clean_title(name_or_id), owner_is(owner))
        row = conn.execute(query.order_by(_S.updated_at.desc()).limit(1)).first()
    if row is None:
        raise NotFound(f"no session {name_or_id!r}")
    return row


def lock_session(conn: Connection, session_id: str, owner: str | None) -> Row:
    """First statement of every write: bump the session row (this locks it) and return its state.

    The returned ``last_turn`` is the turn number of this write's messages.
    """
    query = (
        sa.update(t_sessions)
        .where(_S.id == session_id, owner_is(owner))
        .values(updated_at=utcnow(), last_turn=_S.last_turn + 1)
        .returning(_S.id, _S.head, _S.last_number, _S.last_turn)
    )
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no session {session_id!r}")
    return row


def session_info(r: Any) -> SessionInfo:
    if isinstance(r, Row):
        r = r._mapping
    return SessionInfo(r["id"], r["title"], r["owner"], r["created_at"], r["updated_at"], r["head"])


def list_sessions(conn: Connection, owner: str | None) -> list[SessionInfo]:
    query = (
        sa.select(*SESSION_COLUMNS)
        .where(owner_is(owner))
        .order_by(_S.updated_at.desc(), _S.created_at.desc())
    )
    return [session_info(r) for r in conn.execute(query)]


def set_title(conn: Connection, session_id: str, title: str) -> None:
    conn.execute(sa.update(t_sessions).where(_S.id == session_id).values(title=clean_title(title)))


def check_number(number: Any, last: int) -> None:
    """Numbers are gap-free and never deleted, so 1..last is exactly the set that exists."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidParams(f"a version number must be an integer, not {number!r}")
    if not 1 <= number <= last:
        raise NotFound(f"no version {number} in this session")


# ---------------------------------------------------------------------------------- the tree
def insert_version(conn: Connection, session_id: str, number: int, parent: int | None, r: Recipe, sha: str):
    """Insert version `number` and make it the head (the caller re-points the redo path)."""
    conn.execute(sa.insert(t_versions).values(
        session_id=session_id, number=number, parent=parent, kind=VersionKind(r.kind).value,
        prompt=r.prompt or "", prompt_sent=r.prompt_sent or "", negative_prompt=r.negative_prompt,
        model_id=r.model_id, model_revision=r.model_revision, seed=r.seed, steps=r.steps,
        guidance=r.guidance, image_guidance=r.image_guidance, width=r.width, height=r.height,
        image_sha256=sha, elapsed_s=r.elapsed_s, created_at=utcnow(), region=r.region))  # fmt: skip
    conn.execute(sa.update(t_sessions).where(_S.id == session_id).values(head=number, last_number=number))


def parent_of(conn: Connection, session_id: str, number: int) -> int | None:
    return conn.scalar(sa.select(_V.parent).where(_V.session_id == session_id, _V.number == number))


def redo_child_of(conn: Connection, session_id: str, number: int) -> int | None:
    return conn.scalar(sa.select(_V.redo_child).where(_V.session_id == session_id, _V.number == number))


def move_head(conn: Connection, session_id: str, target: int) -> None:
    """Set head to `target`; the caller keeps the redo pointers right (see `point_path_at`)."""
    conn.execute(sa.update(t_sessions).where(_S.id == session_id).values(head=target))


def redo_pointers(conn: Connection, session_id: str) -> dict[int, int]:
    """number -> redo_child for every version of the session that has one."""
    query = sa.select(_V.number, _V.redo_child).where(_V.session_id == session_id, _V.redo_child.is_not(None))
    return dict(conn.execute(query).all())


def set_redo_child(conn: Connection, session_id: str, number: int, child: int) -> None:
    conn.execute(
        sa.update(t_versions).where(_V.session_id == session_id, _V.number == number).values(redo_child=child)
    )


def point_path_at(conn: Connection, session_id: str, target: int) -> None:
    """Make every ancestor's redo_child point along the path from the root down to `target`.

    Invariant kept by every head move: the redo pointers of the head's ancestors lead to the
    head. Undo (to an ancestor) and redo (along a pointer) keep it for free; checkout and a new
    version under an explicit parent re-point the path: one recursive read of the ancestors,
    then an update of only those that point elsewhere (usually none or one).
    """
    anc = (
        sa.select(_V.number, _V.parent, _V.redo_child)
        .where(_V.session_id == session_id, _V.number == target)
        .cte("ancestors", recursive=True)
    )
    up = t_versions.alias("up")
    anc = anc.union_all(
        sa.select(up.c.number, up.c.parent, up.c.redo_child).where(
            up.c.session_id == session_id, up.c.number == anc.c.parent
        )
    )
    path = conn.execute(sa.select(anc.c.number, anc.c.parent, anc.c.redo_child)).all()
    redo_of = {number: redo for number, _, redo in path}
    stale = [
        (parent, number) for number, parent, _ in path if parent is not None and redo_of[parent] != number
    ]
    for parent, child in stale:
        set_redo_child(conn, session_id, parent, child)


def fetch_version(conn: Connection, session_id: str, number: int, path_for: PathFor) -> Version:
    query = sa.select(*VERSION_COLUMNS).where(_V.session_id == session_id, _V.number == number)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no version {number} in this session")
    return to_version(session_id, row, path_for)


def fetch_versions(conn: Connection, session_id: str, path_for: PathFor, after: int = 0) -> list[Version]:
    """The session's versions numbered above `after`, in order."""
    query = (
        sa.select(*VERSION_COLUMNS).where(_V.session_id == session_id, _V.number > after).order_by(_V.number)
    )
    return [to_version(session_id, r, path_for) for r in conn.execute(query).all()]


def to_version(session_id: str, r: Row, path_for: PathFor) -> Version:
    # Tuple unpacking, not attribute access: this runs once per row when a 10,000-version
    # tree is loaded for display.
    (number, parent, kind, prompt, prompt_sent, negative, model_id, revision, seed, steps, guidance,
     image_guidance, width, height, elapsed_s, sha, created_at, region) = r  # fmt: skip
    recipe = Recipe(_KINDS[kind], prompt, prompt_sent, negative, model_id, revision, seed, steps, guidance,
                    image_guidance, width, height, elapsed_s, region)  # fmt: skip
    return Version(session_id, number, parent, recipe, path_for(sha), sha, created_at)


def session_shas(conn: Connection, session_id: str) -> set[str]:
    return set(conn.scalars(sa.select(_V.image_sha256).where(_V.session_id == session_id)))


def referenced_shas(conn: Connection, among: set[str] | None = None) -> set[str]:
    """Image hashes some version uses (restricted to `among` when given)."""
    query = sa.select(_V.image_sha256).distinct()
    if among is not None:
        query = query.where(_V.image_sha256.in_(among))
    return set(conn.scalars(query))


def delete_session_rows(conn: Connection, session_id: str) -> None:
    conn.execute(sa.delete(t_messages).where(_M.session_id == session_id))
    conn.execute(sa.delete(t_versions).where(_V.session_id == session_id))
    conn.execute(sa.delete(t_sessions).where(_S.id == session_id))


# ---------------------------------------------------------------------------------- transcript
def add_messages(conn: Connection, s: Row, messages: Sequence[Message], current: int | None) -> None:
    """Insert `messages` as turn ``s.last_turn``; a message version of 0 means `current`."""
    if not messages:
        return
    now = utcnow()
    last = max(s.last_number, current or 0)
    rows = []
    for msg in messages:
        version = current if msg.version == 0 else msg.version
        if version is not None:
            check_number(version, last)
        decision = msg.decision.to_dict() if msg.decision else None
        rows.append({"session_id": s.id, "turn": s.last_turn, "role": msg.role, "text": msg.text or "",
                     "version": version, "decision": decision, "created_at": now})  # fmt: skip
    conn.execute(sa.insert(t_messages), rows)


def fetch_messages(conn: Connection, session_id: str) -> list[tuple[int, Message]]:
    """(turn, message) pairs, oldest first."""
    query = (
        sa.select(_M.turn, _M.role, _M.text, _M.version, _M.decision, _M.created_at)
        .where(_M.session_id == session_id)
        .order_by(_M.id)
    )
    return [
        (r.turn, Message(r.role, r.text, r.version, Decision.from_dict(r.decision) if r.decision else None,
                         r.created_at))
        for r in conn.execute(query)
    ]  # fmt: skip
