"""`hidream-studio route`: one message or a batch of JSON lines, no model and no database."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap

from hidream_studio.cli import main
from hidream_studio.commands.route import run_batch


def _cli(*args: str, stdin: str | None = None, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "HIDREAM_STUDIO_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "hidream_studio", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )


def test_one_message_prints_the_decision(tmp_path):
    proc = _cli("route", "--canvas", "please make the circle green", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    confidence = out.pop("confidence")
    assert out == {
        "route": "edit",
        "text": "make the circle green",
        "target": None,
        "reason": "instruction verb 'make' with a canvas",
        "count": 1,
        "by": "classifier",
        "chat": None,
    }
    assert 0.5 < confidence <= 1.0
    # Nothing was created: no database, no home folder.
    assert not (tmp_path / "home").exists()


def test_words_are_joined_and_flags_matter(capsys):
    assert main(["route", "make", "it", "blue"]) == 0
    out = json.loads(capsys.readouterr().out)  # no --canvas: nothing to edit, answered in text
    assert (out["route"], out["chat"]) == ("chat", "no_canvas")
    assert main(["route", "--attachment", "make", "it", "blue"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["route"], out["text"]) == ("upload", "make it blue")
    assert main(["route", "--attachment"]) == 0  # an upload needs no words
    assert json.loads(capsys.readouterr().out) == {
        "route": "upload",
        "text": "",
        "target": None,
        "reason": "attached image becomes a new root",
        "count": 1,
        "confidence": 1.0,
        "by": "rules",
        "chat": None,
    }


def test_chinese_checkout_keeps_unicode(tmp_path):
    proc = _cli("route", "回到第二个版本", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "回到第二个版本" in proc.stdout  # not \\u escapes
    out = json.loads(proc.stdout)
    assert (out["route"], out["target"], out["text"]) == ("checkout", 2, "")


def test_no_message_is_a_usage_error(tmp_path):
    proc = _cli("route", home=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ")
    proc = _cli("route", "   ", home=tmp_path)
    assert proc.returncode == 2


def test_message_and_batch_together_is_an_error(capsys):
    assert main(["route", "--batch", "undo"]) == 2
    assert "not both" in capsys.readouterr().err


def test_batch_answers_every_line_in_order(tmp_path):
    lines = [
        {"text": "undo", "canvas": True},
        {"text": "a cat on a sofa", "canvas": True},
        {"text": "把背景换成黄色", "canvas": True},
        {"text": "make it blue", "canvas": False},
        {"text": "use this and make it blue", "canvas": False, "attachment": True},
        {"text": "go back to version 3", "canvas": True},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    proc = _cli("route", "--batch", stdin=stdin, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [o["route"] for o in out] == ["undo", "generate", "edit", "chat", "upload", "checkout"]
    assert out[4]["text"] == "make it blue"
    assert out[5]["target"] == 3


def test_batch_bad_lines_get_an_error_each_and_exit_2(tmp_path):
    stdin = textwrap.dedent(
        """\
        {"text": "hi", "canvas": false}
        not json
        ["a list"]
        {"text": 42, "canvas": true}
        {"text": "undo", "canvas": "yes"}

        {"text": "redo", "canvas": true}
        """
    )
    proc = _cli("route", "--batch", stdin=stdin, home=tmp_path)
    assert proc.returncode == 2
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == 6  # the blank line is skipped, every other line answered
    assert out[0]["route"] == "chat"
    assert out[1]["error"].startswith("line 2:")
    assert "object" in out[2]["error"]
    assert '"text"' in out[3]["error"]
    assert '"canvas"' in out[4]["error"]
    assert out[5]["route"] == "redo"


def test_run_batch_in_process():
    src = io.StringIO('{"text": "another one", "canvas": true}\n{"text": "你好"}\n')
    dst = io.StringIO()
    assert run_batch(src, dst) == 0
    assert [json.loads(x)["route"] for x in dst.getvalue().splitlines()] == ["variation", "chat"]


def test_route_command_imports_no_model_code(tmp_path):
    # A fresh interpreter: other tests in this process may already have imported torch.
    code = textwrap.dedent(
        """
        import argparse, sys
        from hidream_studio.cli import main
        from hidream_studio.commands import route as cmd
        from hidream_studio.config import Settings
        assert main(["route", "--canvas", "make it blue"]) == 0
        args = argparse.Namespace(message=["回到版本3"], canvas=True, attachment=False, batch=False, previous=None)
        assert cmd.run(args, Settings.from_env()) == 0
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in
                       ("torch", "diffusers", "transformers", "gradio", "sqlalchemy", "PIL", "numpy"))
        print("HEAVY", heavy)
        """
    )
    env = {**os.environ, "HIDREAM_STUDIO_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    assert "torch" not in proc.stdout.split("HEAVY", 1)[1]
