"""Reference harness: the official HiDream-E1 editing pipeline against ours on the tiny checkpoints.

    python bench/fidelity_harness.py --official DIR [--write] [--full] [--home DIR]

DIR is a mirror of github.com/HiDream-ai/HiDream-E1 (a git directory, e.g. the search tool's
`fetch github:HiDream-ai/HiDream-E1`, or a checkout). `pipeline_hidream_image_editing.py` and
`inference_e1_1.py` are extracted from it, unmodified, into a temporary folder and imported from
there: nothing of the official code is copied into the project. The official pipeline is built
on freshly loaded copies of the tiny weights (`make-tiny`, seed 0), so it shares no state with ours.

It prints, per case of tests/engines/fidelity/cases.py, the largest difference of the final latents
and of the decoded uint8 image; `--full` also runs the whole matrix (steps 8/28, refine 0/0.3,
guidance 1/3/5, image guidance 1/1.5, square and wide sources, three forms: 144 edits); then the
official E1.1 `resize_image` against imageio.fit_area at 1 MP, and our I1 generation path against
stock diffusers HiDreamImagePipeline. `--write` records the official latents, the official commit
and the tiny weights' digest as the golden fixtures the test reads. CPU, float32; a few minutes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from itertools import product
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "engines"))

from fidelity import cases as C  # noqa: E402

from hidream_studio.cli import main as cli_main  # noqa: E402
from hidream_studio.config import Settings  # noqa: E402
from hidream_studio.domain import GenerateRequest  # noqa: E402
from hidream_studio.engines import load_engine  # noqa: E402
from hidream_studio.engines.edit_conditioning import configured_max_seq  # noqa: E402
from hidream_studio.engines.i1 import decode  # noqa: E402
from hidream_studio.engines.loader import make_scheduler  # noqa: E402
from hidream_studio.engines.presets import PRESETS  # noqa: E402
from hidream_studio.imageio import fit_area  # noqa: E402

OFFICIAL_FILES = ("pipeline_hidream_image_editing.py", "inference_e1_1.py")


# ------------------------------------------------------------------------------------------
# The official code, from its mirror
# ------------------------------------------------------------------------------------------
def extract_official(source: Path, into: Path) -> str:
    """Write the official files into `into` (from a git directory or a plain checkout); return the commit."""
    source = Path(source)
    if (source / OFFICIAL_FILES[0]).is_file():
        for name in OFFICIAL_FILES:
            (into / name).write_bytes((source / name).read_bytes())
        git = ["git", "-C", str(source)]
    else:
        git = ["git", "--git-dir", str(source)]
        for name in OFFICIAL_FILES:
            (into / name).write_bytes(subprocess.run(git + ["show", f"HEAD:{name}"], check=True,
                                                     capture_output=True).stdout)
    done = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def import_official(folder: Path):
    import logging

    sys.path.insert(0, str(folder))
    pipeline = importlib.import_module("pipeline_hidream_image_editing")
    scripts = importlib.import_module("inference_e1_1")
    logging.getLogger("pipeline_hidream_image_editing").setLevel(logging.ERROR)  # truncation notices
    logging.getLogger().setLevel(logging.WARNING)
    return pipeline, scripts


class Official:
    """The official HiDreamImageEditingPipeline on fresh copies of the tiny weights, set up per form
    the way the official scripts do it (transformer.max_seq fixed, reload_keys for the refine switch)."""

    def __init__(self, module, family: Path):
        from diffusers import HiDreamImagePipeline

        self.module = module
        self.family = family
        i1 = HiDreamImagePipeline.from_pretrained(family / "i1")
        self.parts = {k: getattr(i1, k) for k in ("vae", "text_encoder", "tokenizer", "text_encoder_2", "tokenizer_2",
                                                  "text_encoder_3", "tokenizer_3", "text_encoder_4", "tokenizer_4")}
        self.saved_scheduler = dict(i1.scheduler.config)

    def transformer(self, which: str):
        from diffusers import HiDreamImageTransformer2DModel

        folder = self.family / ("e1-full" if which == "e1" else "i1")
        return HiDreamImageTransformer2DModel.from_pretrained(folder, subfolder="transformer").eval()

    def setup(self, case: C.Case):
        """(transformer, refiner, reload_keys) for the case's form and variant."""
        from safetensors.torch import load_file

        refine = case.refine > 0
        if case.form == "e1-full-lora":  # inference.py: LoRA over I1; refine = adapters off (no extra keys here)
            tr = self.transformer("i1")
            lora = sorted((self.family / "e1-lora").glob("*lora*.safetensors"))[0]
            tr.load_lora_adapter(str(lora.parent), weight_name=lora.name, prefix="transformer")
            tr.max_seq = C.TINY_MAX_SEQ
            return tr, None, ({"editing": {}, "refine": {}} if refine else None)
        if case.expect == "refine-weights":  # inference_e1_1.py as written
            tr = self.transformer("i1")
            tr.max_seq = C.TINY_MAX_SEQ
            src_dict = tr.state_dict()
            edit_dict = load_file(str(self.family / "e1-full" / "transformer" / "diffusion_pytorch_model.safetensors"))
            reload_keys = {"editing": src_dict, "refine": edit_dict}
            tr.load_state_dict(edit_dict, strict=True)
            return tr, None, reload_keys
        # As intended: the E1 transformer edits, a separate I1 transformer refines.
        tr = self.transformer("e1")
        tr.max_seq = C.TINY_MAX_SEQ
        refiner = self.transformer("i1") if refine else None
        return tr, refiner, ({"editing": {}, "refine": {}} if refine else None)

    def source(self, case: C.Case):
        img = C.source_image(case.source)
        if case.form == "e1-1":  # resize_image is written for 1 MP at multiples of 16: same prepared source
            return fit_area(img, 32 * 32, 4)
        return img.resize((32, 32))  # inference.py: `test_image.resize((768, 768))`, PIL's default filter

    def run(self, case: C.Case, image_guidance: float | None = None) -> torch.Tensor:
        tr, refiner, reload_keys = self.setup(case)
        image = self.source(case)
        if case.expect == "exact-max-seq":  # every max_seq exactly what the latents need
            w, h = image.size
            tr.max_seq = (h // 4) * (w // 4) * 2
            if refiner is not None:
                refiner.max_seq = (h // 4) * (w // 4)
        preset = PRESETS["tiny-e1"].with_overrides({"scheduler": case.scheduler})
        pipe = self.module.HiDreamImageEditingPipeline(
            scheduler=make_scheduler(preset, self.saved_scheduler), transformer=tr, **self.parts)
        pipe.set_progress_bar_config(disable=True)
        out = pipe(prompt=C.official_prompt(case), negative_prompt=C.NEGATIVE, image=image,
                   guidance_scale=case.guidance,
                   image_guidance_scale=case.image_guidance if image_guidance is None else image_guidance,
                   num_inference_steps=case.steps, generator=torch.Generator().manual_seed(C.SEED),
                   refine_strength=case.refine, reload_keys=reload_keys, refiner=refiner, clip_cfg_norm=True,
                   output_type="latent")
        return out.images.float()


# ------------------------------------------------------------------------------------------
# Comparisons
# ------------------------------------------------------------------------------------------
def levels(pipe, a: torch.Tensor, b: torch.Tensor) -> int:
    with torch.inference_mode():
        x, y = np.asarray(decode(pipe, a), dtype=np.int16), np.asarray(decode(pipe, b), dtype=np.int16)
    return int(np.abs(x - y).max())


def ours_for(engines, case: C.Case) -> torch.Tensor:
    """Ours with the one setting that reproduces the official run for a deliberate difference."""
    if case.expect == "exact-max-seq":
        return C.ours(engines, case, max_seq=None)[0]
    return C.ours(engines, case)[0]


def compare_cases(official: Official, engines, cases) -> dict[str, torch.Tensor]:
    pipe = engines["full"].models.pipe
    out = {}
    print(f"{'case':58s} {'max |latent diff|':>18s} {'uint8 levels':>12s}")
    for case in cases:
        ref = official.run(case)
        mine = ours_for(engines, case)
        diff = float((mine - ref).abs().max())
        print(f"{case.name:58s} {diff:18.2e} {levels(pipe, mine, ref):12d}")
        out[case.name] = ref
    return out


def full_matrix(official: Official, engines) -> None:
    """All 144 combinations; the largest difference per (guidance, image guidance) pair."""
    worst: dict[tuple, float] = {}
    for form, steps, refine, g, ig, source in product(("e1-full-lora", "e1-full", "e1-1"), (8, 28), (0.0, 0.3),
                                                       (1, 3, 5), (1, 1.5), ("square", "wide")):
        case = C.Case(form, steps, refine, g, ig, source)
        diff = float((ours_for(engines, case) - official.run(case)).abs().max())
        key = (g, ig)
        worst[key] = max(worst.get(key, 0.0), diff)
    print("\nfull matrix (144 edits): largest |latent diff| per (guidance, image guidance)")
    for (g, ig), diff in sorted(worst.items()):
        print(f"  guidance {g:g}, image guidance {ig:g}: {diff:.2e}")


def deliberate(official: Official, engines) -> None:
    """How large each deliberate difference is: ours as shipped against the official run."""
    pipe = engines["full"].models.pipe
    print("\ndeliberate differences: ours as shipped vs official")
    for case in C.CASES:
        if case.expect == "equal":
            continue
        if case.expect == "exact-max-seq":  # small models' exact rule against the official padded run
            ref, mine = official.run(replace(case, expect="equal")), C.ours(engines, case, max_seq=None)[0]
        else:
            ref, mine = official.run(case), C.ours(engines, case)[0]
        print(f"  {case.expect:15s} {case.name:58s} {float((mine - ref).abs().max()):.3e} / "
              f"{levels(pipe, mine, ref)} levels")


def resize_checks(scripts) -> list[dict]:
    """The official E1.1 resize_image against imageio.fit_area at its own scale (1 MP, multiples of 16)."""
    rows = []
    for size in [(1500, 1000), (1000, 1500), (1024, 1024), (3000, 2000), (777, 333), (640, 480), (1216, 832)]:
        src = C.source_image(size)
        ref = scripts.resize_image(src)
        mine = fit_area(src, 1024 * 1024, 16)
        same = ref.size == mine.size and C.pixels_digest(ref) == C.pixels_digest(mine)
        rows.append({"source": list(size), "size": list(ref.size), "pixels": C.pixels_digest(ref)})
        print(f"  resize_image {size} -> {ref.size}: {'identical' if same else 'DIFFERENT'}")
    return rows


# ------------------------------------------------------------------------------------------
# Generation: our I1 path against stock diffusers HiDreamImagePipeline
# ------------------------------------------------------------------------------------------
def generation(family: Path, engine) -> None:
    """Stock pipeline with its own padding (to the transformer's max_seq) and with an exact max_seq,
    against ours with the small models' exact rule and with the real presets' padding rule."""
    from diffusers import HiDreamImagePipeline

    stock = HiDreamImagePipeline.from_pretrained(family / "i1")
    stock.default_sample_size = engine.generator_spec.preset.sample_size
    stock.set_progress_bar_config(disable=True)
    shipped = engine.generator_spec
    padded_spec = replace(shipped, preset=replace(shipped.preset, max_seq=configured_max_seq(stock.transformer)))
    print("\ngeneration: ours vs stock HiDreamImagePipeline (8 steps, guidance 3, seed 3; max uint8 levels)")
    print(f"  {'':28s} {'ours exact/stock padded':>24s} {'ours padded/stock padded':>25s} {'ours exact/stock exact':>23s}")
    for label, prompt, (w, h) in [("square", "a red circle", (32, 32)), ("wide 3:2", "a red circle", (48, 32)),
                                  ("tall 2:3", "a red circle", (32, 48)), ("long prompt", C.LONG_DESCRIPTION, (32, 32))]:
        request = GenerateRequest(prompt, seed=3, steps=8, guidance=3.0, width=w, height=h)
        try:
            ours_exact = np.asarray(engine.generate(request).image, dtype=np.int16)
            engine.generator_spec = padded_spec
            ours_padded = np.asarray(engine.generate(request).image, dtype=np.int16)
        finally:
            engine.generator_spec = shipped
        stock_images = {}
        for exact in (False, True):
            tr = stock.transformer
            tr.max_seq = (ours_exact.shape[0] // 4) * (ours_exact.shape[1] // 4) if exact else configured_max_seq(tr)
            img = stock(prompt=prompt, width=w, height=h, num_inference_steps=8, guidance_scale=3.0,
                        generator=torch.Generator().manual_seed(3)).images[0]
            stock_images[exact] = np.asarray(img, dtype=np.int16)
        tokens = (ours_exact.shape[0] // 4) * (ours_exact.shape[1] // 4)
        cells = [np.abs(ours_exact - stock_images[False]).max(), np.abs(ours_padded - stock_images[False]).max(),
                 np.abs(ours_exact - stock_images[True]).max()]
        name = f"{label} {ours_exact.shape[1]}x{ours_exact.shape[0]} ({tokens} tokens)"
        print(f"  {name:28s} {cells[0]:24d} {cells[1]:25d} {cells[2]:23d}")


# ------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", required=True, type=Path, help="mirror of HiDream-ai/HiDream-E1")
    parser.add_argument("--home", type=Path, help="studio home to build the tiny model in (default: temporary)")
    parser.add_argument("--write", action="store_true", help="record the golden fixtures in tests/engines/fidelity")
    parser.add_argument("--full", action="store_true", help="also run the whole 144-edit matrix")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="hidream-official-") as tmp:
        commit = extract_official(args.official, Path(tmp))
        module, scripts = import_official(Path(tmp))
        home = args.home or Path(tmp) / "home"
        family = home / "models" / "tiny"
        if not family.exists():
            assert cli_main(["make-tiny", str(family)]) == 0
        engines = {"lora": load_engine(Settings(home=home, model="tiny")),
                   "full": load_engine(Settings(home=home, model="tiny", editor="tiny-full"))}
        for engine in engines.values():
            engine.load()
        official = Official(module, family)
        print(f"official HiDream-E1 {commit}; tiny weights {C.weights_digest(family)[:16]}")
        latents = compare_cases(official, engines, C.CASES)
        deliberate(official, engines)
        if args.full:
            full_matrix(official, engines)
        print("\nsource preparation (E1.1):")
        resizes = resize_checks(scripts)
        generation(family, engines["full"])
        if args.write:
            from safetensors.torch import save_file

            save_file({k: v.contiguous() for k, v in latents.items()}, str(C.LATENTS_FILE))
            index = {"official_repo": "https://github.com/HiDream-ai/HiDream-E1", "official_commit": commit,
                     "tiny_weights_sha256": C.weights_digest(family), "seed": C.SEED,
                     "versions": {"torch": torch.__version__, "diffusers": importlib.import_module("diffusers").__version__,
                                  "transformers": importlib.import_module("transformers").__version__,
                                  "pillow": importlib.import_module("PIL").__version__},
                     "harness": "python bench/fidelity_harness.py --official DIR --write",
                     "cases": [C.case_record(c) for c in C.CASES], "resize_image": resizes}
            C.INDEX_FILE.write_text(json.dumps(index, indent=1) + "\n")
            print(f"\nwrote {C.LATENTS_FILE.relative_to(REPO)} ({C.LATENTS_FILE.stat().st_size // 1024} KB) "
                  f"and {C.INDEX_FILE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
