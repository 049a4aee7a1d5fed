"""The composition root: the one place that builds the concrete store, engine and studio."""

from __future__ import annotations

from .config import Settings
from .studio import Studio


def build_studio(settings: Settings, *, load_models: bool = False) -> Studio:
    """Open the store (running migrations) and create the engine for these settings.

    The engine loads weights lazily on the first turn unless `load_models` is set (serve sets it,
    so a missing model is reported at start-up rather than on the first message).
    """
    from .engines import load_engine
    from .nano import instructions  # noqa: F401  registers the nano editor's "nano-world" describer
    from .spaces_support import schedule_on_gpu
    from .store import Store

    store = Store.open(settings.db_url, settings.images_dir)
    engine = schedule_on_gpu(load_engine(settings))  # spaces.GPU around model calls, where installed
    if load_models:
        engine.load()
    return Studio(store, engine)
