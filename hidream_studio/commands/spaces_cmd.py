"""`hidream-studio spaces-readme`: the Space's README front matter, rendered from spaces.yaml.

    hidream-studio spaces-readme                    # print front matter + a short description
    hidream-studio spaces-readme --out README.md    # write it; an existing file keeps its body

A Space reads its settings from the YAML block between `---` lines at the top of README.md
(https://huggingface.co/docs/hub/spaces-config-reference); spaces.yaml keeps them in one reviewed
place. The settings are checked before anything is written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..domain import UserError

CONFIG_NAME = "spaces.yaml"
REQUIRED = ("title", "sdk", "sdk_version", "app_file")
SDKS = ("gradio", "docker", "static", "streamlit")
COLORS = ("red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray")
SHORT_DESCRIPTION_MAX = 60  # the Hub rejects longer ones
_REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")
_FRONT_MATTER = re.compile(r"\A---\r?\n.*?\r?\n---\r?\n", re.DOTALL)

DESCRIPTION = """\
# {title}

{short_description}.

Each chat turn becomes a new image (HiDream-I1) or an edit of the current canvas (HiDream-E1); every
result is a version you can undo, redo, revisit and branch from. Type in English or Chinese:
"a red fox in the snow", "make the fox white", "undo", "go back to version 2", "再来一张".

Model calls run on ZeroGPU through `spaces.GPU`. HiDream-I1 needs Llama-3.1-8B-Instruct, which is
gated: give this Space an `HF_TOKEN` secret with access to it.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "spaces-readme",
        help="render a Hugging Face Space README (front matter) from spaces.yaml",
        description="Render the Space README front matter from spaces.yaml; print it, or write it with --out.",
    )
    parser.add_argument(
        "--config", type=Path, help=f"settings file (default: ./{CONFIG_NAME}, else the repo's)"
    )
    parser.add_argument("--out", type=Path, help="README to write; an existing one keeps its body")
    parser.set_defaults(func=run)


def find_config(explicit: Path | None = None) -> Path:
    """--config, else ./spaces.yaml, else the one at the top of this source checkout."""
    candidates = (
        [explicit]
        if explicit
        else [Path.cwd() / CONFIG_NAME, Path(__file__).resolve().parents[2] / CONFIG_NAME]
    )
    for path in candidates:
        if path.is_file():
            return path
    raise UserError(f"no {CONFIG_NAME} found (looked at {', '.join(str(p) for p in candidates)})")


def load_config(path: Path) -> dict[str, Any]:
    import yaml  # PyYAML comes with gradio; imported here so other commands start without it

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of Space settings")
    validate(data)
    return data


def validate(config: dict[str, Any]) -> None:
    """Raise UserError for settings the Hub would reject or misread."""
    missing = [k for k in REQUIRED if not config.get(k)]
    if missing:
        raise UserError(f"spaces settings lack {', '.join(missing)}")
    if config["sdk"] not in SDKS:
        raise UserError(f"sdk must be one of {', '.join(SDKS)}, not {config['sdk']!r}")
    if not isinstance(config["sdk_version"], str):
        raise UserError('sdk_version must be a quoted string such as "6.31.0"')
    if "python_version" in config and not isinstance(config["python_version"], str):
        # Unquoted, 3.10 would be the number 3.1.
        raise UserError('python_version must be a quoted string such as "3.11"')
    for key in ("colorFrom", "colorTo"):
        if key in config and config[key] not in COLORS:
            raise UserError(f"{key} must be one of {', '.join(COLORS)}, not {config[key]!r}")
    if len(str(config.get("short_description", ""))) > SHORT_DESCRIPTION_MAX:
        raise UserError(f"short_description is longer than {SHORT_DESCRIPTION_MAX} characters")
    for key in ("models", "datasets"):
        bad = [m for m in config.get(key) or [] if not _REPO_ID.match(str(m))]
        if bad:
            raise UserError(f"{key}: not a Hub id (owner/name): {', '.join(map(str, bad))}")
    bad = [e for e in config.get("preload_from_hub") or [] if not _REPO_ID.match(str(e).split()[0])]
    if bad:
        raise UserError(
            f"preload_from_hub: entries start with a Hub id (owner/name): {', '.join(map(str, bad))}"
        )


def render_front_matter(config: dict[str, Any]) -> str:
    """`---\\n<yaml>\\n---\\n`, keys in the file's order, emoji and CJK kept as they are."""
    import yaml

    body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    return f"---\n{body.rstrip()}\n---\n"


def render_readme(config: dict[str, Any], existing: str | None = None) -> str:
    """Front matter followed by `existing`'s body (its own front matter replaced) or a short description."""
    front = render_front_matter(config)
    if existing is not None and existing.strip():
        return front + "\n" + _FRONT_MATTER.sub("", existing, count=1).lstrip("\n")
    fields = {
        "title": config["title"],
        "short_description": str(config.get("short_description") or "").rstrip("."),
    }
    return front + "\n" + DESCRIPTION.format(**fields)


def run(args, settings) -> int:  # noqa: ARG001 - needs no studio settings
    config = load_config(find_config(args.config))
    if args.out is None:
        print(render_readme(config), end="")
        return 0
    existing = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
    tmp = args.out.with_name(args.out.name + ".tmp")
    try:
        tmp.write_text(render_readme(config, existing), encoding="utf-8")
        os.replace(tmp, args.out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {args.out}: {exc}") from None
    print(args.out)
    return 0
