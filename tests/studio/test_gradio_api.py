"""gradio_client against a really launched server: the API a script or another app would use."""

from __future__ import annotations

from dataclasses import fields

import pytest
from gradio_client import Client, handle_file
from PIL import Image

from hidream_studio.ui.outputs import Outputs


@pytest.fixture(scope="module")
def client(server_url):
    return Client(server_url, verbose=False)


# The order API callers receive the page's outputs in (buttons carry no API value and are left out).
FIELDS = [f.name for f in fields(Outputs) if f.name not in ("undo", "redo", "flip")]


def named(out, picture=False):
    """An API result by output name (picture events return every output but the input)."""
    return dict(zip(FIELDS[1:] if picture else FIELDS, out, strict=True))


def send(client, state, text, files=(), **knobs):
    message = {"text": text, "files": [handle_file(f) for f in files]}
    # steps, guidance (new images), guidance (edits), image guidance, seed, size: 2 fast steps, else defaults;
    # options and region keep their defaults (1, nothing painted) unless given
    out = named(client.predict(message, state, 2, None, None, None, 5, None, **knobs, api_name="/send"))
    return out["chat"], out["canvas"], out["versions"], out["tree"], out["progress"], out["state"]


def test_generate_edit_undo_over_the_api(client, studio):
    chat, canvas, versions, tree, _, state = send(client, {"session": None}, "a red circle on a blue background")
    session = state["session"]
    assert canvas and len(versions) == 1
    assert studio.store.head(session).number == 1
    chat, canvas2, versions, tree, _, state = send(client, state, "make the circle green")
    assert len(versions) == 2 and studio.store.head(session).number == 2
    assert "Edited v1 with E1" in str(chat)
    out = named(client.predict(state, api_name="/undo"), picture=True)
    assert studio.store.head(session).number == 1
    assert "v1 · generate · a red circle on a blue background ● current" in out["tree"]
    # The canvas shown after undo is v1's image again (same content, same file name).
    with Image.open(out["canvas"]) as shown, Image.open(studio.store.get_version(session, 1).image_path) as v1:
        assert shown.tobytes() == v1.convert(shown.mode).tobytes()


def test_user_mistake_is_a_readable_message_and_changes_nothing(client, studio):
    *_, state = send(client, {"session": None}, "a red circle")
    chat, _, versions, _, progress, state = send(client, state, "   ")
    assert progress == "⚠ Type a message or attach an image." and len(versions) == 1
    _, _, versions, _, progress, _ = send(client, state, "go back to version 9")
    assert progress.startswith("⚠ ") and "9" in progress and len(versions) == 1
    assert studio.store.head(state["session"]).number == 1


def test_upload_over_the_api(client, studio, tmp_path):
    path = tmp_path / "upload.png"
    Image.new("RGB", (64, 48), (10, 200, 10)).save(path)
    _, canvas, versions, _, _, state = send(client, {"session": None}, "", files=[path])
    head = studio.store.head(state["session"])
    assert head.recipe.kind.value == "upload" and head.parent is None and len(versions) == 1


def test_session_by_name_and_new_session(client, studio):
    session, _ = studio.store.ensure_session("api-named")
    _, _, _, _, _, state = send(client, {"session": "api-named"}, "a yellow square")
    assert state["session"] == session.id
    out = named(client.predict(state, api_name="/new_session"), picture=True)
    assert out["state"]["session"] != session.id


def test_stop_really_stops_the_engine_and_frees_the_device(client, studio):
    import time

    state = {"session": None}
    *_, state = send(client, state, "hello")  # a chat turn: gives this client a session
    session = state["session"]
    job = client.submit({"text": "a red circle", "files": []}, state, 100, None, None, None, 1, None, api_name="/send")
    deadline = time.time() + 60
    while not studio.running(session) and time.time() < deadline:
        time.sleep(0.02)  # wait until the engine job is registered
    out = named(client.predict(state, api_name="/stop"))
    assert "Stopped" in out["progress"]
    try:
        job.result(timeout=60)
    except Exception:  # noqa: BLE001 - a cancelled job may end with an error on the client side
        pass
    assert studio.store.versions(session) == []
    # The device lock was released: a new turn in the same session runs to its end.
    _, _, versions, _tree, _progress, state = send(client, state, "a blue square")
    assert len(versions) == 1


def test_options_downloads_and_before_after_over_the_api(client, studio, tmp_path):
    import zipfile

    _, _, versions, _, _, state = send(client, {"session": None}, "a red circle, 3 options")
    assert len(versions) == 3
    session = state["session"]
    assert studio.store.head(session).number == 1
    studio.checkout(session, 2)  # pick the second option
    out = named(client.predict({"text": "make the circle green", "files": []}, state, 2, None, None, None, 5, None,
                               api_name="/send"))
    source, result = out["compare"]  # the edit's before and after
    with Image.open(source) as before, Image.open(studio.store.get_version(session, 2).image_path) as v2:
        assert before.tobytes() == v2.convert(before.mode).tobytes()
    assert "[before: v2]" in str(out["chat"])
    zipped, notice = client.predict(state, api_name="/download_session")
    assert notice.startswith("Ready") and zipfile.ZipFile(zipped).namelist().count("transcript.json") == 1
    png, _ = client.predict(state, api_name="/download_png")
    assert png.endswith("-v4.png")
