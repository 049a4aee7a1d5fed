"""Intent router: what a chat message asks for (pure, no I/O beyond reading its weights once, no
torch and no numpy).

    from hidream_studio.router import route, flipped
    route("make the circle green", has_canvas=True)
    # Decision(route=Route.EDIT, text='make the circle green', reason="instruction verb 'make' with a
    #          canvas", confidence=0.99, by='classifier')
    route("thanks!", has_canvas=True)
    # Decision(route=Route.CHAT, text='thanks!', reason='thanks', by='rules', chat=ChatKind.SOCIAL)

English and Chinese. core.py holds the order of the rules, lexicon.py the words, model.py and
features.py the learned intent model (weights in assets/router/router.bin), training/ how it is
rebuilt from assets/router/DATA.md.
"""

from .core import edit_signal, flipped, normalize, route

__all__ = ["route", "flipped", "normalize", "edit_signal"]
