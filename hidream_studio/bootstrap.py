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
        from .spaces_support import schedule_on_gpu

        register_describers()
        engine = schedule_on_gpu(load_engine(settings))  # spaces.GPU around model calls, where installed
    else:  # the engine tier on Ray Serve (`hidream-studio engine-serve`); Ray is imported only here
        try:
            from .engines.remote import RemoteEngine
        except ImportError as exc:
            from .domain import ModelUnavailable

            store.close()
            raise ModelUnavailable(f"--engine {settings.engine} needs Ray Serve: pip install "
                                   f"'hidream-studio[ray]' ({exc.name} is missing)") from None
        engine = RemoteEngine.connect("auto" if settings.engine == "ray" else settings.engine)
    if load_models:
        engine.load()
    return Studio(store, engine)


def register_describers() -> None:
    """Import what registers the editors' describers (the nano editor's "nano-world"); an engine
    replica on Ray Serve runs this too, in its own process."""
    from .nano import instructions  # noqa: F401
