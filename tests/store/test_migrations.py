"""Migrations: the first one builds exactly the declared schema on an empty database (SQLite, or
PostgreSQL when the tests run on a server), also when several processes open it at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from hidream_studio.domain import StoreError
from hidream_studio.store import Store
from hidream_studio.store.db import alembic_config, make_engine, schema_revision
from hidream_studio.store.schema import metadata


def test_migration_on_an_empty_database_matches_the_schema(tmp_path, db_url):
    Store.open(db_url, tmp_path / "images").close()
    engine = make_engine(db_url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert schema_revision(engine) == head == "0002"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_a_sqlite_file_gets_its_folder_and_pragmas(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'studio.db'}"  # the folder does not exist yet
    Store.open(url, tmp_path / "images").close()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_reopening_is_a_no_op_and_keeps_data(tmp_path, db_url):
    url = db_url
    with Store.open(url, tmp_path / "images") as store:
        sid = store.create_session("kept").id
    with Store.open(url, tmp_path / "images") as store:
        assert store.get_session(sid).title == "kept"


def test_a_database_from_a_newer_release_is_refused_cleanly(tmp_path, db_url):
    url = db_url
    Store.open(url, tmp_path / "images").close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError) as err:
        Store.open(url, tmp_path / "images")
    assert "schema" in str(err.value) and "\n" not in str(err.value)


def test_foreign_keys_hold_versions_to_their_session(tmp_path, db_url):
    url = db_url
    Store.open(url, tmp_path / "images").close()
    engine = make_engine(url)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO versions (session_id, number, kind, image_sha256, created_at, prompt, prompt_sent)"
            " VALUES ('nope', 1, 'generate', 'x', '2026-01-01', '', '')"
        ))  # fmt: skip
    engine.dispose()


def test_the_migrations_render_for_postgresql_without_sqlite_specifics():
    from hidream_studio.store.db import migration_sql

    sql = migration_sql("postgresql")
    assert (
        "CREATE TABLE sessions" in sql and "CREATE TABLE versions" in sql and "CREATE TABLE messages" in sql
    )
    assert "REFERENCES versions (session_id, number)" in sql  # a parent is always in the same session
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in sql
    assert "ALTER TABLE versions ADD COLUMN region JSON" in sql
    assert "sqlite" not in sql.lower() and "PRAGMA" not in sql


def test_an_in_memory_database_keeps_its_rows_across_calls(tmp_path):
    from .helpers import add

    with Store.open("sqlite://", tmp_path / "images") as store:
        sid = store.create_session("scratch").id
        add(store, sid, 1)
        assert store.get_session("scratch").head == 1 and len(store.versions(sid)) == 1


def test_a_database_made_by_the_first_schema_is_upgraded_with_its_rows(tmp_path):
    """0002 adds versions.region to a database written by 0001: old versions keep every field."""
    from alembic import command
    from PIL import Image

    from hidream_studio.domain import Recipe, VersionKind

    url = f"sqlite:///{tmp_path / 'studio.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(sa.text("INSERT INTO sessions (id, title, created_at, updated_at, head, last_number, last_turn)"
                             " VALUES ('s1', 'old', '2026-01-01', '2026-01-01', NULL, 0, 0)"))
    assert schema_revision(engine) == "0001"
    engine.dispose()
    with Store.open(url, tmp_path / "images") as store:
        old = store.record_turn("s1", image=Image.new("RGB", (8, 8)), recipe=Recipe(VersionKind.GENERATE, "a cat"))
        assert old.recipe.region is None
        region = {"box": [1, 2, 3, 4], "feather": 8, "margin": 0.25, "mask_png": "AAAA"}
        new = store.record_turn("s1", image=Image.new("RGB", (8, 8), "red"),
                                recipe=Recipe(VersionKind.EDIT, "make it red", region=region))
        assert store.get_version("s1", new.number).recipe.region == region
    assert schema_revision(make_engine(url)) == "0002"
