"""A nano-style family folder (engines/formats.py) loads unchanged: metadata decides lengths, presets and prompt form."""

from __future__ import annotations

import json
import shutil

from PIL import Image

from hidream_studio.config import Settings
from hidream_studio.domain import EditRequest, GenerateRequest
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
