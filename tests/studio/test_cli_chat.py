"""The `hidream-studio chat` contract, through a real subprocess on the tiny model."""

from __future__ import annotations

import json
import subprocess
import sys

from PIL import Image


def cli(settings, *args):
    cmd = [sys.executable, "-m", "hidream_studio", "--home", str(settings.home), "--database-url", settings.db_url, "--model", "tiny", "--editor", "tiny", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_chat_generate_edit_undo_json(studio, studio_settings):
    out = cli(studio_settings, "chat", "--session", "cli-demo", "--seed", "3", "--steps", "2", "a red circle on a blue background")
    assert out.returncode == 0, out.stderr
    first = json.loads(out.stdout)
    assert first["route"] == "generate" and first["head"] == 1 and first["created"] == 1 and first["parent"] is None
    assert first["image"].endswith(".png") and first["model"]
    second = json.loads(cli(studio_settings, "chat", "--session", "cli-demo", "--steps", "2", "make the circle green").stdout)
    assert (second["route"], second["head"], second["created"], second["parent"]) == ("edit", 2, 2, 1)
    third = json.loads(cli(studio_settings, "chat", "--session", "cli-demo", "undo").stdout)
    assert (third["route"], third["head"], third["created"]) == ("undo", 1, None)
    # Who decided and how sure: the classifier for the open decision, a rule for "undo".
    assert first["by"] == "classifier" and 0.5 < first["confidence"] <= 1 and first["chat"] is None
    assert (third["by"], third["confidence"]) == ("rules", 1.0)
    thanks = json.loads(cli(studio_settings, "chat", "--session", "cli-demo", "thanks!").stdout)
    assert (thanks["route"], thanks["chat"], thanks["head"], thanks["created"]) == ("chat", "social", 1, None)
    assert third["image"] == first["image"] and third["session"] == first["session"]
    log = json.loads(cli(studio_settings, "log", "--session", "cli-demo").stdout)
    assert log["head"] == 1 and [v["number"] for v in log["versions"]] == [1, 2]


def test_chat_bad_input_exits_2_and_stores_nothing(studio, studio_settings, tmp_path):
    before = len(studio.sessions())
    no_message = cli(studio_settings, "chat", "--session", "cli-bad")
    assert no_message.returncode == 2 and no_message.stderr.startswith("error:")
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG but not really")
    unreadable = cli(studio_settings, "chat", "--session", "cli-bad", "--image", str(junk), "make it blue")
    assert unreadable.returncode == 2 and "error:" in unreadable.stderr and "Traceback" not in unreadable.stderr
    refused_first_turn = cli(studio_settings, "chat", "--session", "cli-new", "--steps", "100000", "a red circle")
    assert refused_first_turn.returncode == 2
    assert refused_first_turn.stderr.strip().splitlines()[-1].startswith("error:")  # on a line of its own
    assert len(studio.sessions()) == before
    cli(studio_settings, "chat", "--session", "cli-bad2", "--steps", "2", "a red circle")
    unknown_version = cli(studio_settings, "chat", "--session", "cli-bad2", "go back to version 7")
    assert unknown_version.returncode == 2 and "Traceback" not in unknown_version.stderr
    log = json.loads(cli(studio_settings, "log", "--session", "cli-bad2").stdout)
    assert [v["number"] for v in log["versions"]] == [1] and log["head"] == 1


def test_chat_with_image_uploads_and_edits(studio, studio_settings, tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("P", (30, 30), 3).save(photo)
    out = json.loads(cli(studio_settings, "chat", "--session", "cli-up", "--image", str(photo), "--steps", "2", "make it green").stdout)
    assert out["route"] == "upload" and out["created"] == 2 and out["parent"] == 1
