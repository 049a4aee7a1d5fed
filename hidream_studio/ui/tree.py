"""The version tree drawn as a picture: one row per version, one lane per branch, thumbnails, the
head ringed, the path redo would follow drawn bold. Clicking a node selects that version.

Pure functions (no Gradio import): `layout` places the nodes, `tree_svg` draws them. The page puts
the SVG in a gr.HTML whose click handler sends `select` with the version number as the index.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ..domain import Version

ROW = 46  # px per version
LANE = 26  # px per branch lane
THUMB = 40
LABEL_CHARS = 48


@dataclass(frozen=True)
class Node:
    version: Version
    row: int
    lane: int


def layout(versions: list[Version]) -> list[Node]:
    """Rows in depth-first order (a branch's versions stay together), lanes so that the first child
    continues its parent's line and every later sibling opens a new one. O(n), no recursion."""
    children: dict[int | None, list[Version]] = defaultdict(list)
    for version in versions:
        children[version.parent].append(version)
    nodes: list[Node] = []
    next_lane = 0
    stack: list[tuple[Version, int]] = []
    for root in reversed(children[None]):
        stack.append((root, -1))
    while stack:
        version, lane = stack.pop()
        if lane < 0:
            lane, next_lane = next_lane, next_lane + 1
        nodes.append(Node(version, len(nodes), lane))
        kids = children[version.number]
        # Later siblings open new lanes (-1); the first child keeps this lane. Pushed in reverse so
        # the first child is drawn first.
        for i, child in reversed(list(enumerate(kids))):
            stack.append((child, lane if i == 0 else -1))
    return nodes


def tree_svg(versions: list[Version], head: int | None, redo_path: list[int],
             thumb_url: Callable[[Version], str]) -> str:
    """An SVG of the tree. `redo_path`: the versions redo would visit from the head, in order."""
    if not versions:
        return '<p class="tree-empty">No versions yet: describe an image to start.</p>'
    nodes = layout(versions)
    where = {n.version.number: n for n in nodes}
    lanes = max(n.lane for n in nodes) + 1
    text_x = lanes * LANE + THUMB + 20
    width, height = text_x + 360, len(nodes) * ROW + 8
    bold = set(redo_path) | ({head} if head is not None else set())
    on_path_parents = bold | _ancestors(where, head)  # once, not per edge: a deep tree stays linear
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" class="version-tree">']
    for node in nodes:  # edges first, under the nodes
        parent = where.get(node.version.parent)
        if parent is None:
            continue
        x0, y0 = _center(parent)
        x1, y1 = _center(node)
        on_path = node.version.number in bold and parent.version.number in on_path_parents
        cls = "edge redo" if node.version.number in redo_path else ("edge path" if on_path else "edge")
        parts.append(f'<path class="{cls}" d="M{x0},{y0} L{x1},{y0 + ROW // 2} L{x1},{y1}" />')
    for node in nodes:
        v = node.version
        x, y = _center(node)
        state = "head" if v.number == head else ("redo" if v.number in redo_path else "")
        prompt = v.recipe.prompt or v.recipe.kind.value
        prompt = prompt if len(prompt) <= LABEL_CHARS else prompt[: LABEL_CHARS - 1] + "…"
        label = html.escape(f"v{v.number} · {v.recipe.kind.value} · {prompt}")
        mark = " ● current" if v.number == head else (" (redo)" if v.number in redo_path else "")
        parts.append(
            f'<g class="node {state}" data-version="{v.number}" role="button" tabindex="0">'
            f"<title>{label}</title>"
            f'<circle cx="{x}" cy="{y}" r="7" />'
            f'<image href="{html.escape(thumb_url(v))}" x="{lanes * LANE + 10}" y="{y - THUMB // 2}" '
            f'width="{THUMB}" height="{THUMB}" preserveAspectRatio="xMidYMid slice" />'
            f'<text x="{text_x}" y="{y + 5}">{label}{mark}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _center(node: Node) -> tuple[int, int]:
    return node.lane * LANE + LANE // 2, node.row * ROW + ROW // 2 + 4


def _ancestors(where: dict[int, Node], number: int | None) -> set[int]:
    out: set[int] = set()
    while number is not None and number in where:
        out.add(number)
        number = where[number].version.parent
    return out


# Sent with the component: a click (or Enter) on a node selects its version.
TREE_JS = """
const pick = (e) => {
  const node = e.target.closest('[data-version]');
  if (node) trigger('select', {index: Number(node.dataset.version), value: node.dataset.version});
};
element.addEventListener('click', pick);
element.addEventListener('keydown', (e) => { if (e.key === 'Enter') pick(e); });
"""
TREE_CSS = """
.version-tree { font: 13px sans-serif; }
.version-tree .edge { fill: none; stroke: #9ca3af; stroke-width: 2; }
.version-tree .edge.path { stroke: #2563eb; stroke-width: 3; }
.version-tree .edge.redo { stroke: #2563eb; stroke-width: 3; stroke-dasharray: 5 4; }
.version-tree .node { cursor: pointer; }
.version-tree .node circle { fill: #fff; stroke: #6b7280; stroke-width: 2; }
.version-tree .node.head circle { fill: #2563eb; stroke: #1e3a8a; stroke-width: 3; }
.version-tree .node.redo circle { stroke: #2563eb; stroke-dasharray: 3 2; }
.version-tree .node.head text { font-weight: bold; }
.version-tree .node:hover text { text-decoration: underline; }
.version-tree text { fill: currentColor; }
"""
