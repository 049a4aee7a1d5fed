"""The Gradio 6 web UI. Importing this package imports gradio; nothing else in the studio does."""

from .blocks import build_demo, launch_kwargs

__all__ = ["build_demo", "launch_kwargs"]
