"""gradio_client against a really launched server: the API a script or another app would use."""

from __future__ import annotations

import pytest
from gradio_client import Client, handle_file
from PIL import Image


@pytest.fixture(scope="module")
def client(server_url):
    return Client(server_url, verbose=False)


def send(client, state, text, files=()):
    message = {"text": text, "files": [handle_file(f) for f in files]}
    # steps, guidance (new images), guidance (edits), image guidance, seed, size: 2 fast steps, else defaults
    out = client.predict(message, state, 2, None, None, None, 5, None, api_name="/send")
    _, chat, canvas, versions, tree, _sessions, progress, state = out
    return chat, canvas, versions, tree, progress, state


def test_generate_edit_undo_over_the_api(client, studio):
    chat, canvas, versions, tree, _, state = send(client, {"session": None}, "a red circle on a blue background")
    session = state["session"]
    assert canvas and len(versions) == 1
    assert studio.store.head(session).number == 1
    chat, canvas2, versions, tree, _, state = send(client, state, "make the circle green")
    assert len(versions) == 2 and studio.store.head(session).number == 2
    assert "Edited v1 with E1" in str(chat)
    out = client.predict(state, api_name="/undo")
    assert studio.store.head(session).number == 1
    assert "current" in out[3] and "v1" in out[3]
    # The canvas shown after undo is v1's image again (same content, same file name).
    with Image.open(out[1]) as shown, Image.open(studio.store.get_version(session, 1).image_path) as v1:
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
    named, _ = studio.store.ensure_session("api-named")
    _, _, _, _, _, state = send(client, {"session": "api-named"}, "a yellow square")
    assert state["session"] == named.id
    out = client.predict(state, api_name="/new_session")
    assert out[-1]["session"] != named.id


def test_stop_really_stops_the_engine_and_frees_the_device(client, studio):
    import time

    state = {"session": None}
    *_, state = send(client, state, "hello")  # a chat turn: gives this client a session
    session = state["session"]
    job = client.submit({"text": "a red circle", "files": []}, state, 100, None, None, None, 1, None, api_name="/send")
    deadline = time.time() + 60
    while not studio.running(session) and time.time() < deadline:
        time.sleep(0.02)  # wait until the engine job is registered
    out = client.predict(state, api_name="/stop")
    assert "Stopped" in out[6]
    try:
        job.result(timeout=60)
    except Exception:  # noqa: BLE001 - a cancelled job may end with an error on the client side
        pass
    assert studio.store.versions(session) == []
    # The device lock was released: a new turn in the same session runs to its end.
    *_, versions, _tree, _progress, state = send(client, state, "a blue square")
    assert len(versions) == 1
