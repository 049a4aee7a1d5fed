"""Target describers: what writes E1-Full's "Target Image Description" when a person types only an
instruction.

The official HiDream demo asks an external LLM to rewrite the instruction into the description of the
wanted image. The studio ships no LLM, so an editor names a describer in its preset (the folder's
hidream_studio.json, key "describer"); without one, or when the describer returns None, the
instruction stands in for the description (presets.format_edit_prompt).

A describer is `fn(source: PIL.Image, instruction: str) -> str | None`. It must be cheap (it runs on
every edit, before the model). It returns None to let the instruction stand in, or raises a
UserError (one line the person can act on) when its editor cannot do the edit without a description:
the edit is then refused before any model runs, and nothing is stored.

Describers register themselves (`register_describer`) when their module is imported: the engines
never import the module that provides one. The nano world's "nano-world" lives in
hidream_studio/nano/instructions.py; the composition root (bootstrap.py) imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..domain import ModelUnavailable

Describer = Callable[[Any, str], "str | None"]

DESCRIBERS: dict[str, Describer] = {}  # name -> describer, filled by register_describer


def register_describer(name: str, describer: Describer) -> Describer:
    """Make `describer` available to presets under `name` (the last registration of a name wins)."""
    DESCRIBERS[name] = describer
    return describer


def get_describer(name: str | None) -> Describer | None:
    """The describer called `name` (None -> None); an unknown name is a ModelUnavailable naming the known ones."""
    if not name:
        return None
    if name not in DESCRIBERS:
        known = ", ".join(sorted(DESCRIBERS)) or "none registered"
        raise ModelUnavailable(f"the editor's preset names an unknown describer {name!r} (known: {known}; "
                               "a describer registers when its module is imported, e.g. hidream_studio.nano.instructions)")
    return DESCRIBERS[name]
