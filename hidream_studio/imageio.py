"""Open and sanitize user images with PIL only (no torch: the studio uses this for uploads too).

Any mode (RGBA, LA, P, CMYK, I;16, I, F, L, 1) becomes RGB; transparency is flattened on white;
EXIF orientation is applied; very small images are upscaled and very large ones downscaled
within limits; decompression bombs and non-images are refused with domain.InvalidImage.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from .domain import InvalidImage

MIN_SIDE = 64  # smaller images are upscaled (nearest multiple kept simple: aspect preserved)
MAX_SIDE = 2048  # larger images are downscaled
MAX_PIXELS = 64_000_000  # refuse to even decode more than this (checked from the header, before decoding)
MAX_ASPECT = 8.0
MAX_FILE_BYTES = 50 * 1024 * 1024


def open_image(source: Any, min_side: int = MIN_SIDE) -> Image.Image:
    """Open a path, bytes, file object or PIL image and return a sanitized RGB image.

    min_side: shorter sides are upscaled to it (1: never; the editor opens sources that way, since it
    resizes them to the model's work size itself and a second resampling would only blur them)."""
    if isinstance(source, Image.Image):
        return sanitize(source, min_side)
    try:
        if isinstance(source, (bytes, bytearray)):
            if len(source) > MAX_FILE_BYTES:
                raise InvalidImage(f"the file is too large ({len(source) // 2**20} MB, at most {MAX_FILE_BYTES // 2**20} MB)")
            fp: Any = io.BytesIO(source)
        elif isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.is_file():
                raise InvalidImage(f"no such image file: {path}")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise InvalidImage(f"{path.name} is too large (at most {MAX_FILE_BYTES // 2**20} MB)")
            fp = path
        else:
            fp = source
        return _decode(fp, min_side)
    except InvalidImage:
        raise
    except OSError as exc:  # truncated or corrupt data
        raise InvalidImage(f"the image could not be decoded ({exc})") from None


def _decode(fp: Any, min_side: int) -> Image.Image:
    # No process-wide state is touched (Image.MAX_IMAGE_PIXELS, warning filters): Gradio decodes
    # uploads in many threads at once, and saving/restoring globals from several threads can leave
    # them changed for good. The header's size is checked against our own limit before decoding.
    try:
        img = Image.open(fp)
        _check_dimensions(img.size)
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # the warning under -W error
        raise InvalidImage("the image is too large to decode safely (a decompression bomb?)") from None
    except UnidentifiedImageError:
        raise InvalidImage("the file is not an image PIL can read (PNG, JPEG, WebP, GIF, BMP, TIFF ...)") from None
    return sanitize(img, min_side)


def _check_dimensions(size: tuple[int, int]) -> None:
    w, h = size
    if w < 1 or h < 1:
        raise InvalidImage("the image has no pixels")
    if w * h > MAX_PIXELS:
        raise InvalidImage(f"the image is {w}x{h}: too large to decode safely (a decompression bomb?)")
    if max(w, h) / min(w, h) > MAX_ASPECT:
        raise InvalidImage(f"the image is {w}x{h}: too elongated (at most {MAX_ASPECT:.0f}:1)")


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any PIL mode to RGB; alpha is composited over white."""
    if img.mode == "RGB":
        return img
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # 16-bit / 32-bit grey: map the format's full range to 0..255 instead of clipping at 255, so
        # tones survive (a mid-grey 16-bit image stays mid-grey; it is not auto-levelled or blacked out).
        sixteen = img.mode.startswith("I;16")
        img = img if img.mode == "F" else img.convert("I")
        lo, hi = img.getextrema()
        if sixteen or (img.mode == "I" and 0 <= lo and 255 < hi <= 65535):
            img = img.point(lambda v: v * (255.0 / 65535.0))
        elif img.mode == "F" and 0 <= lo and hi <= 1.0:
            img = img.point(lambda v: v * 255.0)  # float images in 0..1
        elif lo < 0 or hi > 255:  # no known range: stretch the one present linearly (PIL does this in C)
            gain = 255.0 / ((hi - lo) or 1)
            img = img.point(lambda v: v * gain - lo * gain)
        img = img.convert("L")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def sanitize(img: Image.Image, min_side: int = MIN_SIDE, max_side: int = MAX_SIDE) -> Image.Image:
    """RGB, upright (EXIF), sides within [min_side, max_side] keeping the aspect ratio."""
    _check_dimensions(img.size)
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - broken EXIF must not make a good image unusable
        pass
    img = to_rgb(img)
    w, h = img.size
    scale = 1.0
    if max(w, h) > max_side:
        scale = max_side / max(w, h)
    elif min(w, h) < min_side:
        scale = min(min_side / min(w, h), max_side / max(w, h))
    if scale != 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    return img


# ------------------------------------------------------------------------------------------
# Source images -> the E1 work size, as the official HiDream-E1 scripts prepare them
# ------------------------------------------------------------------------------------------
def fit_square(img: Image.Image, side: int) -> Image.Image:
    """E1-Full: the source squashed to side x side with bicubic (the official `image.resize((768, 768))`)."""
    return img.resize((side, side), Image.Resampling.BICUBIC)


def fit_area(img: Image.Image, area: int, multiple: int = 16) -> Image.Image:
    """E1.1: the source at about `area` pixels (never more), sides multiples of `multiple`, by the
    official `resize_image`: halve with a box filter while the short side is at least twice the
    target side, pick the largest of the round/floor sizes that fits the area, resize with bicubic
    so the image covers it, and crop the overflow evenly. An image already at a fitting size is
    returned unchanged."""
    side = math.isqrt(area)
    while min(img.size) >= 2 * side:
        img = img.resize(tuple(x // 2 for x in img.size), resample=Image.Resampling.BOX)
    width, height = img.size
    scale = math.sqrt(area / (width * height))
    w_round, h_round = round(width * scale), round(height * scale)
    w_floor, h_floor = math.floor(width * scale), math.floor(height * scale)
    candidates = [(w_round, h_round), (w_round, h_floor), (w_floor, h_round), (w_floor, h_floor)]
    candidates = [(max(multiple, w // multiple * multiple), max(multiple, h // multiple * multiple))
                  for w, h in candidates]  # the floor guards sides the official code would make 0
    candidates.sort(key=lambda size: size[0] * size[1], reverse=True)  # stable: ties keep the order above
    new_w, new_h = next((s for s in candidates if s[0] * s[1] <= area), candidates[-1])
    if (width, height) == (new_w, new_h):
        return img
    if width / new_w < height / new_h:  # width is the tighter side: match it, crop rows
        tall = round(height / (width / new_w))
        img = img.resize((new_w, tall), resample=Image.Resampling.BICUBIC)
        top = (tall - new_h) // 2
        return img.crop((0, top, new_w, top + new_h))
    wide = round(width / (height / new_h))
    img = img.resize((wide, new_h), resample=Image.Resampling.BICUBIC)
    left = (wide - new_w) // 2
    return img.crop((left, 0, left + new_w, new_h))
