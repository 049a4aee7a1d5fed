"""The learned part of the router: a linear model over hashed features, read in plain Python.

Routing imports neither numpy nor torch: the weights file is read with `struct` and `array`
(about 5 MB, a few milliseconds), and one message costs one row look-up per feature.

The weights file (assets/router/router.bin), little-endian:
    b"HSRT" + uint32 header length + header (JSON: classes, dim, feature_version, rows)
    int32  index[dim]      row of each feature bucket, -1 for a bucket no training example had
    float16 W[rows, K]     the weights of the buckets that have a row
    float32 b[K]           the biases
"""

from __future__ import annotations

import json
import math
import struct
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path

from .features import DIM, FEATURE_VERSION, features

WEIGHTS = Path(__file__).resolve().parents[2] / "assets" / "router" / "router.bin"
_MAGIC = b"HSRT"

# What a message can be when no rule matched. Every chat intent routes to CHAT; the name says
# which kind of conversation it is (Decision.chat).
GENERATE, EDIT, SOCIAL, NEGATIVE, HELP = "generate", "edit", "social", "negative", "help"
INTENTS = (GENERATE, EDIT, SOCIAL, NEGATIVE, HELP)


@dataclass(frozen=True)
class Scores:
    """Probabilities of every intent for one message (they sum to 1)."""

    probs: dict[str, float]

    @property
    def best(self) -> str:
        return max(self.probs, key=self.probs.__getitem__)

    def __getitem__(self, intent: str) -> float:
        return self.probs.get(intent, 0.0)


class IntentModel:
    """Sparse weights + `score(text)`. Build with `load(path)` or `from_dense(W, b, classes)`."""

    def __init__(self, index: array, rows: bytes, bias: list[float], classes: tuple[str, ...]):
        self.index, self.rows, self.bias, self.classes = index, rows, bias, tuple(classes)
        self._row = struct.Struct(f"<{len(self.classes)}e")

    @classmethod
    def from_dense(cls, W, b, classes, prune: float = 1e-3) -> IntentModel:
        """From numpy arrays W [DIM, K] and b [K]; rows whose weights are all below `prune` are dropped."""
        import numpy as np

        keep = np.flatnonzero(np.abs(W).max(axis=1) >= prune)
        index = np.full(DIM, -1, dtype="<i4")
        index[keep] = np.arange(len(keep), dtype="<i4")
        rows = np.ascontiguousarray(W[keep].astype("<f2")).tobytes()
        return cls(array("i", index.tobytes()), rows, [float(x) for x in b], tuple(classes))

    @classmethod
    def load(cls, path: str | Path = WEIGHTS) -> IntentModel:
        data = Path(path).read_bytes()
        if data[:4] != _MAGIC:
            raise ValueError(f"{path} is not a router weights file")
        (size,) = struct.unpack_from("<I", data, 4)
        header = json.loads(data[8 : 8 + size])
        if header["feature_version"] != FEATURE_VERSION or header["dim"] != DIM:
            raise ValueError(f"{path}: weights are for features v{header['feature_version']} of {header['dim']} "
                             f"buckets; the code has v{FEATURE_VERSION} of {DIM}")
        classes, k = tuple(header["classes"]), len(header["classes"])
        pos = 8 + size
        index = array("i")
        index.frombytes(data[pos : pos + 4 * DIM])
        pos += 4 * DIM
        rows = data[pos : pos + 2 * k * header["rows"]]
        pos += len(rows)
        bias = list(struct.unpack_from(f"<{k}f", data, pos))
        return cls(index, rows, bias, classes)

    def save(self, path: str | Path) -> None:
        k = len(self.classes)
        header = json.dumps({"classes": list(self.classes), "dim": DIM, "feature_version": FEATURE_VERSION,
                             "rows": len(self.rows) // (2 * k)}).encode()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(_MAGIC + struct.pack("<I", len(header)) + header + self.index.tobytes()
                               + self.rows + struct.pack(f"<{k}f", *self.bias))

    def logits(self, text: str) -> list[float]:
        z = list(self.bias)
        unpack, index, rows, k = self._row.unpack_from, self.index, self.rows, len(z)
        for bucket in features(text):
            row = index[bucket]
            if row >= 0:
                for i, w in enumerate(unpack(rows, row * 2 * k)):
                    z[i] += w
        return z

    def score(self, text: str) -> Scores:
        z = self.logits(text)
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return Scores({c: v / total for c, v in zip(self.classes, e, strict=True)})


_loaded: IntentModel | None = None
_lock = threading.Lock()


def default_model() -> IntentModel:
    """The shipped model, loaded on first use (thread-safe)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = IntentModel.load(WEIGHTS)
    return _loaded
