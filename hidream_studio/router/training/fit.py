"""Softmax regression over hashed features, trained with Adagrad in plain numpy.

Every source weighs at most CAP examples' worth (a big corpus does not drown a small one), and
new image, edit and conversation carry the same total weight (the model has no prior for "most
messages are prompts"). Deterministic for a given seed and data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..features import DIM, features
from ..model import EDIT, GENERATE, INTENTS, IntentModel
from .sources import Example

CAP = 2500


@dataclass(frozen=True)
class FitConfig:
    epochs: int = 6
    batch: int = 64
    lr: float = 0.3
    l2: float = 1e-6
    seed: int = 0


def _route_group(intent: str) -> str:
    return intent if intent in (GENERATE, EDIT) else "chat"


def example_weights(examples: list[Example]) -> np.ndarray:
    """Per-example weights: sources capped at CAP, then new image / edit / conversation equal in total.

    The three routes are balanced, not the five intents: balancing the small conversation kinds
    (negative, help) up to the others would give them a large prior, and every message the model
    has never seen the like of would become "negative feedback"."""
    per_source = Counter(e.source for e in examples)
    w = np.array([min(1.0, CAP / per_source[e.source]) for e in examples], dtype=np.float64)
    per_group = Counter()
    for e, wi in zip(examples, w, strict=True):
        per_group[_route_group(e.intent)] += wi
    mean = sum(per_group.values()) / len(per_group)
    return w * np.array([mean / per_group[_route_group(e.intent)] for e in examples])


def fit(examples: list[Example], config: FitConfig = FitConfig()) -> IntentModel:
    classes = INTENTS
    index = {c: i for i, c in enumerate(classes)}
    rows = [np.array(features(e.text), dtype=np.int64) for e in examples]
    y = np.array([index[e.intent] for e in examples])
    sample_w = example_weights(examples)
    sample_w = sample_w / sample_w.mean()
    K = len(classes)
    W = np.zeros((DIM, K), dtype=np.float64)
    b = np.zeros(K, dtype=np.float64)
    gW = np.full((DIM, K), 1e-8)  # Adagrad accumulators
    gb = np.full(K, 1e-8)
    rng = np.random.default_rng(config.seed)
    for _ in range(config.epochs):
        order = rng.permutation(len(examples))
        for start in range(0, len(order), config.batch):
            batch = order[start : start + config.batch]
            idx = [rows[i] for i in batch]
            lengths = np.array([len(r) for r in idx])
            flat = np.concatenate(idx)
            owner = np.repeat(np.arange(len(batch)), lengths)
            z = np.zeros((len(batch), K))
            np.add.at(z, owner, W[flat])
            z += b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            delta = p
            delta[np.arange(len(batch)), y[batch]] -= 1.0
            delta *= sample_w[batch, None] / len(batch)
            grad = np.zeros((len(flat), K))
            grad[:] = delta[owner]
            uniq, inv = np.unique(flat, return_inverse=True)
            g = np.zeros((len(uniq), K))
            np.add.at(g, inv, grad)
            g += config.l2 * W[uniq]
            gW[uniq] += g * g
            W[uniq] -= config.lr * g / np.sqrt(gW[uniq])
            db = delta.sum(axis=0)
            gb += db * db
            b -= config.lr * db / np.sqrt(gb)
    return IntentModel.from_dense(W, b, classes)
