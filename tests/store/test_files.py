"""Image files: PNG recipe chunks, content addressing, atomic writes, orphan collection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from hidream_studio.domain import Recipe, StoreError, VersionKind
from hidream_studio.store import PNG_JSON_KEY, Store, read_png_metadata
from hidream_studio.store.files import ImageFiles

from .helpers import add, image


def test_png_carries_the_recipe_as_text_chunks(store):
    sid = store.create_session("t").id
    add(store, sid, 1)
    recipe = Recipe(VersionKind.EDIT, prompt="把猫变成绿色", prompt_sent="Editing Instruction: make it green",
                    model_id="HiDream-ai/HiDream-E1-Full", model_revision="abc123", seed=42, steps=28,
                    guidance=5.0, image_guidance=4.0, width=16, height=16)  # fmt: skip
    v = store.record_turn(sid, image=image(2), recipe=recipe)
    with Image.open(v.image_path) as img:
        text = dict(img.text)
    assert text["prompt"] == "把猫变成绿色"  # UTF-8 survives (iTXt)
    assert text["prompt_sent"] == "Editing Instruction: make it green"
    assert (text["model"], text["revision"], text["seed"], text["steps"]) == (
        "HiDream-ai/HiDream-E1-Full",
        "abc123",
        "42",
        "28",
    )
    assert (text["guidance"], text["image_guidance"], text["size"], text["kind"]) == (
        "5.0",
        "4.0",
        "16x16",
        "edit",
    )
    assert (text["parent"], text["session"], text["version"]) == ("1", sid, "2")
    meta = read_png_metadata(Path(v.image_path))
    assert (meta["prompt"], meta["parent"], meta["version"], meta["seed"]) == ("把猫变成绿色", 1, 2, 42)
    assert (meta["session"], meta["model"], meta["kind"], meta["size"]) == (
        sid,
        recipe.model_id,
        "edit",
        "16x16",
    )
    assert PNG_JSON_KEY in text


def test_files_are_content_addressed_and_written_once(tmp_path):
    files = ImageFiles(tmp_path / "images")
    sha = files.write(b"same bytes")
    assert files.write(b"same bytes") == sha
    path = files.path_for(sha)
    assert path.read_bytes() == b"same bytes" and path.parent.name == sha[:2]
    assert [p for p, _ in files.iter_files()] == [path]  # no temporary file left behind


def test_every_version_file_matches_its_hash(store):
    import hashlib

    sid = store.create_session().id
    for seed in range(4):
        add(store, sid, seed)
    for v in store.versions(sid):
        assert hashlib.sha256(Path(v.image_path).read_bytes()).hexdigest() == v.image_sha256
        assert Path(v.image_path).name == f"{v.image_sha256}.png"


def test_orphans_are_collected_but_young_files_spared(store):
    sid = store.create_session().id
    v = add(store, sid, 1)
    orphan = store.files.path_for(store.files.write(b"orphan"))
    tmp = orphan.with_name(".dead.123.abcd.tmp")
    tmp.write_bytes(b"half")
    assert store.collect_orphans() == 0  # too young: could be a version being saved right now
    old = orphan.stat().st_mtime - 3600
    for p in (orphan, tmp):
        os.utime(p, (old, old))
    assert store.collect_orphans() == 2
    assert not orphan.exists() and not tmp.exists()
    assert Path(v.image_path).exists()
    assert store.collect_orphans(min_age_s=0) == 0


def test_rewriting_an_old_orphan_refreshes_it(tmp_path):
    files = ImageFiles(tmp_path / "images")
    path = files.path_for(files.write(b"bytes"))
    os.utime(path, (1, 1))
    files.write(b"bytes")  # about to be referenced again: must not look old to the collector
    assert path.stat().st_mtime > 1000
    assert files.collect(referenced=set(), min_age_s=60) == 0


def test_another_database_never_collects_this_studios_images(tmp_path):
    """Opening an in-memory or another database over a home's images folder deleted every image older than
    a minute (none of them is referenced by that database): `--database-url sqlite:///:memory: sessions`
    wiped the studio."""
    home = tmp_path / "home"
    with Store.open(f"sqlite:///{home / 'studio.db'}", home / "images") as store:
        sid = store.create_session().id
        paths = [Path(add(store, sid, seed).image_path) for seed in (1, 2)]
    for p in paths:
        os.utime(p, (1, 1))  # old: not spared by the age guard
    with Store.open("sqlite:///:memory:", home / "images") as memory:
        with pytest.raises(StoreError, match="in-memory"):
            memory.collect_orphans(min_age_s=0)
    with Store.open(f"sqlite:///{tmp_path / 'other.db'}", home / "images") as other:
        with pytest.raises(StoreError, match="belongs to the database"):
            other.collect_orphans(min_age_s=0)
    assert all(p.exists() for p in paths)
    with Store.open(f"sqlite:///{home / 'studio.db'}", home / "images") as store:  # the owner still collects
        orphan = store.files.path_for(store.files.write(b"orphan"))
        assert store.collect_orphans(min_age_s=0) == 1 and not orphan.exists()
    assert all(p.exists() for p in paths)
