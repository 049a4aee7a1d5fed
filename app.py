"""Hugging Face Spaces entry point: a module-level `demo`, launched when run as a script.

Settings come from the environment (HIDREAM_STUDIO_*); on a Space (SPACE_ID is set) public mode is
the default, so each browser sees only its own sessions, and `space_defaults` picks the models: the
real I1-Fast + E1.1 pair on a GPU with an HF_TOKEN secret for the gated Llama, else the offline nano
model with a line on the page saying why.
"""

import importlib.util
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
if importlib.util.find_spec("spaces") is not None:
    import spaces  # noqa: F401  - on ZeroGPU it must be imported before anything touches CUDA

import gradio as gr  # noqa: E402

from hidream_studio.bootstrap import build_studio  # noqa: E402
from hidream_studio.config import Settings, cuda_available  # noqa: E402
from hidream_studio.spaces_support import space_defaults  # noqa: E402
from hidream_studio.ui import build_demo, launch_kwargs  # noqa: E402

defaults, notice = space_defaults(os.environ, cuda=bool(os.environ.get("SPACE_ID")) and cuda_available())
os.environ.update(defaults)
settings = Settings.from_env()
# On a Space the weights load now: ZeroGPU runs each call in a short-lived worker, so weights loaded
# inside a call would be loaded again on every turn.
demo = build_demo(build_studio(settings, load_models=bool(os.environ.get("SPACE_ID"))), settings)
if notice:
    with demo:  # appended under the page
        gr.Markdown(f"ℹ️ {notice}", elem_id="space-notice")

if __name__ == "__main__":
    demo.launch(**launch_kwargs(settings))
