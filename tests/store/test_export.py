"""Export: one version as a PNG that explains itself, a session or a branch as a zip."""

from __future__ import annotations

import json
import os
import stat
import zipfile

import pytest
from sqlalchemy import event

from hidream_studio.domain import Message, NotFound, StoreError, UserError
from hidream_studio.store import Store, read_png_metadata

from .helpers import add


@pytest.fixture
def tree(store):
    """1 <- 2 <- 3 and a branch 1 <- 4, each made by a turn of two messages."""
    sid = store.create_session("Cat studies").id
    for seed in (1, 2, 3):
        add(
            store,
            sid,
            seed,
            messages=[Message("user", f"make v{seed}"), Message("assistant", "done", version=0)],
        )
    store.checkout(sid, 1)
    add(store, sid, 4, messages=[Message("user", "make v4"), Message("assistant", "done", version=0)])
    store.record_turn(sid, messages=[Message("user", "thanks"), Message("assistant", "you're welcome")])
    return sid


def test_export_version_is_the_png_with_its_recipe(store, tree, tmp_path):
    out = store.export_version(tree, 2, tmp_path)
    assert out == tmp_path / "Cat-studies-v2.png"
    meta = read_png_metadata(out)
    assert (meta["version"], meta["parent"], meta["prompt"], meta["session"]) == (2, 1, "v2", tree)
    named = store.export_version(tree, 3, tmp_path / "sub" / "three.png")
    assert named.name == "three.png" and read_png_metadata(named)["version"] == 3
    with pytest.raises(NotFound):
        store.export_version(tree, 9, tmp_path)


def test_export_session_zip_has_images_recipes_and_transcript(store, tree, tmp_path):
    out = store.export_session(tree, tmp_path)
    assert out.name == "Cat-studies.zip"
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("session.json"))
        transcript = json.loads(zf.read("transcript.json"))
        png = zf.read("images/v0003.png")
        recipe = json.loads(zf.read("recipes/v0003.json"))
        md = zf.read("transcript.md").decode()
    assert {f"images/v000{n}.png" for n in range(1, 5)} <= names
    assert {f"recipes/v000{n}.json" for n in range(1, 5)} <= names
    assert [(v["number"], v["parent"]) for v in manifest["versions"]] == [(1, None), (2, 1), (3, 2), (4, 1)]
    assert manifest["session"] == tree and manifest["head"] == 4 and manifest["branch"] is None
    assert len(transcript) == 10 and transcript[-1]["text"] == "you're welcome"
    assert recipe["prompt"] == "v3" and recipe["image"] == "images/v0003.png"
    assert png == (
        store.versions(tree)[2].image_path and open(store.versions(tree)[2].image_path, "rb").read()
    )
    assert "**assistant** (version 4): done" in md


def test_export_branch_keeps_the_lineage_and_its_turns(store, tree, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = store.export_session(tree, out_dir / "b.zip", branch=3)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("session.json"))
        transcript = json.loads(zf.read("transcript.json"))
    assert [v["number"] for v in manifest["versions"]] == [1, 2, 3]
    assert "images/v0004.png" not in names and manifest["branch"] == 3
    texts = [m["text"] for m in transcript]
    assert "make v4" not in texts and "make v3" in texts and "thanks" in texts
    with pytest.raises(NotFound):
        store.export_session(tree, out_dir, branch=5)
    assert sorted(p.name for p in out_dir.iterdir()) == ["b.zip"]  # nothing half-written


def test_export_faults_name_the_destination_not_the_images_folder(store, tree, tmp_path):
    """A bad --out is the destination's fault: the error says so (it used to blame the images folder)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for call in (lambda d: store.export_version(tree, 2, d), lambda d: store.export_session(tree, d)):
        with pytest.raises(StoreError) as err:
            call(blocker / "out.zip")
        assert str(blocker) in str(err.value) and "images folder" not in str(err.value)
    assert blocker.read_text() == "not a folder"


def test_export_refuses_to_replace_a_special_file(store, tree, tmp_path):
    """The atomic rename would replace a device or FIFO (as root, /dev/full became a PNG)."""
    (tmp_path / "out").mkdir()
    fifo = tmp_path / "out" / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="not a regular file"):
        store.export_version(tree, 2, fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and os.listdir(tmp_path / "out") == ["pipe"]


def test_export_is_one_snapshot_while_another_writer_stores_a_turn(store, home, tmp_path, db_url):
    """A turn another process-like writer (its own engine on the same file) commits between the
    export's reads does not appear in it: the zip is the session as it was, head and versions agree."""
    sid = store.create_session("Snapshot").id
    add(store, sid, 1, messages=[Message("user", "make v1"), Message("assistant", "done", version=0)])
    other = Store.open(db_url, home / "images")
    wrote: list = []

    def write_once(conn, cursor, statement, *args):
        if not wrote and statement.lstrip().upper().startswith("SELECT"):
            wrote.append(add(other, sid, 2, messages=[Message("user", "make v2"), Message("assistant", "done", 0)]))

    event.listen(store.engine, "after_cursor_execute", write_once)
    try:
        out = store.export_session(sid, tmp_path)
    finally:
        event.remove(store.engine, "after_cursor_execute", write_once)
        other.close()
    assert wrote and wrote[0].number == 2 and store.head(sid).number == 2  # the write really happened
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("session.json"))
        transcript = json.loads(zf.read("transcript.json"))
    assert manifest["head"] == 1 and [v["number"] for v in manifest["versions"]] == [1]
    assert [m["text"] for m in transcript] == ["make v1", "done"]
