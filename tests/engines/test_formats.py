"""On-disk formats (engines/formats.py): kinds read or guessed, family members, and a nano-style family folder that
loads unchanged (metadata decides lengths, presets and prompt form)."""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from hidream_studio.config import Settings
from hidream_studio.domain import EditRequest, GenerateRequest, ModelUnavailable
from hidream_studio.engines import load_engine


def _merge(path, **fields):
    data = json.loads(path.read_text())
    data.update(fields)
    path.write_text(json.dumps(data))


def test_family_folder_with_metadata(tiny_home, tmp_path):
    family = shutil.copytree(tiny_home / "models" / "tiny", tmp_path / "my-model")
    _merge(family / "hidream_studio.json", name="mine", e1="e1-full")
    _merge(family / "i1" / "hidream_studio.json", name="mine", max_sequence_length=24,
           preset={"steps": 3, "guidance": 2.5})
    _merge(family / "e1-full" / "hidream_studio.json", name="mine", prompt_format="plain", edit_size="dynamic",
           preset={"steps": 2, "image_guidance": 1.2, "negative_prompt": ""})
    eng = load_engine(Settings(home=tmp_path, model=str(family)))
    assert eng.defaults("generate")["steps"] == 3 and eng.defaults("edit")["image_guidance"] == 1.2
    result = eng.generate(GenerateRequest("a blue square", seed=1))
    assert (result.steps, result.guidance) == (3, 2.5)
    assert eng.text.max_sequence_length == 24
    t5, _, _ = next(iter(eng.text.cache._data.values()))
    assert t5.shape[1] == 24
    edited = eng.edit(EditRequest("make it red", Image.new("RGB", (128, 64)), seed=2))
    assert edited.prompt_sent == "make it red" and edited.steps == 2
    assert edited.extra["editor_form"] == "e1-full"
    assert edited.extra["work_size"][0] > edited.extra["work_size"][1]  # dynamic: works at the source's aspect


def test_kinds_are_read_from_the_json_else_guessed_from_the_files(tmp_path):
    from hidream_studio.engines import formats

    assert formats.guess_kind(tmp_path) is None and formats.read_studio_json(tmp_path) == {}
    lora, full, i1 = (tmp_path / name for name in ("lora", "full", "i1"))
    lora.mkdir()
    (lora / "pytorch_lora_weights.safetensors").write_bytes(b"")
    (full / "transformer").mkdir(parents=True)
    (full / "transformer" / "config.json").write_text("{}")
    i1.mkdir()
    (i1 / "model_index.json").write_text("{}")
    assert [formats.guess_kind(f) for f in (lora, full, i1)] == ["e1-lora", "e1-full", "i1"]
    formats.write_studio_json(i1, kind="e1-full", name="x")  # the json wins over the files
    assert formats.guess_kind(i1) == "e1-full" and formats.read_studio_json(i1)["format"] == 1
    (lora / formats.STUDIO_FILE).write_text("{not json")
    with pytest.raises(ModelUnavailable, match="is not valid JSON"):
        formats.guess_kind(lora)


def test_a_family_without_a_lora_editor_pairs_its_full_one(tmp_path):
    from hidream_studio.engines import formats

    formats.write_studio_json(tmp_path, kind="family", i1="gen")
    (tmp_path / "e1-full").mkdir()
    assert formats.family_member(tmp_path, "i1") == tmp_path / "gen"
    assert formats.family_member(tmp_path, "e1") == tmp_path / "e1-full"
    (tmp_path / "e1-lora").mkdir()
    assert formats.family_member(tmp_path, "e1") == tmp_path / "e1-lora"
