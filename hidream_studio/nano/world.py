"""The HiDream-Nano synthetic world: scenes, a renderer, prompts and edits in English and Chinese.

A scene is a solid 128x128 background with one or two solid shapes (circle, square, triangle), each
small or big, placed left/right/top/bottom/center, in one of eight exact colors. Everything here is
plain Python + PIL (no torch) so the checker, tests and data generation stay cheap.

Conventions the prompts rely on (and the checker measures):
- a prompt that omits a size means "big"; one that omits a position means "center";
- the two shapes of a scene have different kinds (so "the circle" is never ambiguous) and never
  overlap (bounding boxes at least MARGIN pixels apart);
- a shape is drawn so that its area centroid is exactly its anchor point, and small/big shapes have
  about the same area whatever their kind (SMALL_AREA / BIG_AREA), so position and size are read back
  from the centroid and the area alone.

The held-out split is a fixed hash of the whole scene (HELDOUT_SEED): about 1 in 8 scenes is never
used for training, so every evaluation prompt describes a combination the model has never seen.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, replace
from itertools import product

from PIL import Image, ImageDraw

from hidream_studio.engines.presets import E1_FULL_FORMAT

SIZE = 128
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 210, 40),
    "orange": (245, 140, 30),
    "purple": (140, 60, 190),
    "white": (245, 245, 245),
    "black": (20, 20, 20),
}
COLORS = tuple(PALETTE)
KINDS = ("circle", "square", "triangle")
SIZES = ("small", "big")
POSITIONS = ("left", "right", "top", "bottom", "center")
ANCHORS = {"left": (32, 64), "right": (96, 64), "top": (64, 32), "bottom": (64, 96), "center": (64, 64)}
SMALL_AREA, BIG_AREA = 450.0, 1700.0
MARGIN = 4
HELDOUT_SEED = "hidream-nano-v1"
HELDOUT_MOD = 8  # 1 in HELDOUT_MOD scenes is held out

ZH_COLORS = {
    "red": "红色", "green": "绿色", "blue": "蓝色", "yellow": "黄色",
    "orange": "橙色", "purple": "紫色", "white": "白色", "black": "黑色",
}
ZH_KINDS = {"circle": "圆形", "square": "正方形", "triangle": "三角形"}
ZH_SIZES = {"small": "小", "big": "大"}
ZH_POS = {"left": "左边", "right": "右边", "top": "上面", "bottom": "下面", "center": "中间"}
EN_AT = {"left": "on the left", "right": "on the right", "top": "at the top", "bottom": "at the bottom",
         "center": "in the center"}
EN_TO = {"left": "to the left", "right": "to the right", "top": "to the top", "bottom": "to the bottom",
         "center": "to the center"}
LANGS = ("en", "zh")


@dataclass(frozen=True)
class Shape:
    kind: str
    color: str
    size: str
    position: str

    def key(self) -> str:
        return f"{self.size}-{self.color}-{self.kind}-{self.position}"


@dataclass(frozen=True)
class Scene:
    """A background color and 1-2 shapes; shapes are kept sorted so equal scenes compare equal."""

    background: str
    shapes: tuple[Shape, ...]

    def __post_init__(self):
        object.__setattr__(self, "shapes", tuple(sorted(self.shapes, key=lambda s: POSITIONS.index(s.position))))

    def key(self) -> str:
        return self.background + "|" + "|".join(s.key() for s in self.shapes)


@dataclass(frozen=True)
class Edit:
    """One instruction edit: source scene, instruction, resulting scene and its description."""

    op: str
    lang: str
    source: Scene
    instruction: str
    target: Scene
    description: str


# ------------------------------------------------------------------------------------------------
# Geometry and rendering
# ------------------------------------------------------------------------------------------------
def _dims(kind: str, size: str) -> float:
    """Circle radius, square half-side or triangle side length for the target area."""
    area = SMALL_AREA if size == "small" else BIG_AREA
    if kind == "circle":
        return math.sqrt(area / math.pi)
    if kind == "square":
        return math.sqrt(area) / 2
    return math.sqrt(area * 4 / math.sqrt(3))


def shape_polygon(shape: Shape) -> list[tuple[float, float]] | None:
    """Vertices of a square/triangle (None for a circle); the area centroid is the anchor."""
    cx, cy = ANCHORS[shape.position]
    d = _dims(shape.kind, shape.size)
    if shape.kind == "square":
        return [(cx - d, cy - d), (cx + d, cy - d), (cx + d, cy + d), (cx - d, cy + d)]
    if shape.kind == "triangle":
        h = d * math.sqrt(3) / 2  # apex up; centroid sits 2/3 of the height below the apex
        return [(cx, cy - 2 * h / 3), (cx + d / 2, cy + h / 3), (cx - d / 2, cy + h / 3)]
    return None


def bbox(shape: Shape) -> tuple[float, float, float, float]:
    cx, cy = ANCHORS[shape.position]
    poly = shape_polygon(shape)
    if poly is None:
        r = _dims("circle", shape.size)
        return (cx - r, cy - r, cx + r, cy + r)
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return (min(xs), min(ys), max(xs), max(ys))


def overlaps(a: Shape, b: Shape) -> bool:
    ax0, ay0, ax1, ay1 = bbox(a)
    bx0, by0, bx1, by1 = bbox(b)
    return not (ax1 + MARGIN <= bx0 or bx1 + MARGIN <= ax0 or ay1 + MARGIN <= by0 or by1 + MARGIN <= ay0)


def is_valid(scene: Scene) -> bool:
    """The world's rules: 1-2 shapes, shape colors differ from the background, distinct kinds, no overlap."""
    shapes = scene.shapes
    if not 1 <= len(shapes) <= 2 or any(s.color == scene.background for s in shapes):
        return False
    if len(shapes) == 2:
        a, b = shapes
        if a.kind == b.kind or a.position == b.position or overlaps(a, b):
            return False
    return True


def render(scene: Scene) -> Image.Image:
    """Draw the scene without anti-aliasing: every pixel is exactly one palette color."""
    image = Image.new("RGB", (SIZE, SIZE), PALETTE[scene.background])
    draw = ImageDraw.Draw(image)
    for shape in scene.shapes:
        fill = PALETTE[shape.color]
        poly = shape_polygon(shape)
        if poly is None:
            cx, cy = ANCHORS[shape.position]
            r = _dims("circle", shape.size)
            draw.ellipse((cx - r, cy - r, cx + r - 1, cy + r - 1), fill=fill)
        else:
            draw.polygon(poly, fill=fill)
    return image


# ------------------------------------------------------------------------------------------------
# Sampling and the held-out split
# ------------------------------------------------------------------------------------------------
def is_heldout(scene: Scene) -> bool:
    digest = hashlib.sha256(f"{HELDOUT_SEED}:{scene.key()}".encode()).digest()
    return digest[0] % HELDOUT_MOD == 0


def _random_shape(rng: random.Random, background: str, kinds=KINDS) -> Shape:
    return Shape(rng.choice(kinds), rng.choice([c for c in COLORS if c != background]),
                 rng.choice(SIZES), rng.choice(POSITIONS))


def sample_scene(rng: random.Random, n_shapes: int | None = None, split: str | None = "train") -> Scene:
    """A random valid scene. split 'train' / 'heldout' restricts to that side of the split; None = any."""
    while True:
        n = n_shapes or rng.choice((1, 2))
        background = rng.choice(COLORS)
        first = _random_shape(rng, background)
        shapes = [first]
        if n == 2:
            shapes.append(_random_shape(rng, background, tuple(k for k in KINDS if k != first.kind)))
        scene = Scene(background, tuple(shapes))
        if is_valid(scene) and (split is None or is_heldout(scene) == (split == "heldout")):
            return scene


# ------------------------------------------------------------------------------------------------
# Descriptions (prompts)
# ------------------------------------------------------------------------------------------------
def _a(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def _en_shape(s: Shape, rng: random.Random, with_pos: bool = True) -> str:
    # Omitting the size is allowed only for big shapes (the default).
    size = "" if (s.size == "big" and rng.random() < 0.4) else s.size + " "
    text = _a(f"{size}{s.color} {s.kind}")
    if with_pos and not (s.position == "center" and rng.random() < 0.4):
        at = "in the middle" if (s.position == "center" and rng.random() < 0.5) else EN_AT[s.position]
        text += " " + at
    return text


def _zh_shape(s: Shape, rng: random.Random) -> str:
    size = "" if (s.size == "big" and rng.random() < 0.4) else ZH_SIZES[s.size]
    return f"一个{ZH_COLORS[s.color]}{size}{ZH_KINDS[s.kind]}"


def describe(scene: Scene, lang: str = "en", rng: random.Random | None = None) -> str:
    """A prompt for the scene, in one of several phrasings, that determines the scene exactly."""
    rng = rng or random.Random(0)
    bg = scene.background
    if lang == "en":
        parts = [_en_shape(s, rng) for s in scene.shapes]
        body = " and ".join(parts)
        form = rng.randrange(3)
        if form == 0:
            return f"{body} on {_a(bg)} background"
        if form == 1:
            return f"{body}, {bg} background"
        return f"{_a(bg)} background with {body}"
    zh_parts = []
    for s in scene.shapes:
        if s.position == "center" and rng.random() < 0.4:
            zh_parts.append(_zh_shape(s, rng))  # no position said: center
        else:
            zh_parts.append(f"{ZH_POS[s.position]}{'有' if rng.random() < 0.5 else ''}{_zh_shape(s, rng)}")
    body = "，".join(zh_parts)
    form = rng.randrange(3)
    if form == 0:
        bare = len(zh_parts) == 1 and zh_parts[0].startswith("一个")
        return f"{ZH_COLORS[bg]}背景上的{body}" if bare else f"{ZH_COLORS[bg]}背景上，{body}"
    if form == 1:
        return f"{ZH_COLORS[bg]}背景，{body}"
    return f"{body}，{ZH_COLORS[bg]}背景"


# ------------------------------------------------------------------------------------------------
# Edits
# ------------------------------------------------------------------------------------------------
EDIT_OPS = ("recolor", "background", "kind", "move", "resize", "add", "remove")


def _swap(scene: Scene, old: Shape, new: Shape | None) -> Scene:
    shapes = [s for s in scene.shapes if s != old] + ([new] if new else [])
    return Scene(scene.background, tuple(shapes))


def apply_edit(source: Scene, op: str, old: Shape | None, new: Shape | None, color: str | None) -> Scene:
    """The scene after one edit: `old` replaced by `new` (recolor/kind/move/resize), `new` added (add),
    `old` removed (remove, new=None), or the background set to `color` (background)."""
    if op == "background":
        return Scene(color, source.shapes)
    if op == "add":
        return Scene(source.background, source.shapes + (new,))
    return _swap(source, old, new)


def phrasings(op: str, lang: str, old: Shape | None, new: Shape | None, color: str | None = None) -> list[str]:
    """Every way the world words one edit (training draws one; instruction parsing matches them all)."""
    if lang == "en":
        k = old.kind if old else ""
        if op == "recolor":
            return [f"make the {k} {color}", f"change the color of the {k} to {color}",
                    f"paint the {k} {color}", f"turn the {k} {color}"]
        if op == "background":
            return [f"make the background {color}", f"change the background to {color}",
                    f"set the background color to {color}"]
        if op == "kind":
            return [f"turn the {k} into a {new.kind}", f"replace the {k} with a {new.kind}",
                    f"change the {k} to a {new.kind}"]
        if op == "move":
            return [f"move the {k} {EN_TO[new.position]}", f"put the {k} {EN_AT[new.position]}"]
        if op == "resize":
            if new.size == "big":
                return [f"make the {k} bigger", f"enlarge the {k}", f"make the {k} big"]
            return [f"make the {k} smaller", f"shrink the {k}", f"make the {k} small"]
        if op == "add":
            return [f"add a {new.size} {new.color} {new.kind} {EN_AT[new.position]}",
                    f"put a {new.size} {new.color} {new.kind} {EN_AT[new.position]}"]
        return [f"remove the {k}", f"delete the {k}", f"take away the {k}"]
    k = ZH_KINDS[old.kind] if old else ""
    c = ZH_COLORS[color] if color else ""
    if op == "recolor":
        return [f"把{k}变成{c}", f"把{k}的颜色改成{c}", f"将{k}涂成{c}"]
    if op == "background":
        return [f"把背景换成{c}", f"背景改成{c}", f"将背景变为{c}"]
    if op == "kind":
        k2 = ZH_KINDS[new.kind]
        return [f"把{k}换成{k2}", f"将{k}替换为{k2}", f"把{k}改成一个{k2}"]
    if op == "move":
        return [f"把{k}移到{ZH_POS[new.position]}", f"将{k}移动到{ZH_POS[new.position]}"]
    if op == "resize":
        return [f"把{k}变大", f"把{k}放大"] if new.size == "big" else [f"把{k}变小", f"把{k}缩小"]
    if op == "add":
        shape = f"{ZH_COLORS[new.color]}{ZH_SIZES[new.size]}{ZH_KINDS[new.kind]}"
        return [f"在{ZH_POS[new.position]}加一个{shape}", f"在{ZH_POS[new.position]}添加一个{shape}"]
    return [f"去掉{k}", f"删除{k}", f"把{k}移除"]


def understood_phrasings(op: str, lang: str, old: Shape | None, new: Shape | None, color: str | None = None) -> list[str]:
    """Every wording of one edit a person may type: `phrasings` (what training draws) plus the same
    wordings with the world's prompt defaults left out, so edits read like prompts do. A shape added
    without a size is big and one added without a position is in the center; a center position may
    also be said "in the middle" (as prompts say it). Training keeps drawing from `phrasings` alone."""
    said = phrasings(op, lang, old, new, color)
    if op == "move" and new.position == "center" and lang == "en":
        said += [f"move the {old.kind} to the middle", f"put the {old.kind} in the middle"]
    if op != "add":
        return said
    sizes = [new.size, ""] if new.size == "big" else [new.size]
    center = new.position == "center"
    if lang == "en":
        shapes = [_a(f"{size} {new.color} {new.kind}".strip()) for size in sizes]
        places = [" " + EN_AT[new.position]] + ([" in the middle", ""] if center else [])
        wordings = [f"{verb} {shape}{place}" for verb in ("add", "put") for shape in shapes for place in places]
    else:
        shapes = [f"{ZH_COLORS[new.color]}{ZH_SIZES.get(size, '')}{ZH_KINDS[new.kind]}" for size in sizes]
        places = [f"在{ZH_POS[new.position]}"] + ([""] if center else [])
        wordings = [f"{place}{verb}一个{shape}" for place in places for verb in ("加", "添加") for shape in shapes]
    return list(dict.fromkeys(said + wordings))


def _add_axes(source: Scene) -> tuple[list, list, tuple, tuple]:
    """The kinds, colors, sizes and positions a shape added to a one-shape `source` may take."""
    first = source.shapes[0]
    return ([k for k in KINDS if k != first.kind], [c for c in COLORS if c != source.background], SIZES, POSITIONS)


def edit_options(source: Scene, op: str, old: Shape | None) -> list[tuple[Shape | None, str | None]]:
    """Every (new shape, color) edit `op` of the shape `old` may give on `source`, in a fixed order.

    The one place that says which edits the world allows: training draws one (sample_edit), the nano
    describer enumerates them all (instructions.parse_edit). "background" and "add" ignore `old`;
    "remove" gives (None, None). The target may still be invalid (overlap): check it with is_valid.
    """
    bg = source.background
    if op == "recolor":
        return [(replace(old, color=c), c) for c in COLORS if c not in (bg, old.color)]
    if op == "background":
        return [(None, c) for c in COLORS if c != bg and all(s.color != c for s in source.shapes)]
    if op == "kind":
        taken = {s.kind for s in source.shapes}
        return [(replace(old, kind=k), None) for k in KINDS if k not in taken]
    if op == "move":
        return [(replace(old, position=p), None) for p in POSITIONS if p != old.position]
    if op == "resize":
        return [(replace(old, size="small" if old.size == "big" else "big"), None)]
    if op == "add":
        return [(Shape(*axes), None) for axes in product(*_add_axes(source))] if len(source.shapes) == 1 else []
    return [(None, None)] if len(source.shapes) == 2 else []  # remove


def _try_edit(op: str, source: Scene, lang: str, rng: random.Random) -> Edit | None:
    # The rng calls here are the shipped weights' training data (data.edit_pool): keep their order.
    # An added shape draws its four attributes one by one, and resize / remove draw nothing.
    old: Shape | None = rng.choice(source.shapes)
    if op == "add":
        if len(source.shapes) != 1:
            return None
        new, color, old = Shape(*(rng.choice(axis) for axis in _add_axes(source))), None, None
    else:
        options = edit_options(source, op, old)
        if not options:
            return None
        new, color = options[0] if op in ("resize", "remove") else rng.choice(options)
    target = apply_edit(source, op, old, new, color)
    if not is_valid(target) or target == source:
        return None
    instruction = rng.choice(phrasings(op, lang, old, new, color))
    return Edit(op, lang, source, instruction, target, describe(target, lang, rng))


def sample_edit(rng: random.Random, lang: str | None = None, op: str | None = None,
                split: str | None = "train") -> Edit:
    """A random valid edit. For 'train' both scenes are training scenes; for 'heldout' the source is held out."""
    while True:
        the_op = op or rng.choice(EDIT_OPS)
        n = 1 if the_op == "add" else 2 if the_op == "remove" else None
        source = sample_scene(rng, n, split=None)
        if split == "train" and is_heldout(source):
            continue
        if split == "heldout" and not is_heldout(source):
            continue
        edit = _try_edit(the_op, source, lang or rng.choice(LANGS), rng)
        if edit is None or (split == "train" and is_heldout(edit.target)):
            continue
        return edit


def edit_prompt(instruction: str, description: str) -> str:
    """The E1-Full prompt of a training edit (the engine's format_edit_prompt also strips a trailing ".")."""
    return E1_FULL_FORMAT.format(instruction=instruction, description=description)


_TEMPLATE_TEXT = (
    "a an on the background with and in middle center left right top bottom at make change color of to paint "
    "turn set into replace move put bigger enlarge big smaller shrink small add remove delete take away "
    "editing instruction target image description , . : "
    "背景上的，一个有把变成颜色改成将涂成换成变为替换为移到移动到变大放大变小缩小在加添去掉删除移除"
)


def vocabulary() -> list[str]:
    """Every word (English) and character (Chinese) the prompts and edit prompts can contain."""
    texts = [_TEMPLATE_TEXT]
    texts += list(COLORS) + list(KINDS) + list(SIZES) + list(POSITIONS)
    texts += list(ZH_COLORS.values()) + list(ZH_KINDS.values()) + list(ZH_SIZES.values()) + list(ZH_POS.values())
    return sorted({token for text in texts for token in tokenize_words(text)})


def tokenize_words(text: str) -> list[str]:
    """Lower-case words, punctuation as tokens, and every CJK character on its own."""
    out: list[str] = []
    word = ""
    for ch in text.lower():
        if ch.isalnum() and not is_cjk(ch):
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        if not ch.isspace():
            out.append(ch)
    if word:
        out.append(word)
    return out


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
