"""The version store: every image a node in a persistent tree (see store.Store for the contract)."""

from .files import PNG_JSON_KEY, read_png_metadata
from .store import HEAD, Store

__all__ = ["HEAD", "PNG_JSON_KEY", "Store", "read_png_metadata"]
