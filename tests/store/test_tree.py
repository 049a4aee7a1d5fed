"""The version tree: numbering, undo/redo/checkout, branching, messages in the same transaction."""

from __future__ import annotations

import pytest

from hidream_studio.domain import Decision, InvalidParams, Message, NotFound, Route, VersionKind
from hidream_studio.store import HEAD

from .helpers import add


def shape(store, sid):
    return [(v.number, v.parent) for v in store.versions(sid)]


def test_linear_history_undo_redo_returns_to_where_you_were(store):
    sid = store.create_session("cat").id
    assert store.head(sid) is None
    for seed in (1, 2, 3):
        assert add(store, sid, seed).number == seed
    assert shape(store, sid) == [(1, None), (2, 1), (3, 2)]
    assert store.undo(sid).number == 2
    assert store.undo(sid).number == 1
    assert store.undo(sid) is None  # a root: nothing to undo, head stays
    assert store.head(sid).number == 1
    assert store.redo(sid).number == 2
    assert store.redo(sid).number == 3
    assert store.redo(sid) is None
    assert store.head(sid).number == 3
    assert len(store.versions(sid)) == 3  # undo never deletes


def test_empty_session_has_nothing_to_undo_or_redo(store):
    sid = store.create_session().id
    assert store.undo(sid) is None
    assert store.redo(sid) is None
    assert store.get_session(sid).head is None


def test_new_version_after_undo_starts_a_branch_and_redo_follows_the_latest(store):
    sid = store.create_session().id
    for seed in (1, 2, 3):
        add(store, sid, seed)
    store.undo(sid)
    store.undo(sid)  # head 1, which has child 2
    branch = add(store, sid, 4)
    assert (branch.number, branch.parent) == (4, 1)
    assert shape(store, sid) == [(1, None), (2, 1), (3, 2), (4, 1)]
    assert store.undo(sid).number == 1
    assert store.redo(sid).number == 4  # the most recently visited child of 1, not 2


def test_checkout_then_redo_follows_the_most_recently_visited_path(store):
    sid = store.create_session().id
    for seed in (1, 2, 3):
        add(store, sid, seed)
    store.checkout(sid, 1)
    add(store, sid, 4)  # 4 <- 1
    add(store, sid, 5)  # 5 <- 4
    assert store.checkout(sid, 3).number == 3  # back onto the first branch
    store.checkout(sid, 1)
    assert store.redo(sid).number == 2  # 1 -> 2 -> 3 was visited last
    assert store.redo(sid).number == 3
    store.checkout(sid, 5)
    store.checkout(sid, 1)
    assert [store.redo(sid).number, store.redo(sid).number] == [4, 5]


def test_explicit_parent_and_new_root(store):
    sid = store.create_session().id
    for seed in (1, 2, 3):
        add(store, sid, seed)
    v = add(store, sid, 4, parent=1)
    assert (v.number, v.parent) == (4, 1)
    root = add(store, sid, 5, parent=None)
    assert (root.number, root.parent) == (5, None)
    assert store.head(sid).number == 5
    assert add(store, sid, 6, parent=HEAD).parent == 5
    with pytest.raises(NotFound):
        add(store, sid, 7, parent=99)
    assert len(store.versions(sid)) == 6


def test_checkout_and_get_version_reject_unknown_numbers(store):
    sid = store.create_session().id
    add(store, sid, 1)
    for bad in (0, 2, -1):
        with pytest.raises(NotFound):
            store.checkout(sid, bad)
        with pytest.raises(NotFound):
            store.get_version(sid, bad)
    with pytest.raises(InvalidParams):
        store.checkout(sid, "1")
    assert store.head(sid).number == 1


def test_version_carries_its_recipe(store):
    sid = store.create_session().id
    v = add(store, sid, 1)
    got = store.get_version(sid, 1)
    assert got == v
    assert got.recipe.kind is VersionKind.GENERATE and got.recipe.prompt == "v1" and got.recipe.seed == 1
    assert got.recipe.guidance == 3.5 and (got.recipe.width, got.recipe.height) == (16, 16)
    assert got.created_at.endswith("+00:00")
    assert store.load_image(got).size == (16, 16)


def test_messages_are_recorded_with_the_turn_and_version_zero_means_the_new_one(store):
    sid = store.create_session().id
    decision = Decision(Route.GENERATE, "a cat", reason="no canvas yet")
    turn = [Message("user", "draw a cat"), Message("assistant", "here it is", version=0, decision=decision)]
    v = add(store, sid, 1, messages=turn)
    assert store.record_turn(sid, messages=[Message("user", "hello"), Message("assistant", "hi")]) is None
    store.undo(sid, messages=[Message("user", "undo"), Message("assistant", "nothing to undo", version=0)])
    add(store, sid, 2)
    store.undo(sid, messages=[Message("assistant", "back", version=0)])
    got = store.messages(sid)
    assert [(m.role, m.text, m.version) for m in got] == [
        ("user", "draw a cat", None),
        ("assistant", "here it is", v.number),
        ("user", "hello", None),
        ("assistant", "hi", None),
        ("user", "undo", None),
        ("assistant", "nothing to undo", 1),
        ("assistant", "back", 1),
    ]
    assert got[1].decision == decision
    turns = [t for t, _ in store.message_turns(sid)]
    assert turns[0] == turns[1] < turns[2] == turns[3] < turns[4] == turns[5] < turns[6]


def test_a_failed_turn_records_nothing(store):
    sid = store.create_session().id
    add(store, sid, 1)
    with pytest.raises(NotFound):  # a message pointing at a version that does not exist
        add(store, sid, 2, messages=[Message("user", "x"), Message("assistant", "y", version=7)])
    assert shape(store, sid) == [(1, None)]
    assert store.messages(sid) == []
    assert store.head(sid).number == 1
    assert add(store, sid, 3).number == 2  # numbering stays gap-free


def test_upload_without_recipe(store):
    sid = store.create_session().id
    from .helpers import image

    v = store.record_turn(sid, image=image(5))
    assert v.recipe.kind is VersionKind.UPLOAD and v.parent is None


class TreeModel:
    """The documented semantics, in plain Python: arriving at a version re-points its ancestors."""

    def __init__(self):
        self.parent: dict[int, int | None] = {}
        self.redo_to: dict[int, int] = {}
        self.head: int | None = None

    def arrive(self, number: int) -> int:
        child = number
        while self.parent[child] is not None:
            self.redo_to[self.parent[child]] = child
            child = self.parent[child]
        self.head = number
        return number

    def add(self, parent) -> int:
        number = len(self.parent) + 1
        self.parent[number] = self.head if parent is HEAD else parent
        return self.arrive(number)

    def undo(self):
        up = self.parent[self.head] if self.head else None
        return self.arrive(up) if up is not None else None

    def redo(self):
        down = self.redo_to.get(self.head) if self.head else None
        return self.arrive(down) if down is not None else None


def test_random_walks_match_the_reference_semantics(store):
    import random

    rng = random.Random(1234)
    sid = store.create_session().id
    model = TreeModel()
    for step in range(250):
        op = rng.choices(["add", "branch", "root", "undo", "redo", "checkout"], [3, 1, 0.2, 2, 3, 3])[0]
        if not model.parent or op == "add":
            op, expected, got = "add", model.add(HEAD), add(store, sid, step).number
        elif op == "branch":
            par = rng.randint(1, len(model.parent))
            expected, got = model.add(par), add(store, sid, step, parent=par).number
        elif op == "root":
            expected, got = model.add(None), add(store, sid, step, parent=None).number
        elif op == "undo":
            expected, moved = model.undo(), store.undo(sid)
            got = moved.number if moved else None
        elif op == "redo":
            expected, moved = model.redo(), store.redo(sid)
            got = moved.number if moved else None
        else:
            target = rng.randint(1, len(model.parent))
            expected, got = model.arrive(target), store.checkout(sid, target).number
        assert got == expected, f"step {step}: {op}"
        assert store.get_session(sid).head == model.head, f"step {step}: {op}"
    assert shape(store, sid) == sorted(model.parent.items())


def test_a_second_store_on_the_same_database_sees_new_versions(store, home, db_url):
    from hidream_studio.store import Store

    sid = store.create_session().id
    add(store, sid, 1)
    assert [v.number for v in store.versions(sid)] == [1]  # now cached by `store`
    with Store.open(db_url, home / "images") as other:
        add(other, sid, 2)
        other.undo(sid)
        add(other, sid, 3)
    tree = store.versions(sid)
    assert [(v.number, v.parent, v.recipe.prompt) for v in tree] == [
        (1, None, "v1"),
        (2, 1, "v2"),
        (3, 1, "v3"),
    ]
    assert store.versions(sid) == tree
    store.delete_session(sid)
    with pytest.raises(NotFound):
        store.versions(sid)
