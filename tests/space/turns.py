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

# The /send outputs as API callers receive them (ui/outputs.py's fields; buttons carry no API value).
OUTPUTS = ("input", "chat", "canvas", "versions", "tree", "sessions", "progress", "state", "compare", "options",
           "region")


def send(client: Client, state: dict, text: str) -> dict:
    """One turn; the outputs by name. Message, state, steps (0 = the model's default), guidance x2,
    image guidance, seed, size."""
    out = client.predict({"text": text, "files": []}, state, 0, None, None, None, 7, None, api_name="/send")
    return dict(zip(OUTPUTS, out, strict=True))


def main(url: str) -> int:
    client = Client(url, verbose=False)
    labels = [c.get("props", {}).get("label") for c in client.config["components"]]
    values = " ".join(str(c.get("props", {}).get("value", "")) for c in client.config["components"])
    assert "Your sessions" in labels, "public mode is off: the sessions list is not per browser"
    assert "Generator **nano**" in values, "the page does not say it serves the nano model"
    assert "No GPU here" in values, "the page does not say why it serves nano"

    timings = {}
    started = time.perf_counter()
    out = send(client, {"session": None}, "a red circle on a blue background")
    canvas, versions, progress, state = out["canvas"], out["versions"], out["progress"], out["state"]
    timings["generate_s"] = round(time.perf_counter() - started, 2)
    assert canvas and len(versions) == 1, f"no image from the generate turn: {progress}"
    assert state.get("owner"), "public mode is off: no owner token in the browser state"

    started = time.perf_counter()
    out = send(client, state, "make the circle green")
    chat, canvas2, versions, progress, state = out["chat"], out["canvas"], out["versions"], out["progress"], out["state"]
    timings["edit_s"] = round(time.perf_counter() - started, 2)
    assert len(versions) == 2 and canvas2 and canvas2 != canvas, f"the edit turn made no new version: {progress}"
    assert "E1" in str(chat), "the second turn was not routed to the editor"

    other = Client(url, verbose=False)
    out = send(other, {"session": None}, "hello")
    other_sessions, other_state = out["sessions"], out["state"]
    assert other_state.get("owner") and other_state["owner"] != state["owner"]
    assert state["session"] not in json.dumps(other_sessions), "another browser sees this session"
    print(json.dumps({"turns": "ok", "public": True, **timings}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
