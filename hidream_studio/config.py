"""Settings: one frozen object built from the environment and the CLI, passed everywhere.

Every field has an environment variable (HIDREAM_STUDIO_*) and a sensible default, so
`hidream-studio serve` on a fresh laptop just works (offline nano model, SQLite in ~/.hidream-studio).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

ENV_PREFIX = "HIDREAM_STUDIO_"
MEMORY_MODES = ("gpu", "transformer-swap", "model-offload", "sequential-offload")


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        from .domain import UserError

        raise UserError(f"{ENV_PREFIX}{name} must be a whole number, not {value!r}.") from None


def _env_float(name: str, default: float) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        from .domain import UserError

        raise UserError(f"{ENV_PREFIX}{name} must be a number of seconds, not {value!r}.") from None


def default_home() -> Path:
    return Path(_env("HOME", str(Path.home() / ".hidream-studio"))).expanduser()


def cuda_available() -> bool:
    """True when torch sees a CUDA device. Imports torch lazily: only called when choosing a model."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return bool(torch.cuda.is_available())


NANO_ASSETS = Path(__file__).resolve().parent.parent / "assets" / "nano"


def default_model_name() -> str:
    """The model used when none is named: real HiDream on a GPU, the offline nano model elsewhere.

    Falls back to `tiny` (random weights, built on first use) in a checkout without nano weights.
    """
    if cuda_available():
        return "i1-fast"
    return "nano" if (NANO_ASSETS / "hidream_studio.json").exists() else "tiny"


@dataclass(frozen=True)
class Settings:
    home: Path
    model: str | None = None  # tiny | nano | i1-fast | i1-dev | i1-full | a folder; None = automatic
    editor: str | None = None  # tiny | nano | e1-full | e1-1 | a folder; None = pairs with `model`
    llama: str | None = None  # Hub id or folder of Llama-3.1-8B-Instruct (real models only)
    database_url: str | None = None  # None = SQLite file in home
    memory_mode: str = "gpu"
    quantize: str | None = None  # None | "nf4" | "fp8"
    device: str | None = None  # None = cuda if available else cpu
    dtype: str | None = None  # None = bfloat16 on cuda, float32 on cpu
    public: bool = False  # each browser sees only its own sessions
    secret: str | None = None  # BrowserState encryption key (fixed, so sessions survive restarts)
    queue_size: int = 16
    engine: str | None = None  # None/"local": in this process; "ray" or a Ray address: `engine-serve`'s replicas
    host: str = "127.0.0.1"
    port: int = 7860
    planner: str = "auto"  # auto | on | off: the resident Llama as planner (engines/planner.py)
    planner_budget_s: float = 3.0  # past this a planner call falls back to the classifier / rules
    expand_prompts: bool = False  # the planner rewrites terse prompts for I1 (the typed one stays in the recipe)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        on_space = bool(os.environ.get("SPACE_ID"))
        settings = cls(
            home=default_home(),
            model=_env("MODEL"),
            editor=_env("EDITOR"),
            llama=_env("LLAMA"),
            database_url=_env("DATABASE_URL"),
            memory_mode=_env("MEMORY_MODE", "gpu"),
            quantize=_env("QUANTIZE"),
            device=_env("DEVICE"),
            dtype=_env("DTYPE"),
            public=_env_bool("PUBLIC", default=on_space),
            secret=_env("SECRET"),
            queue_size=_env_int("QUEUE_SIZE", 16),
            engine=_env("ENGINE"),
            host=_env("HOST", "0.0.0.0" if on_space else "127.0.0.1"),
            port=_env_int("PORT", int(os.environ.get("GRADIO_SERVER_PORT") or 7860)),
            planner=_env("PLANNER", "auto"),
            planner_budget_s=_env_float("PLANNER_BUDGET", 3.0),
            expand_prompts=_env_bool("EXPAND_PROMPTS"),
        )
        return settings.with_(**{k: v for k, v in overrides.items() if v is not None})

    def with_(self, **changes) -> Settings:
        if "home" in changes:
            changes["home"] = Path(changes["home"]).expanduser()
        return replace(self, **changes)

    @property
    def resolved_model(self) -> str:
        return self.model or default_model_name()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'studio.db').resolve()}"

    @property
    def images_dir(self) -> Path:
        return self.home / "images"

    @property
    def thumbs_dir(self) -> Path:
        """Small cached copies of version images for the drawn tree (safe to delete)."""
        return self.home / "thumbs"

    @property
    def models_dir(self) -> Path:
        """Where built checkpoints (tiny) live."""
        return self.home / "models"

    @property
    def browser_secret(self) -> str:
        """A fixed secret: from the environment, else one made once and kept in the home folder."""
        if self.secret:
            return self.secret
        path = self.home / "browser-secret"
        if not path.exists():
            import secrets

            self.home.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(32))
            os.replace(tmp, path)
        return path.read_text().strip()
