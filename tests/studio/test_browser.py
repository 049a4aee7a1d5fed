"""A real browser (Debian's chromium driven by Playwright) against a launched studio.

Type a prompt, see an image, edit, say thanks and get a text reply with the same canvas, undo and see
the canvas change back, select an older version, reload the page and find the session again. Saves a
screenshot for the README (assets/screenshot.png) when HIDREAM_SCREENSHOT=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
SCREENSHOT = Path(__file__).resolve().parents[2] / "assets" / "screenshot.png"



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


def picture_and_edit(page) -> tuple[str, str]:
    """Type a new picture, then an edit of it; wait for each on the canvas. Returns the two canvas srcs."""
    send(page, "a red circle on a blue background")
    wait_versions(page, 1)
    page.wait_for_function("document.querySelector('#canvas img') !== null")
    first = canvas_src(page)
    send(page, "make the circle green")
    wait_versions(page, 2)
    page.wait_for_function(f"document.querySelector('#canvas img').getAttribute('src') !== {first!r}")
    return first, canvas_src(page)


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

    first, edited = picture_and_edit(page)
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


def test_editor_features(browser, server_url, studio, tmp_path):
    """Options picked from one batched call, a refused turn kept in the chat, a tree node clicked,
    an edit's before/after, a painted region edit that leaves the rest unchanged, a session zip."""
    import io
    import zipfile

    import numpy as np
    from PIL import Image

    from hidream_studio.region import Region

    calls: list[int] = []
    engine = studio.engine
    original = engine.generate_options
    engine.generate_options = lambda req, count, **kw: calls.append(count) or original(req, count, **kw)
    context = browser.new_context(viewport={"width": 1400, "height": 1300}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server_url, wait_until="load")
        page.locator("#chat-input textarea").first.wait_for()
        session = lambda: studio.sessions()[0].id  # noqa: E731 - the newest session is this page's

        # 4 options in one engine call; pick the third.
        send(page, "a red circle on a blue background, 4 options")
        wait_versions(page, 4)
        page.locator("#options .thumbnail-item").nth(3).wait_for()
        assert calls == [4]
        sid = session()
        page.locator("#options .thumbnail-item").nth(2).click()
        page.wait_for_function("document.querySelector('#tree .node.head')?.dataset.version === '3'")
        assert studio.store.head(sid).number == 3

        # A refused turn: in the chat with its answer, and the words typed are given back.
        send(page, "go back to version 9")
        page.wait_for_function("document.querySelector('#chat').innerText.includes('⚠')")
        assert "go back to version 9" in page.locator("#chat").inner_text()
        assert page.locator("#chat-input textarea").first.input_value() == "go back to version 9"
        page.locator("#chat-input textarea").first.fill("")

        # A click on a tree node checks that version out.
        page.locator('#tree [data-version="1"]').click()
        page.wait_for_function("document.querySelector('#tree .node.head')?.dataset.version === '1'")
        assert studio.store.head(sid).number == 1

        # An edit shows its before and after.
        send(page, "make the circle green")
        wait_versions(page, 5)
        page.get_by_role("tab", name="Before / after").click()
        page.wait_for_function("document.querySelectorAll('#compare img').length === 2")

        # A painted region of an uploaded photo-sized picture: only it changes.
        photo = tmp_path / "photo.png"
        Image.fromarray(np.random.default_rng(1).integers(0, 256, (192, 256, 3), dtype=np.uint8)).save(photo)
        page.locator("#chat-input input[type=file]").set_input_files(str(photo))
        page.locator("#chat-input textarea").first.press("Enter")
        wait_versions(page, 6)
        page.get_by_role("tab", name="Mark a region").click()
        canvas = page.locator("#region-editor canvas").first
        canvas.wait_for()
        box = canvas.bounding_box()
        x, y, w, h = box["x"], box["y"], box["width"], box["height"]
        page.mouse.move(x + w * 0.45, y + h * 0.45)
        page.mouse.down()
        page.mouse.move(x + w * 0.55, y + h * 0.55, steps=8)
        page.mouse.up()
        page.locator('#region-editor button[aria-label="Undo"]:not([disabled])').wait_for()  # the stroke is in
        send(page, "make it yellow")
        wait_versions(page, 7)
        made = studio.store.head(sid)
        assert (made.number, made.parent) == (7, 6) and made.recipe.region is not None
        region = Region.from_record(made.recipe.region)
        before = np.asarray(Image.open(studio.store.get_version(sid, 6).image_path).convert("RGB"))
        after = np.asarray(Image.open(made.image_path).convert("RGB"))
        keep = region.alpha() == 0
        assert 0.3 < keep.mean() < 1, region.box  # a stroke, not the whole picture
        assert np.array_equal(after[keep], before[keep]) and not np.array_equal(after, before)

        # The session as a zip, from the page.
        page.locator("#download-session").click()
        link = page.locator("#download a").first
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as zipped:
            names = zipped.namelist()
        assert "transcript.json" in names and sum(n.startswith("images/v") for n in names) == 7
    finally:
        del engine.generate_options
        context.close()
