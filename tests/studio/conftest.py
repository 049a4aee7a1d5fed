"""One studio home per test run, with the tiny checkpoints built once (real pipelines, random weights);
Debian's chromium for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from hidream_studio.bootstrap import build_studio
from hidream_studio.config import Settings


@pytest.fixture(scope="session")
def studio_settings(tmp_path_factory, databases) -> Settings:
    home = tmp_path_factory.mktemp("studio-home")
    return Settings(home=home, database_url=databases.new(), model="tiny", editor="tiny", device="cpu",
                    dtype="float32")  # fmt: skip


@pytest.fixture(scope="session")
def studio(studio_settings):
    studio = build_studio(studio_settings, load_models=True)
    yield studio
    studio.store.close()


@pytest.fixture
def session(studio):
    return studio.new_session(title="")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(studio, studio_settings):
    """The studio's page, launched in this process on a free loopback port (shared by the API and
    browser tests)."""
    from hidream_studio.ui import build_demo, launch_kwargs

    settings = studio_settings.with_(port=_free_port())
    demo = build_demo(studio, settings)
    _, url, _ = demo.launch(**(launch_kwargs(settings) | {"prevent_thread_lock": True, "quiet": True}))
    yield url
    demo.close()


@pytest.fixture
def free_port() -> int:
    """A port nothing listens on, for a test that launches its own server."""
    return _free_port()


@pytest.fixture(scope="session")
def port_factory():
    """For module-scoped fixtures that launch their own server."""
    return _free_port


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright (skipped where chromium is absent)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()

