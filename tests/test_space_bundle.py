"""`hidream-studio space-bundle OUT`: the folder a Space is pushed from, and what it refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from hidream_studio.cli import main
from hidream_studio.commands import space_bundle, spaces_cmd

REPO = Path(__file__).resolve().parents[1]
SPACES_YAML = REPO / "spaces.yaml"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundles") / "space"
    assert main(["space-bundle", str(out), "--config", str(SPACES_YAML)]) == 0
    return out


def test_the_bundle_holds_the_app_the_package_the_nano_model_and_the_router(bundle):
    assert (bundle / "app.py").read_bytes() == (REPO / "app.py").read_bytes()
    assert (bundle / "hidream_studio" / "engines" / "real_configs.json").is_file()
    assert (bundle / "hidream_studio" / "store" / "migrations").is_dir()
    assert not list(bundle.rglob("__pycache__"))
    nano = sorted(p.relative_to(REPO / "assets" / "nano") for p in (REPO / "assets" / "nano").rglob("*") if p.is_file())
    assert nano == sorted(p.relative_to(bundle / "assets" / "nano") for p in (bundle / "assets" / "nano").rglob("*")
                          if p.is_file())
    router = "assets/router/router.bin"  # every turn is routed with these weights
    assert (bundle / router).read_bytes() == (REPO / router).read_bytes()
    assert not [p for p in bundle.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_the_package_is_imported_from_the_bundle_itself(bundle):
    # The Hub installs requirements.txt before the repository is there: the package must come from app.py's folder.
    out = subprocess.run([sys.executable, "-c", "import hidream_studio; print(hidream_studio.__file__)"],
                         cwd=bundle, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).is_relative_to(bundle)


def test_requirements_pin_every_core_dependency_to_the_installed_version(bundle):
    lines = [line for line in (bundle / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    pins = dict(line.split("==") for line in lines)
    declared = {r.split(";")[0].split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
                for r in metadata.requires("hidream-studio") if "extra ==" not in r}
    assert set(pins) == declared - {"gradio", "spaces"}  # the Hub installs those two itself
    for name, version in pins.items():
        assert metadata.version(name).split("+")[0] == version
    assert pins["torch"] == "2.13.0"  # no +cpu label: the Hub's builder takes its CUDA build from PyPI
    assert not any(line.startswith((".", "-e", "/")) or ".whl" in line for line in lines)


def test_the_readme_is_the_front_matter_then_the_page(bundle):
    text = (bundle / "README.md").read_text(encoding="utf-8")
    front, page = text[4:].split("\n---\n", 1)
    assert yaml.safe_load(front) == spaces_cmd.load_config(SPACES_YAML)
    for needed in ("HF_TOKEN", "HiDream-I1-Fast", "HiDream-E1.1", "transformer-swap", "HiDream-Nano", "Without a GPU"):
        assert needed in page
    figures = space_bundle.page_figures()
    assert 0 < figures["generate_s"] < figures["edit_s"] < 300
    assert f"an edit about {figures['edit_s']:.0f} s" in page


def test_every_binary_file_goes_through_lfs(bundle):
    patterns = [line.split()[0] for line in (bundle / ".gitattributes").read_text().splitlines()]
    assert all(line.endswith("filter=lfs diff=lfs merge=lfs -text") for line in (bundle / ".gitattributes").read_text().splitlines())
    binaries = [p for p in bundle.rglob("*") if p.is_file() and space_bundle._is_binary(p)]
    assert binaries  # the nano weights
    for path in binaries:
        assert any(path.match(p.lstrip("/")) or "/" + path.relative_to(bundle).as_posix() == p for p in patterns), path


def test_an_unknown_binary_file_gets_its_own_lfs_line(tmp_path):
    (tmp_path / "weights.odd").write_bytes(b"\0\1\2")
    (tmp_path / "notes.txt").write_text("plain")
    text = space_bundle.gitattributes(tmp_path)
    assert "/weights.odd filter=lfs" in text and "notes.txt" not in text


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_folder_that_holds_something_is_refused_and_left_as_it_was(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = _listing(tmp_path)
    assert main(["space-bundle", str(out), "--config", str(SPACES_YAML)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not empty" in err
    assert _listing(tmp_path) == before
    file_out = tmp_path / "afile"
    file_out.write_text("x")
    assert main(["space-bundle", str(file_out), "--config", str(SPACES_YAML)]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("out", "message"), [("/proc/hidream-space", "cannot create"),
                                              ("{tmp}/no/such/parent/space", "does not exist")])
def test_a_place_that_cannot_take_the_bundle_is_one_line(tmp_path, capsys, out, message):
    assert main(["space-bundle", out.format(tmp=tmp_path), "--config", str(SPACES_YAML)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not os.path.exists(out.format(tmp=tmp_path))


def test_a_gradio_other_than_the_one_tested_is_refused(tmp_path, capsys):
    config = yaml.safe_load(SPACES_YAML.read_text(encoding="utf-8")) | {"sdk_version": "6.0.0"}
    other = tmp_path / "spaces.yaml"
    other.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "space"
    assert main(["space-bundle", str(out), "--config", str(other)]) == 2
    assert "sdk_version 6.0.0" in capsys.readouterr().err
    assert not out.exists() and _listing(tmp_path) == ["spaces.yaml"]


def test_an_empty_folder_is_filled(tmp_path, bundle):
    out = tmp_path / "empty"
    out.mkdir()
    space_bundle.write_bundle(out, spaces_cmd.load_config(SPACES_YAML), REPO)
    assert _listing(out) == _listing(bundle)
