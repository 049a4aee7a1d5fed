"""Tiny checkpoints built once per test session (through the real `make-tiny` command), real engines on them."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(scope="session")
def tiny_home(tmp_path_factory):
    """A studio home whose models/tiny was built by `hidream-studio make-tiny` (seconds, offline)."""
    from hidream_studio.cli import main

    torch.set_num_threads(1)
    home = tmp_path_factory.mktemp("home")
    assert main(["make-tiny", str(home / "models" / "tiny")]) == 0
    return home


@pytest.fixture(scope="session")
def engine(tiny_home):
    """tiny I1 + tiny E1 in LoRA form, loaded."""
    from hidream_studio.config import Settings
    from hidream_studio.engines import load_engine

    eng = load_engine(Settings(home=tiny_home, model="tiny"))
    eng.load()
    return eng


@pytest.fixture(scope="session")
def engine_full(tiny_home):
    """tiny I1 + tiny E1 as a full transformer, loaded."""
    from hidream_studio.config import Settings
    from hidream_studio.engines import load_engine

    eng = load_engine(Settings(home=tiny_home, model="tiny", editor="tiny-full"))
    eng.load()
    return eng


@pytest.fixture()
def source_image():
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (96, 64), (30, 60, 200))
    ImageDraw.Draw(img).ellipse((20, 10, 60, 50), fill=(220, 30, 30))
    return img


@pytest.fixture()
def transformer_batches(engine):
    """The batch size of every forward of `engine`'s transformer while the test runs, in order."""
    sizes: list[int] = []
    handle = engine.models.pipe.transformer.register_forward_hook(
        lambda module, args, kwargs, out: sizes.append(kwargs["hidden_states"].shape[0]), with_kwargs=True)
    yield sizes
    handle.remove()
