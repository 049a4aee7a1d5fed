"""Content-addressed PNG files: encode with recipe text chunks, write atomically, collect orphans.

A file's name is the SHA-256 of its bytes (``images/ab/abcdef....png``), so the same bytes are
stored once. Files are written to a temporary name in the same folder, fsynced, renamed into
place and the folder fsynced, all *before* the row that names them commits: a crash leaves at
worst an unreferenced file (collected later), never a row without its file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..domain import InvalidImage, Recipe

PNG_JSON_KEY = "hidream-studio"
_TMP_SUFFIX = ".tmp"
_OWNER_FILE = ".database"
_KEEP_MODES = ("RGB", "RGBA", "L")


def recipe_metadata(recipe: Recipe, *, session: str, version: int, parent: int | None) -> dict[str, Any]:
    """The recipe as the flat dict the PNG chunks (and export JSON) carry."""
    size = f"{recipe.width}x{recipe.height}" if recipe.width and recipe.height else ""
    return {
        "prompt": recipe.prompt,
        "prompt_sent": recipe.prompt_sent,
        "negative_prompt": recipe.negative_prompt,
        "model": recipe.model_id,
        "revision": recipe.model_revision,
        "seed": recipe.seed,
        "steps": recipe.steps,
        "guidance": recipe.guidance,
        "image_guidance": recipe.image_guidance,
        "size": size,
        "kind": recipe.kind.value,
        "parent": parent,
        "session": session,
        "version": version,
        "elapsed_s": recipe.elapsed_s,
        **({"region": recipe.region} if recipe.region else {}),
    }


def encode_png(image: Any, meta: dict[str, Any]) -> bytes:
    """PNG bytes of a PIL image with one text chunk per recipe field plus the JSON chunk."""
    from PIL import Image, PngImagePlugin

    if not isinstance(image, Image.Image):
        raise InvalidImage("the store can only keep PIL images")
    if image.mode not in _KEEP_MODES:
        has_alpha = image.mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    info = PngImagePlugin.PngInfo()
    for key, value in meta.items():
        if value is not None and value != "":
            text = json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)
            info.add_text(key, text)  # falls back to iTXt (UTF-8) for non-Latin-1 prompts
    info.add_text(PNG_JSON_KEY, json.dumps(meta, ensure_ascii=False, sort_keys=True))
    buf = io.BytesIO()
    image.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def read_png_metadata(path: Path) -> dict[str, Any]:
    """The JSON recipe chunk of a PNG written by the store ({} when absent)."""
    from PIL import Image

    with Image.open(path) as img:
        raw = img.info.get(PNG_JSON_KEY)
    return json.loads(raw) if raw else {}


class ImageFiles:
    """The images folder: ``path_for(sha)``, ``write(bytes) -> sha``, ``collect(referenced)``."""

    def __init__(self, root: Path):
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._root_str = str(self.root)

    def path_for(self, sha: str) -> Path:
        return self.root / sha[:2] / f"{sha}.png"

    def path_str(self, sha: str) -> str:
        """``str(path_for(sha))`` without pathlib (called once per version of a loaded tree)."""
        return f"{self._root_str}{os.sep}{sha[:2]}{os.sep}{sha}.png"

    def write(self, data: bytes) -> str:
        """Store `data` under its hash (atomic, durable) and return the hash. OSError on failure."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path_for(sha)
        if final.exists():
            # Refresh the mtime: an old orphan with these bytes is about to be referenced again,
            # and the collector spares recent files.
            os.utime(final)
            return sha
        final.parent.mkdir(exist_ok=True)
        tmp = final.with_name(f".{sha}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)
        return sha

    @property
    def owner_marker(self) -> Path:
        """Names the database whose versions use this folder (see ``Store.collect_orphans``)."""
        return self.root / _OWNER_FILE

    def owner(self) -> str | None:
        try:
            return self.owner_marker.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def set_owner(self, name: str) -> None:
        tmp = self.root / f".{_OWNER_FILE}.{secrets.token_hex(4)}{_TMP_SUFFIX}"
        tmp.write_text(name + "\n", encoding="utf-8")
        os.replace(tmp, self.owner_marker)

    def has_files(self) -> bool:
        return next(iter(self.iter_files()), None) is not None

    def iter_files(self) -> Iterable[tuple[Path, os.stat_result]]:
        for sub in os.scandir(self.root):
            if not sub.is_dir(follow_symlinks=False) or len(sub.name) != 2:
                continue
            for entry in os.scandir(sub.path):
                if entry.is_file(follow_symlinks=False):
                    yield Path(entry.path), entry.stat(follow_symlinks=False)

    def collect(self, referenced: set[str], min_age_s: float) -> int:
        """Delete image and temporary files older than `min_age_s` whose hash is not referenced.

        The age guard matters: a writer stores its file before its row commits, so a young
        unreferenced file may be a version being saved right now.
        """
        cutoff = time.time() - min_age_s
        removed = 0
        for path, st in list(self.iter_files()):
            name = path.name
            if name.endswith(".png") and not name.startswith(".") and name[:-4] in referenced:
                continue
            if st.st_mtime > cutoff:
                continue
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed


def _fsync_dir(path: Path) -> None:
    """Make a rename durable (no-op where directories cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
