"""The page's outputs as one named record.

Every event of the page writes some of these components. blocks.py builds one `Outputs` from the
components it renders; an event lists `out.picture()` or `out.all()` as its outputs, and its
handler returns `out.update(name=value, ...)`: a {component: value} dict, which Gradio applies to
the named components and leaves the others as they are. A streaming update therefore names only
what it changes (`out.update(progress="Step 3 / 20")`), and a new widget is one field here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Outputs:
    input: Any  # gr.MultimodalTextbox: cleared and locked while a turn runs, given back after
    chat: Any  # gr.Chatbot: the transcript, with the image each reply made
    canvas: Any  # gr.Image: the head version
    versions: Any  # gr.Gallery: every version, the head marked
    tree: Any  # gr.HTML: the drawn version tree (click a node to check it out)
    sessions: Any  # gr.Dropdown: the sessions this browser may open
    progress: Any  # gr.Markdown: step progress and notices
    state: Any  # gr.BrowserState: the browser's Identity (owner token, open session)
    compare: Any  # gr.ImageSlider: an edit's source and result (None when the head is no edit)
    options: Any  # gr.Gallery: the candidates of the head's turn ("give me 4 options"), hidden otherwise
    region: Any  # gr.ImageEditor: the head to paint a region on (the next instruction edits only it)
    undo: Any  # gr.Button: locked while a turn runs (with redo and flip)
    redo: Any  # gr.Button
    flip: Any  # gr.Button

    def all(self) -> list[Any]:
        """Every output component, in field order (the order API callers receive them)."""
        return [getattr(self, f.name) for f in fields(self)]

    def picture(self) -> list[Any]:
        """The components that draw a session: all but the input box."""
        return [getattr(self, f.name) for f in fields(self) if f.name != "input"]

    def update(self, **values: Any) -> dict[Any, Any]:
        """{component: value} for the named fields (an unknown name is a TypeError)."""
        names = {f.name for f in fields(self)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise TypeError(f"the page has no output {', '.join(unknown)} (outputs: {', '.join(sorted(names))})")
        return {getattr(self, name): value for name, value in values.items()}
