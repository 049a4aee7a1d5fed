"""A cache of the versions already read, per session: safe because the tree is append-only.

A version row never changes once written (redo pointers are not part of ``Version``) and a
session's numbers are exactly 1..N, never deleted except with the whole session (whose id is
never reused). So the versions read before are a valid prefix forever, also when another
process writes, and loading a 10,000-version tree for display only reads the new rows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..domain import Version


class TreeCache:
    """session id -> the versions 1..k read so far (a tuple), for the `max_sessions` latest used."""

    def __init__(self, max_sessions: int = 32):
        self._max = max_sessions
        self._lock = threading.Lock()
        self._trees: OrderedDict[str, tuple[Version, ...]] = OrderedDict()

    def get(self, session_id: str) -> tuple[Version, ...]:
        with self._lock:
            tree = self._trees.get(session_id, ())
            if tree:
                self._trees.move_to_end(session_id)
            return tree

    def extend(self, session_id: str, known: tuple[Version, ...], new: list[Version]) -> tuple[Version, ...]:
        """`known` + `new` (numbers continue from len(known)); kept unless a longer prefix is cached."""
        tree = known + tuple(new)
        if not new:
            return tree
        with self._lock:
            if len(self._trees.get(session_id, ())) < len(tree):
                self._trees[session_id] = tree
                self._trees.move_to_end(session_id)
                while len(self._trees) > self._max:
                    self._trees.popitem(last=False)
        return tree

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._trees.pop(session_id, None)
