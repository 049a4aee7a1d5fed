"""Region edits: change one part of a picture and keep the rest exactly.

    region = Region.from_box(x, y, w, h)            # or Region.from_mask(mask_image)
    crop_box = region.crop_box(source.size)          # the region plus a margin of context
    edited = engine.edit(source.crop(crop_box) ...)  # E1 edits the crop at its working size
    result = composite(source, edited, region)       # pasted back through a feathered mask

Contract of `composite`: every pixel farther than `feather` from the mask (alpha exactly 0) is
copied bit for bit from the source; inside the mask the edit shows fully; in between the two are
blended. Pure PIL + numpy (no torch), so the CLI and the studio use it without a model.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from .domain import InvalidParams

MARGIN = 0.25  # context around the region given to E1, as a share of the region's size
MIN_MARGIN_PX = 16
FEATHER_SHARE = 0.01  # width of the blend between the edit and the untouched source, of the longer side
MAX_FEATHER_PX = 16


def default_feather(size: tuple[int, int]) -> int:
    """1 % of the picture's longer side, 1 to 16 px (10 px on a 1024 px picture, 1 px on a tiny one)."""
    return max(1, min(MAX_FEATHER_PX, round(max(size) * FEATHER_SHARE)))


@dataclass(frozen=True)
class Region:
    """Where an edit may change pixels: `mask` is an L image (255 = edit) of the source's size."""

    mask: Any  # PIL.Image.Image, mode "L"
    feather: int

    @classmethod
    def from_box(cls, x: int, y: int, w: int, h: int, size: tuple[int, int], feather: int | None = None) -> Region:
        """A rectangle in source pixels; refused (InvalidParams) when it is empty or off the picture."""
        from PIL import Image, ImageDraw

        width, height = size
        if w <= 0 or h <= 0:
            raise InvalidParams(f"the region {x},{y},{w},{h} is empty: give x,y,width,height with a positive size")
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise InvalidParams(f"the region {x},{y},{w},{h} is outside the {width}x{height} picture")
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).rectangle((x, y, x + w - 1, y + h - 1), fill=255)
        return cls(mask, default_feather(size) if feather is None else feather)

    @classmethod
    def from_mask(cls, mask, size: tuple[int, int], feather: int | None = None) -> Region:
        """A painted mask (any mode: its alpha, or else its brightness, > 0 marks the region)."""
        if mask.size != tuple(size):
            raise InvalidParams(f"the mask is {mask.size[0]}x{mask.size[1]}, the picture {size[0]}x{size[1]}")
        if mask.mode in ("RGBA", "LA", "PA"):
            mask = mask.getchannel("A")
        mask = mask.convert("L").point(lambda v: 255 if v > 0 else 0)
        if mask.getbbox() is None:
            raise InvalidParams("the marked region is empty: paint over the part to change, or draw a box")
        return cls(mask, default_feather(size) if feather is None else feather)

    @classmethod
    def parse(cls, text: str, size: tuple[int, int]) -> Region:
        """ "x,y,w,h" (the CLI's --region) -> Region."""
        try:
            x, y, w, h = (int(part) for part in text.replace(" ", "").split(","))
        except ValueError:
            raise InvalidParams(f"--region must look like x,y,width,height (e.g. 10,20,64,48), not {text!r}") from None
        return cls.from_box(x, y, w, h, size)

    @classmethod
    def resolve(cls, spec: Any, size: tuple[int, int]) -> Region:
        """A Region from what a caller marked: a Region, "x,y,w,h", an (x, y, w, h) tuple, or a
        painted mask image of the picture's size."""
        if isinstance(spec, Region):
            return spec
        if isinstance(spec, str):
            return cls.parse(spec, size)
        if isinstance(spec, (tuple, list)) and len(spec) == 4:
            return cls.from_box(*(int(v) for v in spec), size=size)
        if hasattr(spec, "getbbox"):
            return cls.from_mask(spec, size)
        raise InvalidParams("a region is a box x,y,width,height or a painted mask")

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The mask's bounding box as (x, y, w, h)."""
        left, top, right, bottom = self.mask.getbbox()
        return left, top, right - left, bottom - top

    def crop_box(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of what E1 sees: the region, its feather and a margin of
        context, clipped to the picture."""
        x, y, w, h = self.box
        pad_x = max(MIN_MARGIN_PX, round(w * MARGIN)) + self.feather
        pad_y = max(MIN_MARGIN_PX, round(h * MARGIN)) + self.feather
        return (max(0, x - pad_x), max(0, y - pad_y), min(size[0], x + w + pad_x), min(size[1], y + h + pad_y))

    def alpha(self) -> np.ndarray:
        """Blend weights in [0, 1] over the source: 1 inside the mask, falling to exactly 0 at
        `feather` pixels outside it (a blur, cut by the dilated mask so nothing leaks farther)."""
        from PIL import ImageFilter

        if self.feather <= 0:
            return np.asarray(self.mask, dtype=np.float32) / 255.0
        grown = self.mask.filter(ImageFilter.MaxFilter(2 * self.feather + 1))
        soft = grown.filter(ImageFilter.GaussianBlur(self.feather / 2))
        alpha = np.maximum(np.asarray(soft, dtype=np.float32), np.asarray(self.mask, dtype=np.float32)) / 255.0
        alpha[np.asarray(grown) == 0] = 0.0
        return alpha

    def to_record(self) -> dict[str, Any]:
        """What the recipe keeps: the box, the feather and the mask as a 1-bit PNG (base64)."""
        buf = io.BytesIO()
        self.mask.convert("1").save(buf, format="PNG", optimize=True)
        return {"box": list(self.box), "feather": self.feather, "margin": MARGIN,
                "mask_png": base64.b64encode(buf.getvalue()).decode("ascii")}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Region:
        from PIL import Image

        mask = Image.open(io.BytesIO(base64.b64decode(record["mask_png"]))).convert("L")
        return cls(mask, int(record["feather"]))


def composite(source, edited_crop, region: Region):
    """`source` with `edited_crop` (E1's output for source.crop(region.crop_box(...)), at any size)
    pasted back through the feathered mask. Pixels where the blend weight is 0 are the source's own."""
    from PIL import Image

    source = source.convert("RGB")
    left, top, right, bottom = region.crop_box(source.size)
    patch = edited_crop.convert("RGB")
    if patch.size != (right - left, bottom - top):
        patch = patch.resize((right - left, bottom - top), Image.Resampling.LANCZOS)
    out = np.asarray(source).copy()
    alpha = region.alpha()[top:bottom, left:right, None]
    under = out[top:bottom, left:right].astype(np.float32)
    blended = np.rint(under * (1.0 - alpha) + np.asarray(patch, dtype=np.float32) * alpha).astype(np.uint8)
    out[top:bottom, left:right] = np.where(alpha > 0, blended, out[top:bottom, left:right])
    return Image.fromarray(out, "RGB")
