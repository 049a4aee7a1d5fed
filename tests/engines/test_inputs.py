"""Bad input is refused before any model runs; missing models give one actionable line."""

from __future__ import annotations

import io
import json
import math

import pytest
from PIL import Image

from hidream_studio.cli import main
from hidream_studio.config import Settings
from hidream_studio.domain import EditRequest, GenerateRequest, InvalidImage, InvalidParams, ModelUnavailable
from hidream_studio.engines import load_engine
from hidream_studio.imageio import open_image


@pytest.fixture()
def unloadable(tmp_path):
    """An engine whose model cannot load (no Llama): any check that passes would hit ModelUnavailable."""
    return load_engine(Settings(home=tmp_path, model="i1-fast", llama=None))


@pytest.mark.parametrize("req", [
    GenerateRequest(""), GenerateRequest("   "), GenerateRequest("x", steps=0), GenerateRequest("x", steps=5000),
    GenerateRequest("x", steps=2.5), GenerateRequest("x", guidance=-1), GenerateRequest("x", guidance=math.nan),
    GenerateRequest("x", width=8), GenerateRequest("x", width=100000), GenerateRequest("x", width=2000, height=100),
    GenerateRequest("x" * 5000), GenerateRequest("x", seed=-3),
])
def test_bad_generate_params_refused_before_loading(unloadable, req):
    with pytest.raises(InvalidParams):
        unloadable.generate(req)
    assert unloadable.models is None


@pytest.mark.parametrize("req", [
    EditRequest("", Image.new("RGB", (64, 64))), EditRequest("make it red", None),
    EditRequest("x", Image.new("RGB", (64, 64)), image_guidance=99), EditRequest("x", Image.new("RGB", (64, 64)), refine_strength=1.5),
])
def test_bad_edit_params_refused(unloadable, req):
    with pytest.raises(InvalidParams):
        unloadable.edit(req)


def test_bad_images_refused_before_loading(unloadable):
    with pytest.raises(InvalidImage):
        unloadable.edit(EditRequest("make it red", b"this is not an image"))
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")
    with pytest.raises(InvalidImage, match="decompression bomb"):
        unloadable.edit(EditRequest("make it red", bomb.getvalue()))
    assert unloadable.models is None


@pytest.mark.parametrize("mode", ["RGBA", "P", "CMYK", "L", "LA", "1", "I;16", "I", "F"])
def test_any_image_mode_becomes_rgb(mode):
    img = Image.new("RGB", (80, 40), (200, 20, 20)).convert("L" if mode.startswith("I") or mode == "F" else "RGB")
    img = img.convert(mode) if not mode.startswith("I;16") else img.convert("I").point(lambda v: v * 200).convert("I;16")
    out = open_image(img)
    assert out.mode == "RGB" and out.size == (128, 64)  # the small image was upscaled to a 64 px short side


def test_transparency_goes_on_white_and_big_images_shrink():
    clear = Image.new("RGBA", (100, 100), (255, 0, 0, 0))
    assert open_image(clear).getpixel((5, 5)) == (255, 255, 255)
    assert max(open_image(Image.new("RGB", (5000, 3000))).size) == 2048


def test_missing_llama_names_the_fix(unloadable):
    with pytest.raises(ModelUnavailable, match="--llama"):
        unloadable.generate(GenerateRequest("a cat"))


def test_offline_hub_model_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    eng = load_engine(Settings(home=tmp_path, model="i1-dev", llama=str(tmp_path / "no-llama-here")))
    with pytest.raises(ModelUnavailable) as info:
        eng.load()
    assert "no-llama-here" in str(info.value) and "\n" not in str(info.value)


def test_unknown_or_empty_model_folder(tmp_path):
    with pytest.raises(ModelUnavailable, match="unknown model"):
        load_engine(Settings(home=tmp_path, model="i9-huge")).load()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="no HiDream model"):
        load_engine(Settings(home=tmp_path, model=str(tmp_path / "empty"))).load()


def test_generator_without_editor_refuses_edits_clearly(tiny_home, tmp_path):
    import shutil

    alone = shutil.copytree(tiny_home / "models" / "tiny" / "i1", tmp_path / "just-i1")  # no family around it
    eng = load_engine(Settings(home=tmp_path, model=str(alone)))
    assert eng.describe()["editor"] is None
    with pytest.raises(ModelUnavailable, match="--editor"):
        eng.edit(EditRequest("make it red", Image.new("RGB", (64, 64))))


def test_quantize_without_package_is_explained(tmp_path):
    eng = load_engine(Settings(home=tmp_path, model="tiny", quantize="nf4"))
    with pytest.raises(ModelUnavailable, match="bitsandbytes|CUDA"):
        eng.load()


def test_make_tiny_cli(tmp_path, capsys, tiny_home):
    out = tmp_path / "t"
    assert main(["make-tiny", str(out), "--seed", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["members"] == ["i1", "e1-lora", "e1-full"] and report["bytes"] < 20_000_000
    assert (out / "i1" / "model_index.json").is_file()
    assert (out / "e1-lora" / "pytorch_lora_weights.safetensors").is_file()
    assert (out / "e1-full" / "transformer" / "config.json").is_file()
    assert main(["make-tiny", str(out)]) == 2  # refuses a non-empty folder


def test_16_bit_images_keep_their_tones():
    """16-bit grey maps its full range to 8 bits: a flat mid-grey stays mid-grey (it became black), and a
    narrow range is not stretched to full contrast."""
    flat = Image.new("I", (80, 80), 32768).convert("I;16")
    assert open_image(flat).getextrema()[0] in ((127, 127), (128, 128))
    ramp = Image.linear_gradient("L").resize((80, 80)).convert("I").point(lambda v: v * 16 + 30000).convert("I;16")
    lo, hi = open_image(ramp).getextrema()[0]
    assert 110 <= lo and hi <= 135
    assert open_image(Image.new("F", (80, 80), 0.5)).getextrema()[0][0] in (127, 128)  # float images in 0..1


class _SpyFile(io.BytesIO):
    """A file object that records PIL's process-wide bomb limit while it is being decoded."""

    seen: list

    def read(self, *args):
        self.seen.append(Image.MAX_IMAGE_PIXELS)
        return super().read(*args)


def test_decoding_leaves_process_wide_pil_state_alone():
    """Gradio decodes uploads in many threads: changing and restoring Image.MAX_IMAGE_PIXELS (or the warning
    filters) from several threads can leave them changed for good, so decoding must not touch them."""
    data = io.BytesIO()
    Image.new("RGB", (80, 80), (1, 2, 3)).save(data, "PNG")
    spy = _SpyFile(data.getvalue())
    spy.seen = []
    before = Image.MAX_IMAGE_PIXELS
    assert open_image(spy).getpixel((0, 0)) == (1, 2, 3)
    assert spy.seen and set(spy.seen) == {before} and Image.MAX_IMAGE_PIXELS == before


def test_tiny_in_an_unwritable_home_is_one_clear_line(tmp_path):
    """Building tiny where the home cannot hold folders (read-only, or a file in the way) gave a traceback."""
    home = tmp_path / "a-file"
    home.write_text("not a folder")
    eng = load_engine(Settings(home=home, model="tiny"))
    with pytest.raises(ModelUnavailable, match="cannot build the tiny model in .*writable"):
        eng.generate(GenerateRequest("a cat", steps=1))


@pytest.mark.parametrize("llama", ["/no/such/llama", "./missing-llama", "~/no-such-llama-folder"])
def test_a_llama_path_that_does_not_exist_says_so(tmp_path, llama):
    """A path was treated as a Hub id: the message suggested `huggingface-cli download /no/such/llama`."""
    eng = load_engine(Settings(home=tmp_path, model="i1-fast", llama=llama))
    with pytest.raises(ModelUnavailable, match="no such folder") as err:
        eng.load()
    assert "huggingface-cli download" not in str(err.value)


def test_text_that_is_not_utf8_is_refused_before_loading(unloadable):
    """Invalid bytes in a shell argument arrive as lone surrogates; the tokenizer died with a TypeError."""
    with pytest.raises(InvalidParams, match="not valid UTF-8"):
        unloadable.generate(GenerateRequest("a red \udcff circle"))
    with pytest.raises(InvalidParams, match="not valid UTF-8"):
        unloadable.edit(EditRequest("make it \udcff blue", Image.new("RGB", (64, 64))))
    assert unloadable.models is None


@pytest.mark.parametrize(("device", "match"), [("meta", "not supported"), ("mps", "not supported"),
                                               ("gpu", "unknown device"), ("cuda:0", "CUDA")])
def test_an_unusable_device_is_one_clear_line(tmp_path, device, match):
    """--device meta / mps / a typo died with a RuntimeError traceback inside the pipeline."""
    if device == "cuda:0" and __import__("torch").cuda.is_available():
        pytest.skip("a CUDA device is present")
    eng = load_engine(Settings(home=tmp_path, model="tiny", device=device))
    with pytest.raises(ModelUnavailable, match=match):
        eng.load()


def test_an_incomplete_model_folder_names_the_missing_part(tiny_home, tmp_path):
    """diffusers' own error named a config.json "in /folder" instead of the missing transformer/ folder."""
    import shutil

    folder = tmp_path / "i1"
    shutil.copytree(tiny_home / "models" / "tiny" / "i1", folder)
    shutil.rmtree(folder / "transformer")
    with pytest.raises(ModelUnavailable, match="incomplete: no transformer folder"):
        load_engine(Settings(home=tmp_path, model=str(folder))).load()
