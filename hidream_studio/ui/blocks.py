"""The Gradio Blocks page: layout in small _render_* helpers, events wired in one place (`_wire`).

Stable element ids for tests and scripting: chat, chat-input, canvas, versions, undo, redo, stop,
new-session (plus sessions, tree, progress, flip, compare, options, options-count, region-editor,
download-png, download-session, download-branch, download).
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from ..config import Settings
from ..domain import MAX_OPTIONS
from ..studio import Studio
from . import present
from .handlers import Handlers
from .outputs import Outputs
from .tree import TREE_CSS, TREE_JS

DEVICE_SLOT = "device"  # every model job shares one queue slot: one job at a time on the device
CSS = """
#canvas img { object-fit: contain; }
#progress { min-height: 1.5em; }
#tree { max-height: 420px; overflow: auto; }
"""


def build_demo(studio: Studio, settings: Settings) -> gr.Blocks:
    """The whole page for one Studio. Launch with `demo.launch(**launch_kwargs(settings))`."""
    gr.set_static_paths([str(settings.images_dir), str(settings.thumbs_dir)])
    with gr.Blocks(title="HiDream Studio", analytics_enabled=False) as demo:
        ui = SimpleNamespace()
        ui.state = gr.BrowserState(None, storage_key="hidream-studio", secret=settings.browser_secret)
        _render_header(studio)
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                _render_chat(ui)
            with gr.Column(scale=4):
                _render_canvas(ui)
                _render_versions(ui)
        with gr.Row():
            with gr.Column(scale=5):
                _render_settings(ui, studio)
            with gr.Column(scale=4):
                _render_sessions(ui, public=settings.public)
        handlers = Handlers(studio, public=settings.public, out=_outputs(ui), thumbs_dir=settings.thumbs_dir)
        _wire(demo, ui, handlers)
    # One model job at a time per device; an engine tier elsewhere (Ray Serve) says how many it takes.
    demo.queue(default_concurrency_limit=getattr(studio.engine, "concurrency", 1), max_size=settings.queue_size)
    return demo


def launch_kwargs(settings: Settings) -> dict:
    """Arguments for demo.launch(): served files limited to the studio's images, no browser history."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "allowed_paths": [str(settings.images_dir), str(settings.thumbs_dir)],
        "run_history": False,
        "css": CSS,
        "show_error": False,
    }


# ---------------------------------------------------------------------------------- layout
def _render_header(studio: Studio) -> None:
    info = studio.engine.describe()
    gr.Markdown(
        f"## HiDream Studio\nDescribe an image, then tell it what to change. "
        f"Generator **{info.get('generator')}**, editor **{info.get('editor')}** on {info.get('device')}."
    )


def _render_chat(ui) -> None:
    ui.chat = gr.Chatbot(elem_id="chat", label="Conversation", height=520, autoscroll=True)
    ui.input = gr.MultimodalTextbox(
        elem_id="chat-input",
        file_types=["image"],
        file_count="single",
        placeholder="a red circle on a blue background · make the circle green · undo · 回到版本2",
        show_label=False,
        stop_btn=True,
        autofocus=True,
    )
    with gr.Row():
        ui.undo = gr.Button("↶ Undo", elem_id="undo", size="sm")
        ui.redo = gr.Button("↷ Redo", elem_id="redo", size="sm")
        ui.stop = gr.Button("■ Stop", elem_id="stop", size="sm", variant="stop")
        ui.flip = gr.Button("⇄ Flip last turn (edit ↔ new image)", elem_id="flip", size="sm")
    ui.progress = gr.Markdown("", elem_id="progress")


def _render_canvas(ui) -> None:
    with gr.Tabs():
        with gr.Tab("Canvas"):
            ui.canvas = gr.Image(elem_id="canvas", label="Canvas", type="filepath", format="png", interactive=False,
                                 height=420)
        with gr.Tab("Before / after"):
            ui.compare = gr.ImageSlider(elem_id="compare", label="Before / after (the last edit)", type="filepath",
                                        interactive=False, height=420)
        with gr.Tab("Mark a region"):
            ui.region = gr.ImageEditor(
                elem_id="region-editor", type="pil", height=420, sources=(), transforms=(), layers=False,
                label="Paint over what to change: the next instruction edits only that part",
                brush=gr.Brush(colors=["#ff3366"], color_mode="fixed"),
            )
    ui.options = gr.Gallery(elem_id="options", label="Options of this turn (click one to continue from it)",
                            columns=4, height=170, allow_preview=False, object_fit="contain", visible=False)
    with gr.Row():
        ui.download_png = gr.Button("⬇ Picture (PNG + recipe)", elem_id="download-png", size="sm")
        ui.download_branch = gr.Button("⬇ Branch to here (.zip)", elem_id="download-branch", size="sm")
        ui.download_session = gr.Button("⬇ Session (.zip)", elem_id="download-session", size="sm")
    ui.download = gr.File(elem_id="download", label="Download (press a button above)", interactive=False, height=90)


def _render_versions(ui) -> None:
    ui.versions = gr.Gallery(
        elem_id="versions", label="Versions (click one to go back to it)", columns=5, height=230,
        allow_preview=False, object_fit="contain", fit_columns=False,
    )
    with gr.Accordion("Version tree", open=True):
        ui.tree = gr.HTML(elem_id="tree", js_on_load=TREE_JS, css_template=TREE_CSS, apply_default_css=False)


def _render_settings(ui, studio: Studio) -> None:
    gen = studio.engine.defaults("generate")
    edit = studio.engine.defaults("edit")
    sizes = [present.aspect_label(w, h) for w, h in studio.engine.aspect_ratios]
    with gr.Accordion("Settings", open=False):
        info = studio.engine.describe()
        gr.Markdown(
            f"Model variant: **{info.get('generator')}** (generate) / **{info.get('editor')}** (edit), "
            f"{info.get('dtype')} on {info.get('device')}, memory mode {info.get('memory_mode')}. "
            f"Defaults: {gen.get('steps')} steps, guidance {gen.get('guidance')} (generate); "
            f"{edit.get('steps')} steps, guidance {edit.get('guidance')}, image guidance {edit.get('image_guidance')} (edit)."
        )
        with gr.Row():
            ui.steps = gr.Slider(0, 100, value=0, step=1, label="Steps (0 = model default)")
            ui.seed = gr.Number(value=-1, precision=0, label="Seed (-1 = random)")
        with gr.Row():  # start at the model's defaults: a blank number box would send 0
            ui.guidance = gr.Number(value=gen.get("guidance"), label="Guidance, new images", minimum=0, maximum=30)
            ui.edit_guidance = gr.Number(value=edit.get("guidance"), label="Guidance, edits", minimum=0, maximum=30)
            ui.image_guidance = gr.Number(
                value=edit.get("image_guidance"), label="Image guidance, edits", minimum=0, maximum=30
            )
        with gr.Row():
            ui.aspect = gr.Dropdown(sizes, value=sizes[0] if sizes else None, label="Size (width × height)")
            ui.options_count = gr.Slider(1, MAX_OPTIONS, value=1, step=1, elem_id="options-count",
                                         label="Options per new image (one batched run)")


def _render_sessions(ui, public: bool) -> None:
    with gr.Accordion("Sessions", open=False):
        ui.sessions = gr.Dropdown([], label="Your sessions" if public else "All sessions", elem_id="sessions")
        with gr.Row():
            ui.title = gr.Textbox(label="Name this session", scale=3)
            ui.rename = gr.Button("Rename", scale=1, size="sm")
        with gr.Row():
            ui.new_session = gr.Button("＋ New session", elem_id="new-session", size="sm")
            ui.delete = gr.Button("Delete session", size="sm", variant="stop")


# ---------------------------------------------------------------------------------- events
def _outputs(ui) -> Outputs:
    """The rendered components as the page's named outputs (the one place they are mapped)."""
    return Outputs(input=ui.input, chat=ui.chat, canvas=ui.canvas, versions=ui.versions, tree=ui.tree,
                   sessions=ui.sessions, progress=ui.progress, state=ui.state, compare=ui.compare,
                   options=ui.options, region=ui.region, undo=ui.undo, redo=ui.redo, flip=ui.flip)


def _wire(demo: gr.Blocks, ui, h: Handlers) -> None:
    picture, everything = h.out.picture(), h.out.all()
    knobs = [ui.steps, ui.guidance, ui.edit_guidance, ui.image_guidance, ui.seed, ui.aspect, ui.options_count,
             ui.region]
    quick = {"concurrency_limit": 8, "show_progress": "hidden"}

    demo.load(h.load, [ui.state], picture, **quick)
    send = ui.input.submit(
        h.send, [ui.input, ui.state, *knobs], everything,
        concurrency_id=DEVICE_SLOT, api_name="send",
    )
    flip = ui.flip.click(h.flip, [ui.state], everything, concurrency_id=DEVICE_SLOT, api_name="flip")
    for stopper, api_name in ((ui.stop.click, "stop"), (ui.input.stop, False)):
        stopper(h.stop, [ui.state], everything, cancels=[send, flip], api_name=api_name, **quick)
    ui.undo.click(h.undo, [ui.state], picture, api_name="undo", **quick)
    ui.redo.click(h.redo, [ui.state], picture, api_name="redo", **quick)
    ui.versions.select(h.select_version, [ui.state], picture, api_name=False, **quick)
    ui.tree.select(h.select_number, [ui.state], picture, api_name=False, **quick)
    ui.options.select(h.select_option, [ui.state], picture, api_name=False, **quick)
    for button, what in ((ui.download_png, "png"), (ui.download_branch, "branch"), (ui.download_session, "session")):
        button.click(h.downloader(what), [ui.state], [ui.download, ui.progress], api_name=f"download_{what}", **quick)
    ui.new_session.click(h.new_session, [ui.state], picture, api_name="new_session", **quick)
    ui.sessions.input(h.switch_session, [ui.sessions, ui.state], picture, api_name=False, **quick)
    ui.rename.click(h.rename, [ui.title, ui.state], picture, api_name="rename", **quick)
    ui.delete.click(h.delete, [ui.state], picture, api_name=False, **quick)
