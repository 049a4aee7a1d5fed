"""The composition root: the one place that builds the concrete store, engine and studio."""

from __future__ import annotations

from .config import Settings
from .studio import Studio


def build_studio(settings: Settings, *, load_models: bool = False) -> Studio:
    """Open the store (running migrations) and create the engine for these settings.

    The engine loads weights lazily on the first turn unless `load_models` is set (serve sets it,
    so a missing model is reported at start-up rather than on the first message).
    """
    from .store import Store

    store = Store.open(settings.db_url, settings.images_dir)
    if settings.engine in (None, "", "local"):
        from .engines import load_engine
        from .nano import instructions  # noqa: F401  registers the nano editor's "nano-world" describer
        from .spaces_support import schedule_on_gpu

        engine = schedule_on_gpu(load_engine(settings))  # spaces.GPU around model calls, where installed
    else:  # the engine tier on Ray Serve (`hidream-studio engine-serve`); Ray is imported only here
        from .engines.remote import RemoteEngine

        engine = RemoteEngine.connect("auto" if settings.engine == "ray" else settings.engine)
    if load_models:
        engine.load()
    return Studio(store, engine)
