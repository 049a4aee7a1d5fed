"""Two turns against a running Space through gradio_client, run by the Space build check (build.sh).

    python tests/space/turns.py http://127.0.0.1:7861

Checks a generate and an edit turn, that public mode is on (each client gets an owner token and
sees only its own sessions) and that the page names the model it serves. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time

from gradio_client import Client


def send(client: Client, state: dict, text: str):
    # message, state, steps (0 = the model's default), guidance x2, image guidance, seed, size
    return client.predict({"text": text, "files": []}, state, 0, None, None, None, 7, None, api_name="/send")


def main(url: str) -> int:
    client = Client(url, verbose=False)
    labels = [c.get("props", {}).get("label") for c in client.config["components"]]
    values = " ".join(str(c.get("props", {}).get("value", "")) for c in client.config["components"])
    assert "Your sessions" in labels, "public mode is off: the sessions list is not per browser"
    assert "Generator **nano**" in values, "the page does not say it serves the nano model"
    assert "No GPU here" in values, "the page does not say why it serves nano"

    timings = {}
    started = time.perf_counter()
    _, chat, canvas, versions, _, sessions, progress, state = send(client, {"session": None}, "a red circle on a blue background")
    timings["generate_s"] = round(time.perf_counter() - started, 2)
    assert canvas and len(versions) == 1, f"no image from the generate turn: {progress}"
    assert state.get("owner"), "public mode is off: no owner token in the browser state"

    started = time.perf_counter()
    _, chat, canvas2, versions, _, _, progress, state = send(client, state, "make the circle green")
    timings["edit_s"] = round(time.perf_counter() - started, 2)
    assert len(versions) == 2 and canvas2 and canvas2 != canvas, f"the edit turn made no new version: {progress}"
    assert "E1" in str(chat), "the second turn was not routed to the editor"

    other = Client(url, verbose=False)
    *_, other_sessions, _, other_state = send(other, {"session": None}, "hello")
    assert other_state.get("owner") and other_state["owner"] != state["owner"]
    assert state["session"] not in json.dumps(other_sessions), "another browser sees this session"
    print(json.dumps({"turns": "ok", "public": True, **timings}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
