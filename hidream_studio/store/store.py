"""The version store: sessions, a persistent tree of image versions, the transcript.

One ``Store`` owns the database engine and the images folder; every public method is one
transaction, scoped by session (and owner when one is given), and raises only ``NotFound`` /
``InvalidParams`` (the caller's mistake) or ``StoreError`` (a fault, one clear line). Writes
lock the session row first (``BEGIN IMMEDIATE`` on SQLite), so version numbers stay unique and
gap-free however many threads or processes write.

Tree semantics: ``head`` is the version shown. A new version's parent is the head (or an explicit
parent); undo moves head to the parent; redo follows ``redo_child``, the child most recently
visited, which every head move keeps pointing along the path to the head; checkout moves head
anywhere. Nothing is ever deleted by undo.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..domain import (
    Decision,
    InvalidParams,
    Message,
    NotFound,
    Recipe,
    SessionInfo,
    StoreError,
    StudioError,
    Version,
    VersionKind,
)
from . import db
from .files import ImageFiles, encode_png, recipe_metadata
from .schema import messages as t_messages
from .schema import sessions as t_sessions
from .schema import utcnow
from .schema import versions as t_versions


class _Head:
    """Sentinel: "the session's current head" (the default parent of a new version)."""

    _instance: _Head | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "HEAD"


HEAD = _Head()

_V = t_versions.c
_S = t_sessions.c
_VERSION_COLUMNS = (
    _V.number,
    _V.parent,
    _V.kind,
    _V.prompt,
    _V.prompt_sent,
    _V.negative_prompt,
    _V.model_id,
    _V.model_revision,
    _V.seed,
    _V.steps,
    _V.guidance,
    _V.image_guidance,
    _V.width,
    _V.height,
    _V.elapsed_s,
    _V.image_sha256,
    _V.created_at,
)
_SESSION_COLUMNS = (_S.id, _S.title, _S.owner, _S.created_at, _S.updated_at, _S.head)


class Store:
    """Sessions, versions and messages in a database; image files in a folder. Thread-safe."""

    def __init__(self, engine: Engine, files: ImageFiles, where: str):
        self.engine = engine
        self.files = files
        self._where = where

    # ------------------------------------------------------------------ life cycle
    @classmethod
    def open(cls, db_url: str, images_dir: Path, *, busy_timeout_ms: int = 5000) -> Store:
        """Open (creating folders and schema, running migrations) and collect old orphan files."""
        where = db.describe(db_url)
        try:
            engine = db.make_engine(db_url, busy_timeout_ms)
            db.migrate(engine)
            store = cls(engine, ImageFiles(images_dir), where)
        except StudioError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise db.translate(exc, where) from exc
        except OSError as exc:
            raise db.translate(exc, str(images_dir)) from exc
        store.collect_orphans()
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sessions
    def create_session(self, title: str = "", owner: str | None = None) -> SessionInfo:
        with self._tx(write=True) as conn:
            return _insert_session(conn, title, owner)

    def get_session(self, name_or_id: str, owner: str | None = None) -> SessionInfo:
        """By id, else the most recently used session with that title."""
        with self._tx() as conn:
            return _session_info(self._find_session(conn, name_or_id, owner)._mapping)

    def ensure_session(self, name: str, owner: str | None = None) -> tuple[SessionInfo, bool]:
        """(session, created): the session named `name` (id or title), made when there is none."""
        with self._tx(write=True) as conn:
            try:
                return _session_info(self._find_session(conn, name, owner)._mapping), False
            except NotFound:
                return _insert_session(conn, name, owner), True

    def list_sessions(self, owner: str | None = None) -> list[SessionInfo]:
        """Most recently used first."""
        query = (
            sa.select(*_SESSION_COLUMNS)
            .where(_owner_is(owner))
            .order_by(_S.updated_at.desc(), _S.created_at.desc())
        )
        with self._tx() as conn:
            return [_session_info(r._mapping) for r in conn.execute(query)]

    def rename_session(self, session_id: str, title: str, owner: str | None = None) -> SessionInfo:
        with self._tx(write=True) as conn:
            self._lock(conn, session_id, owner)
            conn.execute(sa.update(t_sessions).where(_S.id == session_id).values(title=title.strip()))
            return _session_info(self._find_session(conn, session_id, owner, by_title=False)._mapping)

    def delete_session(self, session_id: str, owner: str | None = None) -> None:
        """Delete a session, its versions and messages, and the image files nothing else uses."""
        with self._tx(write=True) as conn:
            self._lock(conn, session_id, owner)
            shas = set(conn.scalars(sa.select(_V.image_sha256).where(_V.session_id == session_id)))
            conn.execute(sa.delete(t_messages).where(t_messages.c.session_id == session_id))
            conn.execute(sa.delete(t_versions).where(_V.session_id == session_id))
            conn.execute(sa.delete(t_sessions).where(_S.id == session_id))
        with self._tx() as conn:
            still = set(conn.scalars(sa.select(_V.image_sha256).where(_V.image_sha256.in_(shas))))
        for sha in shas - still:
            self.files.path_for(sha).unlink(missing_ok=True)

    # ------------------------------------------------------------------ writing the tree
    def record_turn(
        self,
        session_id: str,
        *,
        messages: Sequence[Message] = (),
        image: Any = None,
        recipe: Recipe | None = None,
        parent: int | None | _Head = HEAD,
        owner: str | None = None,
    ) -> Version | None:
        """Store one turn in one transaction; returns the new Version, or None without an image.

        With an image: its PNG is written first (content-addressed, atomic, durable), then the
        version row (next number; parent = head for HEAD, None = a new root, or a number), head
        moves to it, and the messages are added (a message version of 0 means the new one).
        On any failure nothing is recorded (at most an unreferenced image file remains).
        """
        if image is not None and recipe is None:
            recipe = Recipe(kind=VersionKind.UPLOAD)
        with self._guard():
            predicted = data = sha = None
            if image is not None:
                # Encode and fsync outside the write lock, guessing (number, parent); redone
                # under the lock only when another writer of this session got there first.
                with self._tx() as conn:
                    s = self._find_session(conn, session_id, owner, by_title=False)
                if parent is not HEAD and parent is not None:
                    _check_number(parent, s.last_number)
                predicted = (s.last_number + 1, s.head if parent is HEAD else parent)
                data = encode_png(
                    image,
                    recipe_metadata(recipe, session=session_id, version=predicted[0], parent=predicted[1]),
                )
                sha = self.files.write(data)
            with self._tx(write=True) as conn:
                s = self._lock(conn, session_id, owner)
                number = None
                if image is not None:
                    number = s.last_number + 1
                    par = s.head if parent is HEAD else parent
                    if par is not None:
                        _check_number(par, s.last_number)
                    if (number, par) != predicted:
                        data = encode_png(
                            image, recipe_metadata(recipe, session=session_id, version=number, parent=par)
                        )
                        sha = self.files.write(data)
                    self._insert_version(conn, session_id, number, par, recipe, sha)
                    conn.execute(
                        sa.update(t_sessions)
                        .where(_S.id == session_id)
                        .values(head=number, last_number=number)
                    )
                self._add_messages(conn, s, messages, number)
                return self._version(conn, session_id, number) if number else None

    def undo(
        self, session_id: str, owner: str | None = None, messages: Sequence[Message] = ()
    ) -> Version | None:
        """Move head to its parent; None (head unchanged) when there is nothing to undo."""
        with self._tx(write=True) as conn:
            s = self._lock(conn, session_id, owner)
            target = None
            if s.head is not None:
                target = conn.scalar(
                    sa.select(_V.parent).where(_V.session_id == session_id, _V.number == s.head)
                )
            return self._move(conn, s, target, messages)

    def redo(
        self, session_id: str, owner: str | None = None, messages: Sequence[Message] = ()
    ) -> Version | None:
        """Move head to the child most recently visited; None when there is nothing to redo."""
        with self._tx(write=True) as conn:
            s = self._lock(conn, session_id, owner)
            target = None
            if s.head is not None:
                target = conn.scalar(
                    sa.select(_V.redo_child).where(_V.session_id == session_id, _V.number == s.head)
                )
            return self._move(conn, s, target, messages)

    def checkout(
        self, session_id: str, number: int, owner: str | None = None, messages: Sequence[Message] = ()
    ) -> Version:
        """Move head to any version of the session (NotFound for an unknown number)."""
        with self._tx(write=True) as conn:
            s = self._lock(conn, session_id, owner)
            _check_number(number, s.last_number)
            return self._move(conn, s, number, messages)

    # ------------------------------------------------------------------ reading
    def head(self, session_id: str, owner: str | None = None) -> Version | None:
        with self._tx() as conn:
            s = self._find_session(conn, session_id, owner, by_title=False)
            return self._version(conn, session_id, s.head) if s.head is not None else None

    def get_version(self, session_id: str, number: int, owner: str | None = None) -> Version:
        with self._tx() as conn:
            s = self._find_session(conn, session_id, owner, by_title=False)
            _check_number(number, s.last_number)
            return self._version(conn, session_id, number)

    def versions(self, session_id: str, owner: str | None = None) -> list[Version]:
        """The whole tree, ordered by number."""
        query = sa.select(*_VERSION_COLUMNS).where(_V.session_id == session_id).order_by(_V.number)
        with self._tx() as conn:
            self._find_session(conn, session_id, owner, by_title=False)
            return [self._to_version(session_id, r) for r in conn.execute(query)]

    def messages(self, session_id: str, owner: str | None = None) -> list[Message]:
        """The transcript, oldest first."""
        m = t_messages.c
        query = (
            sa.select(m.role, m.text, m.version, m.decision, m.created_at)
            .where(m.session_id == session_id)
            .order_by(m.id)
        )
        with self._tx() as conn:
            self._find_session(conn, session_id, owner, by_title=False)
            return [
                Message(
                    r.role,
                    r.text,
                    r.version,
                    Decision.from_dict(r.decision) if r.decision else None,
                    r.created_at.isoformat(),
                )
                for r in conn.execute(query)
            ]

    def message_turns(self, session_id: str, owner: str | None = None) -> list[tuple[int, Message]]:
        """(turn, message) pairs, oldest first: messages of one call share a turn (used by export)."""
        m = t_messages.c
        query = (
            sa.select(m.turn, m.role, m.text, m.version, m.decision, m.created_at)
            .where(m.session_id == session_id)
            .order_by(m.id)
        )
        with self._tx() as conn:
            self._find_session(conn, session_id, owner, by_title=False)
            return [
                (
                    r.turn,
                    Message(
                        r.role,
                        r.text,
                        r.version,
                        Decision.from_dict(r.decision) if r.decision else None,
                        r.created_at.isoformat(),
                    ),
                )
                for r in conn.execute(query)
            ]

    def load_image(self, version: Version):
        """The version's image as a loaded PIL image (StoreError when its file is gone)."""
        from PIL import Image

        path = Path(version.image_path)
        try:
            with Image.open(path) as img:
                img.load()
                return img
        except FileNotFoundError as exc:
            raise StoreError(f"image file of version {version.number} is missing: {path}") from exc
        except OSError as exc:
            raise StoreError(f"image file of version {version.number} cannot be read: {path}") from exc

    # ------------------------------------------------------------------ export, maintenance
    def export_version(self, session_id: str, number: int, dest: Path, owner: str | None = None) -> Path:
        from .export import export_version

        with self._guard():
            return export_version(self, session_id, number, Path(dest), owner)

    def export_session(
        self, session_id: str, dest: Path, branch: int | None = None, owner: str | None = None
    ) -> Path:
        from .export import export_session

        with self._guard():
            return export_session(self, session_id, Path(dest), branch, owner)

    def collect_orphans(self, min_age_s: float = 60.0) -> int:
        """Delete image files no version references and older than `min_age_s`; returns the count."""
        with self._guard():
            with self._tx() as conn:
                referenced = set(conn.scalars(sa.select(_V.image_sha256).distinct()))
            return self.files.collect(referenced, min_age_s)

    # ------------------------------------------------------------------ internals
    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except StudioError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise db.translate(exc, self._where) from exc
        except OSError as exc:
            raise db.translate(exc, str(self.files.root)) from exc

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        with self._guard(), db.transaction(self.engine, write=write) as conn:
            yield conn

    def _find_session(self, conn: Connection, name_or_id: str, owner: str | None, by_title: bool = True):
        cols = (*_SESSION_COLUMNS, _S.last_number, _S.last_turn)
        row = conn.execute(sa.select(*cols).where(_S.id == name_or_id, _owner_is(owner))).first()
        if row is None and by_title and name_or_id:
            row = conn.execute(
                sa.select(*cols)
                .where(_S.title == name_or_id, _owner_is(owner))
                .order_by(_S.updated_at.desc())
                .limit(1)
            ).first()
        if row is None:
            raise NotFound(f"no session {name_or_id!r}")
        return row

    def _lock(self, conn: Connection, session_id: str, owner: str | None):
        """First statement of every write: bump the session row (locks it), return its state."""
        row = conn.execute(
            sa.update(t_sessions)
            .where(_S.id == session_id, _owner_is(owner))
            .values(updated_at=utcnow(), last_turn=_S.last_turn + 1)
            .returning(_S.id, _S.head, _S.last_number, _S.last_turn)
        ).first()
        if row is None:
            raise NotFound(f"no session {session_id!r}")
        return row

    def _move(self, conn: Connection, s, target: int | None, messages: Sequence[Message]) -> Version | None:
        """Move head to `target` (None: stay), keep redo pointers along the path, add messages."""
        if target is None:
            self._add_messages(conn, s, messages, s.head)
            return None
        conn.execute(sa.update(t_sessions).where(_S.id == s.id).values(head=target))
        child = target
        while True:  # point each ancestor's redo_child at the path; stop where it already does
            par = conn.scalar(sa.select(_V.parent).where(_V.session_id == s.id, _V.number == child))
            if par is None:
                break
            res = conn.execute(
                sa.update(t_versions)
                .where(
                    _V.session_id == s.id,
                    _V.number == par,
                    sa.or_(_V.redo_child.is_(None), _V.redo_child != child),
                )
                .values(redo_child=child)
            )
            if res.rowcount == 0:
                break
            child = par
        self._add_messages(conn, s, messages, target)
        return self._version(conn, s.id, target)

    def _insert_version(self, conn, session_id: str, number: int, parent: int | None, r: Recipe, sha: str):
        conn.execute(
            sa.insert(t_versions).values(
                session_id=session_id,
                number=number,
                parent=parent,
                kind=VersionKind(r.kind).value,
                prompt=r.prompt or "",
                prompt_sent=r.prompt_sent or "",
                negative_prompt=r.negative_prompt,
                model_id=r.model_id,
                model_revision=r.model_revision,
                seed=r.seed,
                steps=r.steps,
                guidance=r.guidance,
                image_guidance=r.image_guidance,
                width=r.width,
                height=r.height,
                image_sha256=sha,
                elapsed_s=r.elapsed_s,
                created_at=utcnow(),
            )
        )
        if parent is not None:
            conn.execute(
                sa.update(t_versions)
                .where(_V.session_id == session_id, _V.number == parent)
                .values(redo_child=number)
            )

    def _add_messages(self, conn, s, messages: Sequence[Message], current: int | None) -> None:
        """Insert `messages` as turn `s.last_turn`; version 0 means `current` (the new/moved-to head)."""
        if not messages:
            return
        now = utcnow()
        rows = []
        for msg in messages:
            version = current if msg.version == 0 else msg.version
            if version is not None:
                _check_number(version, s.last_number if current is None else max(s.last_number, current))
            rows.append(
                {
                    "session_id": s.id,
                    "turn": s.last_turn,
                    "role": msg.role,
                    "text": msg.text or "",
                    "version": version,
                    "decision": msg.decision.to_dict() if msg.decision else None,
                    "created_at": now,
                }
            )
        conn.execute(sa.insert(t_messages), rows)

    def _version(self, conn: Connection, session_id: str, number: int) -> Version:
        row = conn.execute(
            sa.select(*_VERSION_COLUMNS).where(_V.session_id == session_id, _V.number == number)
        ).first()
        if row is None:
            raise NotFound(f"no version {number} in this session")
        return self._to_version(session_id, row)

    def _to_version(self, session_id: str, r) -> Version:
        recipe = Recipe(
            VersionKind(r.kind),
            r.prompt,
            r.prompt_sent,
            r.negative_prompt,
            r.model_id,
            r.model_revision,
            r.seed,
            r.steps,
            r.guidance,
            r.image_guidance,
            r.width,
            r.height,
            r.elapsed_s,
        )
        return Version(
            session_id,
            r.number,
            r.parent,
            recipe,
            str(self.files.path_for(r.image_sha256)),
            r.image_sha256,
            r.created_at.isoformat(),
        )


def _owner_is(owner: str | None):
    return _S.owner == owner if owner is not None else sa.true()


def _check_number(number: Any, last: int) -> None:
    """Numbers are gap-free and never deleted, so 1..last is exactly the set that exists."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidParams(f"a version number must be an integer, not {number!r}")
    if not 1 <= number <= last:
        raise NotFound(f"no version {number} in this session")


def _insert_session(conn: Connection, title: str, owner: str | None) -> SessionInfo:
    now = utcnow()
    row = {
        "id": secrets.token_urlsafe(16),
        "title": (title or "").strip(),
        "owner": owner,
        "created_at": now,
        "updated_at": now,
        "head": None,
    }
    conn.execute(sa.insert(t_sessions).values(**row))
    return _session_info(row)


def _session_info(r) -> SessionInfo:
    return SessionInfo(
        r["id"], r["title"], r["owner"], r["created_at"].isoformat(), r["updated_at"].isoformat(), r["head"]
    )
