"""One studio home per test run, with the tiny checkpoints built once (real pipelines, random weights)."""

from __future__ import annotations

import pytest

from hidream_studio.bootstrap import build_studio
from hidream_studio.config import Settings


@pytest.fixture(scope="session")
def studio_settings(tmp_path_factory) -> Settings:
    home = tmp_path_factory.mktemp("studio-home")
    return Settings(home=home, model="tiny", editor="tiny", device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def studio(studio_settings):
    studio = build_studio(studio_settings, load_models=True)
    yield studio
    studio.store.close()


@pytest.fixture
def session(studio):
    return studio.new_session(title="")
