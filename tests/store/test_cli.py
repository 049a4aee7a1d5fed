"""The store's CLI commands, run as real subprocesses: `log`, `export`, `sessions`, `gc`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hidream_studio.domain import Message
from hidream_studio.store import Store, read_png_metadata

from .helpers import add


@pytest.fixture
def cli(db_url):
    """Run the CLI in a fresh process on the test's database (the home gives only the images folder)."""

    def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
        return _cli(*args, cwd=cwd, env={"HIDREAM_STUDIO_DATABASE_URL": db_url, **(env or {})})

    return run


def _cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HIDREAM_STUDIO_")}
    return subprocess.run([sys.executable, "-m", "hidream_studio", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.fixture
def filled(home, db_url):
    with Store.open(db_url, home / "images") as store:
        sid = store.create_session("walk").id
        for seed in (1, 2, 3):
            add(
                store,
                sid,
                seed,
                messages=[Message("user", f"v{seed}"), Message("assistant", "ok", version=0)],
            )
        store.undo(sid)
        add(store, sid, 4)  # a branch: 4 <- 2
        return sid, {v.number: v for v in store.versions(sid)}


def test_log_prints_the_tree_as_one_json_object(home, filled, tmp_path, cli):
    sid, versions = filled
    proc = cli("--home", str(home), "log", "--session", "walk", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["session"], out["title"], out["head"]) == (sid, "walk", 4)
    assert [(v["number"], v["parent"]) for v in out["versions"]] == [(1, None), (2, 1), (3, 2), (4, 2)]
    first = out["versions"][0]
    assert (first["kind"], first["prompt"], first["model"], first["seed"]) == ("generate", "v1", "tiny", 1)
    assert all(Path(v["image"]).is_absolute() and Path(v["image"]).is_file() for v in out["versions"])
    assert out["versions"][3]["image"] == versions[4].image_path
    # The home can come from the environment, the session from its id.
    proc = cli("log", "--session", sid, cwd=tmp_path, env={"HIDREAM_STUDIO_HOME": str(home)})
    assert json.loads(proc.stdout)["session"] == sid


def test_export_version_and_branch(home, filled, tmp_path, cli):
    sid, _ = filled
    png = tmp_path / "v3.png"
    proc = cli(
        "--home", str(home), "export", "--session", "walk", "--version", "3", "--out", str(png), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == png.resolve()
    assert read_png_metadata(png)["version"] == 3
    proc = cli(
        "--home", str(home), "export", "--session", sid, "--branch", "4", "--out", str(tmp_path), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(proc.stdout.strip()) as zf:
        assert [v["number"] for v in json.loads(zf.read("session.json"))["versions"]] == [1, 2, 4]


def test_unknown_session_or_version_exit_2_with_one_line(home, filled, tmp_path, cli):
    for args in (
        ("log", "--session", "nope"),
        ("export", "--session", "walk", "--version", "9", "--out", str(tmp_path / "x.png")),
    ):
        proc = cli("--home", str(home), *args, cwd=tmp_path)
        assert proc.returncode == 2
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
        assert proc.stdout == ""
    assert not (tmp_path / "x.png").exists()


def test_sessions_and_gc(home, filled, tmp_path, cli):
    sid, _ = filled
    proc = cli("--home", str(home), "sessions", cwd=tmp_path)
    assert [s["id"] for s in json.loads(proc.stdout)] == [sid]
    orphan = home / "images" / "ab" / ("ab" + "0" * 62 + ".png")
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"x")
    proc = cli("--home", str(home), "gc", "--min-age", "0", cwd=tmp_path)
    assert json.loads(proc.stdout) == {"removed": 1} and not orphan.exists()
