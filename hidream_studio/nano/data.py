"""Training batches for nano-I1 and nano-E1: fixed pools of training scenes and edits, their VAE
latents encoded once (cached in the run folder), and per-step batches drawn from a seeded generator.

A generation batch is (x0 latents, prompts); an edit batch is (x0 target latents, source latents,
E1-Full prompts). Prompt dropout (-> "") and source dropout (-> zero latent) train the guidance
branches the pipelines use at inference.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import torch

from . import world
from .common import step_rng, to_pixels

PROMPT_DROP = 0.1
SOURCE_DROP = 0.1


def scene_pool(seed: int, n_two: int, n_single: int | None = None) -> list[world.Scene]:
    """Every single-shape training scene (or the first n_single), then n_two sampled two-shape ones."""
    singles = [world.Scene(bg, (world.Shape(k, c, s, p),)) for bg in world.COLORS for k in world.KINDS
               for c in world.COLORS if c != bg for s in world.SIZES for p in world.POSITIONS]
    singles = [s for s in singles if not world.is_heldout(s)][:n_single]
    rng = random.Random(f"pool:{seed}")
    twos: dict[str, world.Scene] = {}
    while len(twos) < n_two:
        scene = world.sample_scene(rng, 2)
        twos[scene.key()] = scene
    return singles + list(twos.values())


def edit_pool(seed: int, n: int) -> list[world.Edit]:
    rng = random.Random(f"e1-pool:{seed}")
    return [world.sample_edit(rng, split="train") for _ in range(n)]


@torch.no_grad()
def encode_scenes(vae, scenes: list[world.Scene], batch: int = 64) -> torch.Tensor:
    from hidream_studio.engines.edit_conditioning import encode_image

    out = [encode_image(vae, to_pixels([world.render(s) for s in scenes[i:i + batch]])).cpu()
           for i in range(0, len(scenes), batch)]
    return torch.cat(out)


@dataclass
class Pools:
    """Scenes and edits with the latent of every scene involved (one tensor, indexed by scene key)."""

    scenes: list[world.Scene]
    n_single: int
    edits: list[world.Edit]
    latents: torch.Tensor
    index: dict[str, int]

    def latent(self, scenes: list[world.Scene]) -> torch.Tensor:
        return self.latents[[self.index[s.key()] for s in scenes]]


def load_pools(run_root: Path, vae, seed: int, n_two: int, n_edits: int, n_single: int | None = None) -> Pools:
    """Build the pools and their latents, cached in RUNS/latents.pt (re-encoded if the pools change)."""
    scenes = scene_pool(seed, n_two, n_single)
    edits = edit_pool(seed, n_edits) if n_edits else []
    keyed: dict[str, world.Scene] = {s.key(): s for s in scenes}
    for e in edits:
        keyed.setdefault(e.source.key(), e.source)
        keyed.setdefault(e.target.key(), e.target)
    keys = list(keyed)
    path = Path(run_root) / "latents.pt"
    cached = torch.load(path, map_location="cpu") if path.exists() else None
    if cached is not None and cached["keys"][: len(keys)] == keys:
        latents = cached["latents"][: len(keys)]
    else:
        latents = encode_scenes(vae, [keyed[k] for k in keys])
        torch.save({"keys": keys, "latents": latents}, path)
    n_single = sum(1 for s in scenes if len(s.shapes) == 1)
    return Pools(scenes, n_single, edits, latents, {k: i for i, k in enumerate(keys)})


# Two-shape scenes are most of a generation batch: one shape is learned long before two are bound
# right (at 10k steps single-shape prompts scored 100% and two-shape ones 0%: colors and kinds leaked
# between the shapes), and single shapes stay well covered at a quarter of the batch.
TWO_SHAPE_SHARE = 0.75


def generation_batch(pools: Pools, seed: int, step: int, size: int, two_share: float = TWO_SHAPE_SHARE):
    """(x0, prompts, generator): `two_share` two-shape scenes, the rest single-shape, EN/ZH at random."""
    rng = step_rng(seed, step, "gen")
    scenes = [pools.scenes[rng.randrange(pools.n_single) if rng.random() >= two_share
                           else rng.randrange(pools.n_single, len(pools.scenes))] for _ in range(size)]
    prompts = ["" if rng.random() < PROMPT_DROP else world.describe(s, rng.choice(world.LANGS), rng) for s in scenes]
    return pools.latent(scenes), prompts, torch.Generator().manual_seed(rng.randrange(2**31))


def edit_batch(pools: Pools, seed: int, step: int, size: int):
    """(x0 target, source latents, E1-Full prompts, generator).

    Every prompt carries the true target description (or is empty, PROMPT_DROP). Training a share on
    the instruction alone failed (a 0.35 share over 700 LoRA steps gave 2.5% instruction-only
    edits and cost described ones 80% -> 67.5%); the studio's nano describer writes the description
    instead (nano/instructions.py)."""
    rng = step_rng(seed, step, "edit")
    edits = [pools.edits[rng.randrange(len(pools.edits))] for _ in range(size)]
    prompts = ["" if rng.random() < PROMPT_DROP else world.edit_prompt(e.instruction, e.description) for e in edits]
    keep = torch.tensor([0.0 if rng.random() < SOURCE_DROP else 1.0 for _ in edits]).view(-1, 1, 1, 1)
    source = pools.latent([e.source for e in edits]) * keep
    return pools.latent([e.target for e in edits]), source, prompts, torch.Generator().manual_seed(rng.randrange(2**31))


def sample_sigmas(n: int, shift: float, gen: torch.Generator) -> torch.Tensor:
    """Logit-normal sigmas, shifted like the inference scheduler (more steps at high noise)."""
    u = torch.sigmoid(torch.randn(n, generator=gen))
    return shift * u / (1 + (shift - 1) * u)
