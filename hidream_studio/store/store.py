"""The version store: sessions, a persistent tree of image versions, the transcript.

One ``Store`` owns the database engine and the images folder; every public method is one
transaction, scoped by session (and owner when one is given), and raises only ``NotFound`` /
``InvalidParams`` (the caller's mistake) or ``StoreError`` (a fault, one clear line). Writes
lock the session row first (``BEGIN IMMEDIATE`` on SQLite), so version numbers stay unique and
gap-free however many threads or processes write.

Tree semantics: ``head`` is the version shown. A new version's parent is the head (or an explicit
parent; None makes a new root); undo moves head to the parent; redo follows ``redo_child``, the
child most recently visited, which every head move keeps pointing along the path to the head (so
undo, undo, redo, redo returns to where you were); checkout moves head anywhere. A new version
made while head is not a leaf starts a branch. Nothing is ever deleted by undo.

Messages passed to ``record_turn``/``undo``/``redo``/``checkout`` are written in the same
transaction; a ``Message.version`` of 0 means "the version this call made or moved to".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..domain import (
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
from . import db, export
from . import queries as q
from .cache import TreeCache
from .files import ImageFiles, encode_png, recipe_metadata


class _Head:
    """Sentinel type of ``HEAD``: "the session's current head" as the parent of a new version."""

    _instance: _Head | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "HEAD"


HEAD = _Head()


class Store:
    """Sessions, versions and messages in a database; image files in a folder. Thread-safe."""

    def __init__(self, engine: Engine, files: ImageFiles, where: str):
        self.engine = engine
        self.files = files
        self._where = where  # the database, for error messages
        self._trees = TreeCache()

    # ------------------------------------------------------------------ life cycle
    @classmethod
    def open(cls, db_url: str, images_dir: Path, *, busy_timeout_ms: int = 5000) -> Store:
        """Open (creating folders, running migrations, setting PRAGMAs); collect old orphan files."""
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
        if store._collect_refusal() is None:  # another database's folder: leave its files alone
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
        """A new empty session with an unguessable id."""
        with self._tx(write=True) as conn:
            return q.insert_session(conn, title, owner)

    def get_session(self, name_or_id: str, owner: str | None = None) -> SessionInfo:
        """By id, else the most recently used session with that title (NotFound otherwise)."""
        with self._tx() as conn:
            return q.session_info(q.find_session(conn, name_or_id, owner))

    def ensure_session(self, name: str, owner: str | None = None) -> tuple[SessionInfo, bool]:
        """(session, created): the session named `name` (id or title), made (titled `name`) if none.

        An empty or blank name is InvalidParams: it would make a new untitled session on every call.
        """
        if not q.clean_title(name):
            raise InvalidParams("a session name cannot be empty")
        with self._tx(write=True) as conn:
            db.serialize(conn, f"session title {owner or ''}/{q.clean_title(name)}")  # two callers make one
            try:
                return q.session_info(q.find_session(conn, name, owner)), False
            except NotFound:
                return q.insert_session(conn, name, owner), True

    def list_sessions(self, owner: str | None = None) -> list[SessionInfo]:
        """The visible sessions, most recently used first."""
        with self._tx() as conn:
            return q.list_sessions(conn, owner)

    def rename_session(self, session_id: str, title: str, owner: str | None = None) -> SessionInfo:
        with self._tx(write=True) as conn:
            q.lock_session(conn, session_id, owner)
            q.set_title(conn, session_id, title)
            return q.session_info(q.find_session(conn, session_id, owner, by_title=False))

    def delete_session(self, session_id: str, owner: str | None = None) -> None:
        """Delete a session, its versions and messages, and the image files nothing else uses."""
        with self._tx(write=True) as conn:
            q.lock_session(conn, session_id, owner)
            shas = q.session_shas(conn, session_id)
            q.delete_session_rows(conn, session_id)
        self._trees.drop(session_id)
        with self._tx() as conn:
            unused = shas - q.referenced_shas(conn, among=shas)
        for sha in unused:
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

        With an image (PIL; the recipe defaults to an upload): its PNG is written first
        (content-addressed, atomic, fsynced), then the version row (next number; parent = head
        for HEAD, None = a new root, or an existing number), head moves to it, and the messages
        are added. On any failure no row changes (at most an unreferenced image file remains,
        which ``collect_orphans`` removes).
        """
        if image is not None and recipe is None:
            recipe = Recipe(kind=VersionKind.UPLOAD)
        made = self.record_options(session_id, [(image, recipe)] if image is not None else [],
                                   messages=messages, parent=parent, owner=owner)
        return made[0] if made else None

    def record_options(
        self,
        session_id: str,
        options: Sequence[tuple[Any, Recipe]],
        *,
        messages: Sequence[Message] = (),
        parent: int | None | _Head = HEAD,
        owner: str | None = None,
    ) -> list[Version]:
        """Store several sibling versions (the candidates of one turn) and the turn's messages in one
        transaction, as ``record_turn`` does for one: consecutive numbers, one parent, head (and the
        redo path) on the first. A message version of 0 means the first option."""
        with self._guard():
            predicted = shas = None
            if options:
                # Encode and fsync outside the write lock for guessed (numbers, parent); this is
                # redone under the lock only when another writer of this session got in first.
                with self._tx() as conn:
                    s = q.find_session(conn, session_id, owner, by_title=False)
                if isinstance(parent, int):
                    q.check_number(parent, s.last_number)
                predicted = (s.last_number + 1, s.head if parent is HEAD else parent)
                shas = self._write_pngs(options, session_id, *predicted)
            with self._tx(write=True) as conn:
                s = q.lock_session(conn, session_id, owner)
                first = None
                if options:
                    first = s.last_number + 1
                    par = s.head if parent is HEAD else parent
                    if par is not None:
                        q.check_number(par, s.last_number)
                    if (first, par) != predicted:
                        shas = self._write_pngs(options, session_id, first, par)
                    for offset, ((_, recipe), sha) in enumerate(zip(options, shas, strict=True)):
                        q.insert_version(conn, session_id, first + offset, par, recipe, sha)
                    if len(options) > 1:
                        q.move_head(conn, session_id, first)
                    if par is not None and par == s.head:
                        q.set_redo_child(conn, session_id, par, first)  # the usual case: O(1)
                    elif par is not None:
                        q.point_path_at(conn, session_id, first)
                q.add_messages(conn, s, messages, first)
                return [q.fetch_version(conn, session_id, first + i, self.files.path_str) for i in range(len(options))]

    def undo(
        self, session_id: str, owner: str | None = None, messages: Sequence[Message] = ()
    ) -> Version | None:
        """Move head to its parent; None (head unchanged) when there is nothing to undo."""
        with self._tx(write=True) as conn:
            s = q.lock_session(conn, session_id, owner)
            target = q.parent_of(conn, session_id, s.head) if s.head is not None else None
            if target is not None:  # remember the child we came from (kept anyway by the invariant)
                q.set_redo_child(conn, session_id, target, s.head)
            return self._move(conn, s, target, messages)

    def redo(
        self, session_id: str, owner: str | None = None, messages: Sequence[Message] = ()
    ) -> Version | None:
        """Move head to the child most recently visited; None when there is nothing to redo."""
        with self._tx(write=True) as conn:
            s = q.lock_session(conn, session_id, owner)
            target = q.redo_child_of(conn, session_id, s.head) if s.head is not None else None
            return self._move(conn, s, target, messages)

    def checkout(
        self, session_id: str, number: int, owner: str | None = None, messages: Sequence[Message] = ()
    ) -> Version:
        """Move head to any version of the session (NotFound for an unknown number)."""
        with self._tx(write=True) as conn:
            s = q.lock_session(conn, session_id, owner)
            q.check_number(number, s.last_number)
            q.point_path_at(conn, session_id, number)
            return self._move(conn, s, number, messages)

    # ------------------------------------------------------------------ reading
    def head(self, session_id: str, owner: str | None = None) -> Version | None:
        with self._tx() as conn:
            s = q.find_session(conn, session_id, owner, by_title=False)
            return q.fetch_version(conn, session_id, s.head, self.files.path_str) if s.head else None

    def redo_path(self, session_id: str, owner: str | None = None) -> list[int]:
        """The versions redo would visit from the head, in order (empty at a leaf)."""
        with self._tx() as conn:
            s = q.find_session(conn, session_id, owner, by_title=False)
            pointers = q.redo_pointers(conn, session_id)
        path, number = [], pointers.get(s.head) if s.head is not None else None
        while number is not None and number not in path:
            path.append(number)
            number = pointers.get(number)
        return path

    def get_version(self, session_id: str, number: int, owner: str | None = None) -> Version:
        with self._tx() as conn:
            s = q.find_session(conn, session_id, owner, by_title=False)
            q.check_number(number, s.last_number)
            return q.fetch_version(conn, session_id, number, self.files.path_str)

    def versions(self, session_id: str, owner: str | None = None) -> list[Version]:
        """The whole tree, ordered by number."""
        with self._tx() as conn:
            q.find_session(conn, session_id, owner, by_title=False)
            known = self._trees.get(session_id)
            return list(
                self._trees.extend(
                    session_id,
                    known,
                    q.fetch_versions(conn, session_id, self.files.path_str, after=len(known)),
                )
            )

    def messages(self, session_id: str, owner: str | None = None) -> list[Message]:
        """The transcript, oldest first."""
        return [m for _, m in self.message_turns(session_id, owner)]

    def message_turns(self, session_id: str, owner: str | None = None) -> list[tuple[int, Message]]:
        """(turn, message) pairs, oldest first; the messages of one call share a turn number."""
        with self._tx() as conn:
            q.find_session(conn, session_id, owner, by_title=False)
            return q.fetch_messages(conn, session_id)

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
        """Write version `number` as a PNG with its recipe chunks to `dest` (file or folder)."""
        with self._tx() as conn:
            s = q.find_session(conn, session_id, owner)  # by id, or by title as get_session
            q.check_number(number, s.last_number)
            session = q.session_info(s)
            version = q.fetch_version(conn, s.id, number, self.files.path_str)
        with self._guard():
            return export.export_version(session, version, Path(dest))

    def export_session(
        self, session_id: str, dest: Path, branch: int | None = None, owner: str | None = None
    ) -> Path:
        """Write a zip of the session (or of the lineage of version `branch`) to `dest`.

        The session, its versions and its transcript are read in one transaction, so the zip is one
        consistent snapshot even while other turns are being stored."""
        with self._tx() as conn:
            s = q.find_session(conn, session_id, owner)  # by id, or by title as get_session
            snapshot = export.SessionSnapshot(
                session=q.session_info(s),
                versions=q.fetch_versions(conn, s.id, self.files.path_str),
                turns=q.fetch_messages(conn, s.id),
            )
        with self._guard():
            return export.export_session(snapshot, Path(dest), branch)

    def collect_orphans(self, min_age_s: float = 60.0) -> int:
        """Delete image files no version references and older than `min_age_s`; returns the count.

        Young files are spared: a writer stores its file just before its row commits. Only the
        database that owns the folder collects (StoreError otherwise): an in-memory or another
        database sees none of this folder's versions and would delete every file.
        """
        refusal = self._collect_refusal()
        if refusal is not None:
            raise StoreError(refusal)
        with self._tx() as conn:
            referenced = q.referenced_shas(conn)
        with self._guard():
            return self.files.collect(referenced, min_age_s)

    def _collect_refusal(self) -> str | None:
        """Why this store must not collect orphans in its images folder, or None (claiming it if unowned)."""
        me = db.identity(str(self.engine.url.render_as_string(hide_password=False)))
        folder = self.files.root
        if me is None:
            return f"an in-memory database does not own the images folder {folder}: nothing collected"
        with self._guard():
            owner = self.files.owner()
            if owner is None:
                with self._tx() as conn:
                    empty = not q.referenced_shas(conn)
                if empty and self.files.has_files():
                    return (f"this database has no versions and the images folder {folder} holds files it did "
                            "not make: nothing collected")
                self.files.set_owner(me)
                owner = me
        if owner != me:
            return (f"the images folder {folder} belongs to the database {owner}, not {me}: nothing collected "
                    f"(delete {self.files.owner_marker} if that database is gone)")
        return None

    # ------------------------------------------------------------------ internals
    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Database and file-system faults leave as one-line StoreErrors."""
        try:
            yield
        except StudioError:
            raise
        except UnicodeEncodeError as exc:  # lone surrogates, e.g. from a shell argument that was not UTF-8
            raise InvalidParams(f"text that is not valid UTF-8 cannot be stored or looked up ({exc.reason})") from None
        except sa.exc.SQLAlchemyError as exc:
            raise db.translate(exc, self._where) from exc
        except OSError as exc:
            raise db.translate(exc, f"the images folder {self.files.root}") from exc

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        with self._guard(), db.transaction(self.engine, write=write) as conn:
            yield conn

    def _write_pngs(self, options: Sequence[tuple[Any, Recipe]], session_id: str, first: int,
                    parent: int | None) -> list[str]:
        """The PNG files of versions first, first+1, ... (their metadata names the number)."""
        return [self.files.write(encode_png(image, recipe_metadata(recipe, session=session_id, version=first + i,
                                                                   parent=parent)))
                for i, (image, recipe) in enumerate(options)]

    def _move(self, conn: Connection, s, target: int | None, messages: Sequence[Message]) -> Version | None:
        """Move head to `target` (None: stay, return None) and add the messages."""
        if target is not None:
            q.move_head(conn, s.id, target)
        q.add_messages(conn, s, messages, target if target is not None else s.head)
        return q.fetch_version(conn, s.id, target, self.files.path_str) if target is not None else None
