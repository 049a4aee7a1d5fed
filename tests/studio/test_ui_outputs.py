"""The page's outputs as one named record: the mapping every handler's updates go through."""

from __future__ import annotations

from dataclasses import fields

import gradio as gr
import pytest

from hidream_studio.ui.outputs import Outputs


@pytest.fixture
def out() -> Outputs:
    with gr.Blocks():
        return Outputs(input=gr.MultimodalTextbox(), chat=gr.Chatbot(), canvas=gr.Image(), versions=gr.Gallery(),
                       tree=gr.HTML(), sessions=gr.Dropdown(), progress=gr.Markdown(), state=gr.BrowserState(),
                       compare=gr.ImageSlider(), options=gr.Gallery(), region=gr.ImageEditor(), undo=gr.Button(),
                       redo=gr.Button(), flip=gr.Button())


def test_updates_name_the_components_they_change(out):
    assert out.update(progress="Step 1 / 2") == {out.progress: "Step 1 / 2"}
    assert out.update(canvas=None, input="x") == {out.canvas: None, out.input: "x"}
    with pytest.raises(TypeError, match="no output preview"):
        out.update(preview="x")


def test_the_picture_is_every_output_but_the_input_in_field_order(out):
    assert out.all() == [getattr(out, f.name) for f in fields(out)]
    assert out.all()[0] is out.input and out.picture() == out.all()[1:]
