"""Turn store records into what Gradio components show. Pure functions: no Gradio import needed."""

from __future__ import annotations

from collections import defaultdict

from ..domain import Message, SessionInfo, Version

CAPTION_PROMPT_CHARS = 40
MADE_ROUTES = {"generate", "edit", "variation", "upload"}  # replies that carry a new version


def chat_messages(messages: list[Message], versions: list[Version]) -> list[dict]:
    """Chatbot value (messages format). An assistant message that made or showed a version carries
    its number and image; a user message that uploaded an image shows the upload."""
    paths = {v.number: v.image_path for v in versions}
    out: list[dict] = []
    for message in messages:
        text = message.text
        made = message.decision is not None and message.decision.route.value in MADE_ROUTES
        if message.role == "assistant" and message.version is not None and made:
            text = f"**v{message.version}** · {text}"
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


def tree_markdown(versions: list[Version], head: Version | None) -> str:
    """The version tree as a nested list, branches indented, the head in bold."""
    if not versions:
        return "*No versions yet: describe an image to start.*"
    children: dict[int | None, list[Version]] = defaultdict(list)
    for version in versions:
        children[version.parent].append(version)
    lines: list[str] = []
    stack = [(root, 0) for root in reversed(children[None])]
    while stack:
        version, depth = stack.pop()
        label = f"v{version.number} {version.recipe.kind.value}"
        if head is not None and version.number == head.number:
            label = f"**{label} ← current**"
        lines.append(f"{'  ' * depth}- {label}")
        stack.extend((child, depth + 1) for child in reversed(children[version.number]))
    return "\n".join(lines)


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
