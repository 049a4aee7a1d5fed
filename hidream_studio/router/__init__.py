"""Intent router: what a chat message asks for (pure, no I/O, no heavy imports).

    from hidream_studio.router import route, flipped
    route("make the circle green", has_canvas=True)
    # Decision(route=Route.EDIT, text='make the circle green', target=None,
    #          reason="instruction verb 'make' with a canvas")

English and Chinese; see core.py for the order of the rules and lexicon.py for the words.
"""

from .core import edit_signal, flipped, normalize, route

__all__ = ["route", "flipped", "normalize", "edit_signal"]
