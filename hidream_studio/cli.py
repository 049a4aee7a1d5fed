"""The `hidream-studio` command: global options, then one subcommand.

Each subcommand lives in hidream_studio/commands/<name>.py and exposes
`register(subparsers) -> None`, which adds its parser and sets `func(args, settings) -> int`.
This module only parses, builds Settings and turns StudioErrors into one line on stderr with
exit code 2 (user mistakes) or 1 (faults). No heavy import happens here.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .config import MEMORY_MODES, Settings
from .domain import StudioError, UserError

# One module per concern; the order is the order of `--help`.
COMMAND_MODULES = ("serve", "engine_serve", "chat", "route", "router_cmd", "store_cmds", "engine_cmds", "nano_cmds",
                   "spaces_cmd", "space_bundle")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hidream-studio", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="studio home folder (env HIDREAM_STUDIO_HOME, default ~/.hidream-studio)")
    parser.add_argument("--model", help="tiny | nano | i1-fast | i1-dev | i1-full | FOLDER (env HIDREAM_STUDIO_MODEL)")
    parser.add_argument("--editor", help="tiny | nano | e1-full | e1-1 | FOLDER (env HIDREAM_STUDIO_EDITOR)")
    parser.add_argument("--llama", help="Hub id or folder of Llama-3.1-8B-Instruct (real models)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite file in the home folder)")
    parser.add_argument("--memory-mode", choices=MEMORY_MODES, help="where weights live on a GPU")
    parser.add_argument("--quantize", choices=("nf4", "fp8"), help="quantize transformer and Llama")
    parser.add_argument("--device", help="cuda | cpu | cuda:1 ... (default: cuda when available)")
    parser.add_argument("--dtype", choices=("bfloat16", "float16", "float32"), help="default: bf16 on cuda, fp32 on cpu")
    parser.add_argument("--planner", choices=("auto", "on", "off"),
                        help="the resident Llama as planner: auto = with a real Llama only (env HIDREAM_STUDIO_PLANNER)")
    parser.add_argument("--expand-prompts", action="store_true", default=None,
                        help="let the planner expand terse prompts for I1 (env HIDREAM_STUDIO_EXPAND_PROMPTS)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.commands.{name}").register(sub)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        home=args.home,
        model=args.model,
        editor=args.editor,
        llama=args.llama,
        database_url=args.database_url,
        memory_mode=args.memory_mode,
        quantize=args.quantize,
        device=args.device,
        dtype=args.dtype,
        planner=args.planner,
        expand_prompts=args.expand_prompts,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args, settings_from_args(args)) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
