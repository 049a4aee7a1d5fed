"""Sessions: unguessable ids, lookup by id or title, owner scoping, isolation, rename, delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from hidream_studio.domain import InvalidParams, Message, NotFound

from .helpers import add, image, recipe


def test_ids_are_unguessable_and_titles_find_sessions(store):
    a = store.create_session("cat")
    b = store.create_session("dog")
    assert len(a.id) >= 20 and a.id != b.id and not a.id.isdigit()
    assert store.get_session(a.id) == a
    assert store.get_session("dog").id == b.id
    with pytest.raises(NotFound):
        store.get_session("bird")
    assert [s.id for s in store.list_sessions()] == [b.id, a.id]  # most recently used first
    add(store, a.id, 1)
    assert [s.id for s in store.list_sessions()] == [a.id, b.id]


def test_session_ids_never_start_with_a_dash():
    """A command line would read "--session -Dvn..." as an option; one id in 64 would start so."""
    from hidream_studio.store.queries import new_session_id

    ids = [new_session_id() for _ in range(3000)]
    assert not [sid for sid in ids if sid.startswith("-")]
    assert len(set(ids)) == len(ids) and all(len(sid) == 22 for sid in ids)
    assert any("-" in sid for sid in ids)  # still the whole URL-safe alphabet inside


def test_ensure_session_gets_or_creates(store):
    first, created = store.ensure_session("walk")
    assert created and first.title == "walk"
    again, created = store.ensure_session("walk")
    assert not created and again.id == first.id
    by_id, created = store.ensure_session(first.id)
    assert not created and by_id.id == first.id


def test_version_numbers_do_not_leak_between_sessions(store):
    a = store.create_session("a").id
    b = store.create_session("b").id
    for seed in (1, 2, 3):
        add(store, a, seed)
    assert add(store, b, 10).number == 1  # numbering is per session
    with pytest.raises(NotFound):
        store.get_version(b, 3)
    with pytest.raises(NotFound):
        store.checkout(b, 2)
    with pytest.raises(NotFound):
        store.export_version(b, 2, store.files.root.parent / "x.png")
    assert [v.number for v in store.versions(b)] == [1]
    assert store.versions(b)[0].recipe.prompt == "v10"


def test_owner_scoping(store):
    alice = store.create_session("mine", owner="alice")
    bob = store.create_session("mine", owner="bob")
    local = store.create_session("local")
    add(store, alice.id, 1, owner="alice")
    assert [s.id for s in store.list_sessions(owner="alice")] == [alice.id]
    assert store.get_session("mine", owner="bob").id == bob.id
    # A foreign or ownerless session is NotFound for an owner, whatever the call.
    for call in (
        lambda: store.get_session(alice.id, owner="bob"),
        lambda: store.get_session(local.id, owner="bob"),
        lambda: store.versions(alice.id, owner="bob"),
        lambda: store.messages(alice.id, owner="bob"),
        lambda: store.head(alice.id, owner="bob"),
        lambda: store.get_version(alice.id, 1, owner="bob"),
        lambda: store.undo(alice.id, owner="bob"),
        lambda: store.redo(alice.id, owner="bob"),
        lambda: store.checkout(alice.id, 1, owner="bob"),
        lambda: add(store, alice.id, 2, owner="bob"),
        lambda: store.rename_session(alice.id, "stolen", owner="bob"),
        lambda: store.delete_session(alice.id, owner="bob"),
        lambda: store.export_session(alice.id, store.files.root.parent, owner="bob"),
    ):
        with pytest.raises(NotFound):
            call()
    assert store.get_session(alice.id, owner="alice").title == "mine"
    assert [v.number for v in store.versions(alice.id, owner="alice")] == [1]
    # Local mode (owner None) sees everything.
    assert {s.id for s in store.list_sessions()} == {alice.id, bob.id, local.id}


def test_rename_and_delete(store):
    keep = store.create_session("keep").id
    gone = store.create_session("gone").id
    kept = add(store, keep, 1)
    shared_bytes = add(store, gone, 2)
    assert store.rename_session(gone, "  renamed ").title == "renamed"
    assert store.get_session("renamed").id == gone
    store.delete_session(gone)
    with pytest.raises(NotFound):
        store.get_session(gone)
    with pytest.raises(NotFound):
        store.versions(gone)
    assert not Path(shared_bytes.image_path).exists()  # its file went with it
    assert Path(kept.image_path).exists()
    assert [v.number for v in store.versions(keep)] == [1]


@pytest.mark.parametrize("name", ["x" * 250, "  padded name  "])
def test_ensure_session_finds_a_long_or_padded_name_again(store, name):
    """Titles are stored trimmed and capped: the lookup compares the same form, so `chat --session NAME`
    keeps using one session instead of making a new one on every call."""
    first, created = store.ensure_session(name)
    again, created_again = store.ensure_session(name)
    assert created and not created_again and again.id == first.id
    assert store.get_session(name).id == first.id
    assert len(store.list_sessions()) == 1


@pytest.mark.parametrize("name", ["", "   "])
def test_ensure_session_refuses_a_blank_name(store, name):
    """`chat --session ''` made a new untitled session on every call; now a clear error, nothing stored."""
    with pytest.raises(InvalidParams, match="empty"):
        store.ensure_session(name)
    assert store.list_sessions() == []


def test_text_that_is_not_utf8_is_a_clear_error_and_stores_nothing(store):
    """Lone surrogates (invalid bytes in a shell argument) raised a UnicodeEncodeError traceback."""
    sid = store.create_session("s").id
    with pytest.raises(InvalidParams, match="not valid UTF-8"):
        store.get_session("bad \udcff name")
    with pytest.raises(InvalidParams, match="not valid UTF-8"):
        store.record_turn(sid, image=image(1), recipe=recipe("a \udcff cat"), messages=[Message("user", "a \udcff cat")])
    with pytest.raises(InvalidParams, match="not valid UTF-8"):
        store.record_turn(sid, messages=[Message("user", "ok"), Message("assistant", "bad \udcff reply")])
    assert store.versions(sid) == [] and store.messages(sid) == []
