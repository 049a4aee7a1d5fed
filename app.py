"""Hugging Face Spaces entry point: a module-level `demo`, launched when run as a script.

Settings come from the environment (HIDREAM_STUDIO_*); on a Space (SPACE_ID is set) public mode is
the default, so each browser sees only its own sessions.
"""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from hidream_studio.bootstrap import build_studio  # noqa: E402
from hidream_studio.config import Settings  # noqa: E402
from hidream_studio.ui import build_demo, launch_kwargs  # noqa: E402

settings = Settings.from_env()
demo = build_demo(build_studio(settings), settings)

if __name__ == "__main__":
    demo.launch(**launch_kwargs(settings))
