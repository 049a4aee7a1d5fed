"""Fixtures for the version-store tests: a real SQLite store in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from hidream_studio.store import Store


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path):
    with Store.open(f"sqlite:///{home / 'studio.db'}", home / "images") as opened:
        yield opened
