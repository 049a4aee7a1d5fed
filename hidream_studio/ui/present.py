"""Turn store records into what Gradio components show. Pure functions: no Gradio import needed."""

from __future__ import annotations

from ..domain import Message, SessionInfo, Version, VersionKind
from .thumbs import file_url

CAPTION_PROMPT_CHARS = 40
MADE_ROUTES = {"generate", "edit", "variation", "upload"}  # replies that carry a new version


def chat_messages(messages: list[Message], versions: list[Version]) -> list[dict]:
    """Chatbot value (messages format). An assistant message that made or showed a version carries
    its number and image; a user message that uploaded an image shows the upload."""
    paths = {v.number: v.image_path for v in versions}
    parents = {v.number: v.parent for v in versions}
    out: list[dict] = []
    for message in messages:
        text = message.text
        made = message.decision is not None and message.decision.route.value in MADE_ROUTES
        if message.role == "assistant" and message.version is not None and made:
            text = f"**v{message.version}** · {text}"
            source = parents.get(message.version) if message.decision.route.value == "edit" else None
            if source in paths:  # an edit links the picture it started from
                text += f" · [before: v{source}]({file_url(paths[source])})"
        out.append({"role": message.role, "content": text or " "})
        if message.version is not None and message.version in paths:
            out.append({"role": message.role, "content": {"path": paths[message.version], "alt_text": f"v{message.version}"}})
    return out


def gallery_items(versions: list[Version], head: Version | None) -> list[tuple[str, str]]:
    """(image path, caption) per version, in number order; the head is marked with ●."""
    items = []
    for version in versions:
        mark = "● " if head is not None and version.number == head.number else ""
        parent = f" ← v{version.parent}" if version.parent is not None else ""
        prompt = version.recipe.prompt or version.recipe.kind.value
        if len(prompt) > CAPTION_PROMPT_CHARS:
            prompt = prompt[: CAPTION_PROMPT_CHARS - 1] + "…"
        items.append((version.image_path, f"{mark}v{version.number}{parent} {prompt}"))
    return items


def before_after(versions: list[Version], head: Version | None) -> tuple[str, str] | None:
    """(source, result) image paths when the head is an edit, for the before/after slider."""
    if head is None or head.parent is None or head.recipe.kind is not VersionKind.EDIT:
        return None
    source = next((v for v in versions if v.number == head.parent), None)
    return (source.image_path, head.image_path) if source else None


def session_choices(sessions: list[SessionInfo]) -> list[tuple[str, str]]:
    """Dropdown (label, value) pairs: newest first, untitled sessions by their date."""
    choices = []
    for session in sessions:
        title = session.title or f"Untitled · {session.created_at[:16].replace('T', ' ')}"
        count = f" · v{session.head}" if session.head else ""
        choices.append((f"{title}{count}", session.id))
    return choices


def aspect_label(width: int, height: int) -> str:
    return f"{width} × {height}"


def progress_text(step: int, total: int) -> str:
    return f"Step {step} / {total}"
