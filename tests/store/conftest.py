"""Fixtures for the version-store tests: a real store (SQLite file, or a fresh PostgreSQL database
when ``HIDREAM_STUDIO_DATABASE_URL`` names a server; see tests/conftest.py) and its images folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from hidream_studio.store import Store


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path, db_url: str):
    with Store.open(db_url, home / "images") as opened:
        yield opened
