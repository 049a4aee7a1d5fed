"""Shared test set-up: offline, no analytics, opt-in markers for GPU and real weights, and the
tests' databases.

The store and studio tests run on SQLite files by default. With ``HIDREAM_STUDIO_DATABASE_URL``
naming a PostgreSQL database (``postgresql+psycopg://user@host:port/db``; `.ci/postgres` starts
one), every test gets a fresh database on that server instead. The variable is taken out of the
environment here, so nothing in a test (or a CLI it runs) uses the server's own database by
accident: each test passes its fresh URL explicitly.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

_OPT_IN = {
    "gpu": ("HIDREAM_TEST_GPU", "needs a CUDA device: set HIDREAM_TEST_GPU=1 on a GPU machine"),
    "weights": ("HIDREAM_TEST_WEIGHTS", "needs real HiDream weights: set HIDREAM_TEST_WEIGHTS=1"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, (env, reason) in _OPT_IN.items():
            if marker in item.keywords and os.environ.get(env) != "1":
                item.add_marker(pytest.mark.skip(reason=reason))


DATABASE_SERVER = os.environ.pop("HIDREAM_STUDIO_DATABASE_URL", None) or None


class Databases:
    """Fresh empty databases: SQLite files under a temporary folder, or new databases on the
    server named by ``HIDREAM_STUDIO_DATABASE_URL`` (dropped again by ``drop_all``)."""

    def __init__(self, server_url: str | None, folder: Path):
        self.server_url = server_url
        self.folder = folder
        self.made: list[str] = []

    def new(self) -> str:
        name = f"t_{secrets.token_hex(6)}"
        if self.server_url is None:
            return f"sqlite:///{self.folder / (name + '.db')}"
        with self._server().connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return self._server().url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.made:
            with self._server().connect() as conn:
                for name in self.made:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._engine.dispose()

    def _server(self):
        if not hasattr(self, "_engine"):
            import sqlalchemy as sa

            self._engine = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        return self._engine


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """The factory of the tests' databases (see the module docstring)."""
    made = Databases(DATABASE_SERVER, tmp_path_factory.mktemp("databases"))
    yield made
    made.drop_all()


@pytest.fixture
def db_url(databases) -> str:
    """A fresh empty database for this test (SQLite file, or PostgreSQL when the variable is set)."""
    return databases.new()
