"""The drawn version tree: layout, head and redo path, and its cost at a few hundred versions."""

from __future__ import annotations

import re

from PIL import Image

from hidream_studio.domain import Recipe, VersionKind
from hidream_studio.store import Store
from hidream_studio.ui.thumbs import thumbnail
from hidream_studio.ui.tree import layout, tree_svg


def _store_with_branches(tmp_path):
    """v1 -> v2 -> v3, then back at v2 a branch v4 -> v5, then back to v1's first child path."""
    store = Store.open(f"sqlite:///{tmp_path / 'studio.db'}", tmp_path / "images")
    sid = store.create_session("tree").id
    for i in range(3):
        store.record_turn(sid, image=Image.new("RGB", (8, 8), (i, 0, 0)), recipe=Recipe(VersionKind.GENERATE, f"p{i}"))
    store.checkout(sid, 2)
    for i in range(2):
        store.record_turn(sid, image=Image.new("RGB", (8, 8), (0, i, 9)), recipe=Recipe(VersionKind.EDIT, f"e{i}"))
    return store, sid


def test_layout_keeps_a_branch_together_and_gives_it_its_own_lane(tmp_path):
    store, sid = _store_with_branches(tmp_path)
    nodes = layout(store.versions(sid))
    assert [(n.version.number, n.lane) for n in nodes] == [(1, 0), (2, 0), (3, 0), (4, 1), (5, 1)]
    assert [n.row for n in nodes] == [0, 1, 2, 3, 4]


def test_redo_path_follows_the_last_visited_children(tmp_path):
    store, sid = _store_with_branches(tmp_path)
    assert store.redo_path(sid) == []  # head v5 is a leaf
    store.checkout(sid, 1)
    assert store.redo_path(sid) == [2, 4, 5]  # the branch visited last
    store.checkout(sid, 3)
    store.undo(sid)
    store.undo(sid)
    assert store.redo_path(sid) == [2, 3]


def test_svg_marks_the_head_and_the_redo_path_and_every_node_is_clickable(tmp_path):
    store, sid = _store_with_branches(tmp_path)
    store.checkout(sid, 2)
    versions = store.versions(sid)
    svg = tree_svg(versions, 2, store.redo_path(sid), lambda v: f"/thumb/{v.number}")
    assert re.findall(r'data-version="(\d+)"', svg) == ["1", "2", "3", "4", "5"]
    assert re.search(r'class="node head" data-version="2"', svg)
    assert re.search(r'class="node redo" data-version="4"', svg) and "v2 · generate · p1 ● current" in svg
    assert svg.count('class="edge redo"') == 2


def test_thumbnails_are_small_and_cached(tmp_path):
    src = tmp_path / "big.png"
    Image.new("RGB", (1024, 768), "red").save(src)
    thumb = thumbnail(str(src), "abc", tmp_path / "thumbs")
    with Image.open(thumb) as img:
        assert max(img.size) == 64
    stamp = thumb.stat().st_mtime_ns
    assert thumbnail(str(src), "abc", tmp_path / "thumbs") == thumb and thumb.stat().st_mtime_ns == stamp


def test_a_deep_branchy_tree_of_400_versions_is_drawn_whole(tmp_path):
    from dataclasses import replace

    store, sid = _store_with_branches(tmp_path)
    base = store.versions(sid)[0]
    chain = [replace(base, number=i, parent=(i - 1 if i % 7 else max(1, i - 3)) if i > 1 else None)
             for i in range(1, 401)]  # no recursion limit is hit at this depth
    svg = tree_svg(chain, 400, [], lambda v: "x")
    assert svg.count("data-version") == 400
    assert len({n.lane for n in layout(chain)}) == 1 + sum(1 for i in range(2, 401) if i % 7 == 0)
