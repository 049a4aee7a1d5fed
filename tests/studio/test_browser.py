"""A real browser (Debian's chromium driven by Playwright) against a launched studio.

Type a prompt, see an image, edit, say thanks and get a text reply with the same canvas, undo and see
the canvas change back, select an older version, reload the page and find the session again. Saves a
screenshot for the README (assets/screenshot.png) when HIDREAM_SCREENSHOT=1.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 90_000
SCREENSHOT = Path(__file__).resolve().parents[2] / "assets" / "screenshot.png"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page_url(request, tmp_path_factory, port_factory):
    """The tiny studio shared with the API tests; for the README screenshot (HIDREAM_SCREENSHOT=1)
    a studio on the trained nano model instead, so the picture shows real shapes."""
    from hidream_studio.config import NANO_ASSETS

    if os.environ.get("HIDREAM_SCREENSHOT") != "1" or not (NANO_ASSETS / "hidream_studio.json").exists():
        yield request.getfixturevalue("server_url")
        return
    from hidream_studio.bootstrap import build_studio
    from hidream_studio.config import Settings
    from hidream_studio.ui import build_demo, launch_kwargs

    settings = Settings(home=tmp_path_factory.mktemp("nano-home"), model="nano", editor="nano", port=port_factory())
    studio = build_studio(settings, load_models=True)
    demo = build_demo(studio, settings)
    _, url, _ = demo.launch(**(launch_kwargs(settings) | {"prevent_thread_lock": True, "quiet": True}))
    yield url
    demo.close()
    studio.store.close()


def canvas_src(page) -> str:
    return page.locator("#canvas img").first.get_attribute("src") or ""


def send(page, text: str) -> None:
    box = page.locator("#chat-input textarea").first
    box.fill(text)
    box.press("Enter")


def wait_versions(page, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#versions .thumbnail-item, #versions button.thumbnail-item').length >= {count}",
        timeout=TIMEOUT_MS,
    )


def test_chat_edit_undo_select_reload(browser, page_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(page_url, wait_until="load")
    page.locator("#chat-input textarea").first.wait_for()

    send(page, "a red circle on a blue background")
    wait_versions(page, 1)
    page.wait_for_function("document.querySelector('#canvas img') !== null")
    first = canvas_src(page)

    send(page, "make the circle green")
    wait_versions(page, 2)
    page.wait_for_function(f"document.querySelector('#canvas img').getAttribute('src') !== {first!r}")
    edited = canvas_src(page)
    assert "Edited v1 with E1" in page.locator("#chat").inner_text()

    # Thanks is conversation: a text reply, the same canvas, no new version.
    send(page, "thanks!")
    page.wait_for_function("document.querySelector('#chat').innerText.includes(\"You're welcome\")")
    assert canvas_src(page) == edited
    assert page.locator("#versions .thumbnail-item").count() == 2

    page.locator("#undo").click()
    page.wait_for_function(f"document.querySelector('#canvas img').getAttribute('src') !== {edited!r}")
    assert canvas_src(page) == first

    # Select v2 in the versions gallery: it is checked out again.
    page.locator("#versions .thumbnail-item").nth(1).click()
    page.wait_for_function(f"document.querySelector('#canvas img').getAttribute('src') === {edited!r}")

    if os.environ.get("HIDREAM_SCREENSHOT") == "1":
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Reload: the same session comes back (BrowserState), with both versions and v2 on the canvas.
    page.reload(wait_until="load")
    wait_versions(page, 2)
    page.wait_for_function(f"document.querySelector('#canvas img') && document.querySelector('#canvas img').getAttribute('src') === {edited!r}")
    assert "make the circle green" in page.locator("#chat").inner_text()
    # Nothing is fetched from the internet: every request of the page went to the studio itself.
    outside = [u for u in requested if not u.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:"))]
    assert outside == []
    context.close()


def test_session_survives_a_server_restart(browser, studio_settings, free_port):
    """Same home, same port (localStorage is per origin), a new server process state: the browser
    finds its session again through the encrypted BrowserState and the store."""
    from hidream_studio.bootstrap import build_studio
    from hidream_studio.ui import build_demo, launch_kwargs

    settings = studio_settings.with_(port=free_port)
    kwargs = launch_kwargs(settings) | {"prevent_thread_lock": True, "quiet": True}
    first = build_studio(settings)
    demo = build_demo(first, settings)
    _, url, _ = demo.launch(**kwargs)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(url, wait_until="load")
        page.locator("#chat-input textarea").first.wait_for()
        send(page, "a yellow triangle before the restart")
        wait_versions(page, 1)
        demo.close()
        first.store.close()

        second = build_studio(settings)
        demo = build_demo(second, settings)
        demo.launch(**kwargs)
        page.reload(wait_until="load")
        wait_versions(page, 1)
        assert "a yellow triangle before the restart" in page.locator("#chat").inner_text()
        second.store.close()
    finally:
        context.close()
        demo.close()
