"""Small cached thumbnails of version images, for the drawn tree (full images are up to ~1 MP).

A thumbnail is named by its image's content hash, so it is made once and never goes stale.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

SIDE = 64


def thumbnail(image_path: str, sha256: str, folder: Path, side: int = SIDE) -> Path:
    """The cached `side`-px WEBP of an image (made on first use; the original when it cannot be read)."""
    path = folder / f"{sha256}-{side}.webp"
    if not path.exists():
        from PIL import Image

        try:
            with Image.open(image_path) as img:
                img.thumbnail((side, side))
                folder.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                img.convert("RGB").save(tmp, format="WEBP", quality=80)
                tmp.replace(path)  # atomic: two tabs drawing the tree never see half a file
        except OSError:
            return Path(image_path)
    return path


def file_url(path: Path | str) -> str:
    """The URL under which Gradio serves an allowed file."""
    return "/gradio_api/file=" + quote(str(path))
