"""Read a nano-world image back into a Scene and compare it with the scene a prompt asked for.

How an image is read (no torch; numpy + PIL):
1. every pixel takes the nearest of the 8 palette colors;
2. the most frequent color is the background;
3. the non-background mask is "opened" (eroded then dilated) so specks and thin lines vanish;
4. 4-connected components of at least MIN_AREA pixels are shapes (a rim of in-between colors that a
   VAE leaves along an edge, e.g. purple between red and blue, stays part of its shape; the shape's
   color is the majority color of its pixels): kind from the fill ratio of the
   bounding box (square ~1.0, circle ~0.785, triangle ~0.5), size from the area (small ~450 px,
   big ~1700 px), position from the nearest anchor to the centroid.

`check(expected, image)` is what evaluation counts: right only if background and every shape match
and nothing else is there, which for an edit also means the untouched parts were kept.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .world import ANCHORS, BIG_AREA, COLORS, PALETTE, SIZE, SMALL_AREA, Scene, Shape

MIN_AREA = 120  # a small shape is ~450 px; fringes and specks are far smaller after opening
SQUARE_FILL = 0.85  # circle ~0.79 (pi/4), square ~1.0 (noisy edges pull it down to ~0.87)
CIRCLE_FILL = 0.64  # between triangle (0.5) and circle
SIZE_SPLIT = math.sqrt(SMALL_AREA * BIG_AREA)  # geometric mean of the two areas, ~875 px
_PALETTE = np.array([PALETTE[c] for c in COLORS], dtype=np.int32)


@dataclass(frozen=True)
class Blob:
    """One detected shape with the measurements it was classified from."""

    shape: Shape
    area: int
    fill: float
    centroid: tuple[float, float]


@dataclass(frozen=True)
class Reading:
    background: str
    blobs: tuple[Blob, ...]

    @property
    def scene(self) -> Scene:
        return Scene(self.background, tuple(b.shape for b in self.blobs))


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    found: str  # the scene key read from the image
    errors: list[str] = field(default_factory=list)


def quantize(image: Image.Image) -> np.ndarray:
    """(SIZE, SIZE) array of palette indices: nearest palette color per pixel."""
    image = image.convert("RGB")
    if image.size != (SIZE, SIZE):
        image = image.resize((SIZE, SIZE), Image.NEAREST)
    pixels = np.asarray(image, dtype=np.int32)
    dist = ((pixels[:, :, None, :] - _PALETTE[None, None]) ** 2).sum(-1)
    return dist.argmin(-1)


def _shift_all(mask: np.ndarray, op) -> np.ndarray:
    """3x3 erosion (op=np.logical_and) or dilation (op=np.logical_or); outside counts as False."""
    padded = np.pad(mask, 1, constant_values=False)
    out = padded[1:-1, 1:-1].copy()
    h, w = mask.shape
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                out = op(out, padded[1 + dy:1 + dy + h, 1 + dx:1 + dx + w])
    return out


def open_mask(mask: np.ndarray, iterations: int = 1) -> np.ndarray:
    for _ in range(iterations):
        mask = _shift_all(mask, np.logical_and)
    for _ in range(iterations):
        mask = _shift_all(mask, np.logical_or)
    return mask


def components(mask: np.ndarray) -> list[np.ndarray]:
    """4-connected components of a boolean mask, each as an (N, 2) array of (y, x)."""
    seen = np.zeros_like(mask, dtype=bool)
    h, w = mask.shape
    out = []
    for y0, x0 in zip(*np.nonzero(mask), strict=True):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        queue, pts = deque([(y0, x0)]), []
        while queue:
            y, x = queue.popleft()
            pts.append((y, x))
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        out.append(np.array(pts))
    return out


def classify(points: np.ndarray, color: str) -> Blob:
    """Kind from the bounding-box fill ratio (the box ignores 1-2 px spurs along noisy edges) and,
    for triangles, from the width profile: an apex-up triangle is narrow on top and wide below."""
    ys, xs = points[:, 0], points[:, 1]
    area = len(points)
    row_w = np.bincount(ys - ys.min())
    col_h = np.bincount(xs - xs.min())
    box = max(1, int((row_w >= 3).sum())) * max(1, int((col_h >= 3).sum()))
    fill = min(1.0, area / box)
    rows = row_w[row_w > 0]
    third = max(1, len(rows) // 3)
    taper = rows[:third].mean() / max(1.0, rows[-third:].mean())
    if taper < 0.55 or fill < CIRCLE_FILL:
        kind = "triangle"
    else:
        kind = "square" if fill >= SQUARE_FILL else "circle"
    size = "big" if area >= SIZE_SPLIT else "small"
    cy, cx = float(ys.mean()) + 0.5, float(xs.mean()) + 0.5  # pixel centers
    position = min(ANCHORS, key=lambda p: (ANCHORS[p][0] - cx) ** 2 + (ANCHORS[p][1] - cy) ** 2)
    return Blob(Shape(kind, color, size, position), area, round(float(fill), 3), (round(cx, 1), round(cy, 1)))


def read(image: Image.Image) -> Reading:
    labels = quantize(image)
    counts = np.bincount(labels.ravel(), minlength=len(COLORS))
    bg = int(counts.argmax())
    blobs = []
    # Shapes never touch (the world keeps them MARGIN px apart), so every connected non-background
    # region is one shape, rim colors included; its color is the majority color inside it.
    for points in components(open_mask(labels != bg)):
        if len(points) >= MIN_AREA:
            color = COLORS[int(np.bincount(labels[points[:, 0], points[:, 1]], minlength=len(COLORS)).argmax())]
            blobs.append(classify(points, color))
    return Reading(COLORS[bg], tuple(blobs))


def check(expected: Scene, image: Image.Image) -> CheckResult:
    """Right only if the background and the exact set of shapes match (nothing missing, nothing extra)."""
    reading = read(image)
    errors = []
    if reading.background != expected.background:
        errors.append(f"background {reading.background} != {expected.background}")
    want = sorted(s.key() for s in expected.shapes)
    got = sorted(b.shape.key() for b in reading.blobs)
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    if missing:
        errors.append("missing " + ", ".join(missing))
    if extra:
        errors.append("unexpected " + ", ".join(extra))
    found = reading.background + "|" + "|".join(got)
    return CheckResult(not errors, found, errors)
