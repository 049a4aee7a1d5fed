"""`hidream-studio space-bundle OUT`: a folder ready to push to a Hugging Face Space.

    hidream-studio space-bundle /tmp/space && cd /tmp/space && git init && git lfs track ... (docs/spaces.md)

OUT receives:
  app.py, hidream_studio/   the entry point and the package itself, importable from the app folder
  assets/nano/              the offline model a Space without a GPU (or without HF_TOKEN) serves
  assets/router/router.bin  the router's trained weights (every turn is routed with them)
  requirements.txt          the package's dependencies pinned to the versions installed here
  README.md                 spaces.yaml as front matter, then a short page (models, mode, turn times)
  .gitattributes            LFS for every binary file, as the Hub requires

The Hub's build installs gradio at `sdk_version`, then `requirements.txt` mounted on its own, before
the repository is copied in: a `.` or a wheel path in requirements.txt would not be there, so the
package travels as source next to app.py instead (python puts the script's folder on sys.path).
OUT must not exist or be an empty folder; the bundle is built beside it and renamed into place, so
a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from ..domain import UserError
from . import spaces_cmd

PACKAGE = "hidream-studio"
# Installed by the Hub itself before requirements.txt: gradio at sdk_version, and spaces.
PROVIDED_BY_THE_HUB = ("gradio", "spaces")
# The Hub refuses binary files outside LFS; these are its own default patterns plus images.
LFS_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.ckpt", "*.onnx", "*.npy", "*.npz", "*.pkl",
                "*.h5", "*.msgpack", "*.gguf", "*.zip", "*.tar.gz", "*.png", "*.jpg", "*.jpeg", "*.webp")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".DS_Store")

PAGE = """
## What this Space runs

- **On a GPU with an `HF_TOKEN` secret**: [HiDream-I1-Fast](https://huggingface.co/HiDream-ai/HiDream-I1-Fast)
  draws new images (16 steps) and [HiDream-E1.1](https://huggingface.co/HiDream-ai/HiDream-E1-1) edits
  them (28 steps, the last 30 % refined by I1), in bf16, with
  [Llama-3.1-8B-Instruct](https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct) and T5-XXL reading
  the prompt. Memory mode `{mode}`: the text encoders stay on the GPU and only the transformer that
  runs is moved in, so every call fits a ZeroGPU slice ({slice_gb:.0f} GB).
- **Llama-3.1-8B-Instruct is gated**: give this Space an `HF_TOKEN` secret (Settings → Variables and
  secrets) from an account that accepted its licence. Without it the Space says so on the page and
  serves HiDream-Nano instead.
- **Without a GPU** it serves HiDream-Nano, a small model with the same architecture trained offline
  (the page header names the model in use).

## How long a turn takes

On the ZeroGPU H200 slice: a new image about {generate_s:.0f} s, an edit about {edit_s:.0f} s (step times
measured on an H200; moving a 34 GB transformer onto the slice, once per image and three times per
edit, priced at 25 GB/s). The first turn after a restart also loads the weights. On the CPU, a nano
turn takes a second or two.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "space-bundle",
        help="write a folder ready to push to a Hugging Face Space",
        description="Write app.py, the package, assets/nano, pinned requirements.txt, README.md (from "
                    "spaces.yaml) and .gitattributes into OUT (a new or empty folder).",
    )
    parser.add_argument("out", type=Path, metavar="OUT", help="the folder to create (must not exist or be empty)")
    parser.add_argument("--config", type=Path, help=f"settings file (default: ./{spaces_cmd.CONFIG_NAME}, else the repo's)")
    parser.set_defaults(func=run)


def source_root() -> Path:
    """The checkout this package runs from (app.py, assets/, spaces.yaml live there)."""
    return Path(__file__).resolve().parents[2]


def check_out(out: Path) -> Path:
    """OUT resolved, or UserError when it holds something or its parent cannot take a new folder."""
    out = out.expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a folder: pick a new path for the bundle")
    if out.is_dir() and any(out.iterdir()):
        raise UserError(f"{out} is not empty: pick a new path, or empty it first")
    parent = out.parent
    if not parent.is_dir():
        raise UserError(f"cannot create {out}: {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot create {out}: {parent} is not writable")
    return out


def requirements() -> str:
    """The package's core dependencies pinned to the installed versions (local labels like +cpu dropped)."""
    from packaging.requirements import Requirement  # comes with pip, gradio and huggingface_hub

    try:
        declared = metadata.requires(PACKAGE) or []
    except metadata.PackageNotFoundError:
        raise UserError(f"{PACKAGE} is not installed (pip install -e .): its dependencies cannot be pinned") from None
    lines = [f"# {PACKAGE}'s dependencies as installed where the bundle was made and tested.",
             "# gradio (at sdk_version) and spaces are installed by the Hub before this file.",
             "# On the Hub's Linux builders torch==X comes from PyPI with CUDA; a CPU machine takes its CPU build."]
    for text in declared:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # an optional extra
        if req.name.lower() in PROVIDED_BY_THE_HUB:
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            raise UserError(f"{req.name} (a dependency of {PACKAGE}) is not installed: cannot pin it") from None
        lines.append(f"{req.name}=={version.split('+')[0]}")
    return "\n".join(lines) + "\n"


def page_figures() -> dict[str, float]:
    """Turn times for the page from the duration model and the memory plan (no headroom: expected, not asked)."""
    from ..engines.duration import HEADROOM, turn_seconds
    from ..engines.memory_plan import BUDGETS, component_sizes
    from ..engines.presets import PRESETS

    transformer = component_sizes()["i1"].weight_bytes("bf16")
    fast, e1 = PRESETS["i1-fast"], PRESETS["e1-1"]
    generate = turn_seconds(fast, fast.steps, 1024, 1024, moved_bytes=transformer) / HEADROOM
    edit = turn_seconds(e1, e1.steps, 1024, 1024, refiner=fast, refine_strength=e1.refine_strength,
                        moved_bytes=3 * transformer) / HEADROOM
    return {"generate_s": generate, "edit_s": edit, "slice_gb": BUDGETS["zerogpu"] / 2**30}


def render_page(config: dict) -> str:
    from ..spaces_support import SPACE_MEMORY_MODE

    return spaces_cmd.render_readme(config) + PAGE.format(mode=SPACE_MEMORY_MODE, **page_figures())


def gitattributes(folder: Path) -> str:
    """LFS lines for the Hub's patterns plus any other binary file in `folder`."""
    patterns = list(LFS_PATTERNS)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(path.match(p) for p in patterns) and _is_binary(path):
            patterns.append("/" + path.relative_to(folder).as_posix())
    return "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in patterns)


def _is_binary(path: Path) -> bool:
    with path.open("rb") as f:
        return b"\0" in f.read(8192)


def check_sdk_version(config: dict) -> None:
    """The Space must run the gradio the tests ran with."""
    installed = metadata.version("gradio")
    if str(config["sdk_version"]) != installed:
        raise UserError(f"spaces.yaml says sdk_version {config['sdk_version']} but gradio {installed} is installed: "
                        "make them the same so the Space runs what was tested")


def write_bundle(out: Path, config: dict, root: Path) -> None:
    """Everything into a temporary folder beside `out`, then one rename."""
    nano = root / "assets" / "nano"
    router = root / "assets" / "router" / "router.bin"
    for needed in (root / config["app_file"], nano, router):
        if not needed.exists():
            raise UserError(f"{needed} is missing: the bundle is made from a source checkout")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as exc:
        raise UserError(f"cannot create {out}: {exc.strerror or exc}") from None
    try:
        shutil.copy2(root / config["app_file"], tmp / config["app_file"])
        shutil.copytree(root / "hidream_studio", tmp / "hidream_studio", ignore=SKIP)
        shutil.copytree(nano, tmp / "assets" / "nano", ignore=SKIP)
        (tmp / "assets" / "router").mkdir()
        shutil.copy2(router, tmp / "assets" / "router" / router.name)
        (tmp / "requirements.txt").write_text(requirements(), encoding="utf-8")
        (tmp / "README.md").write_text(render_page(config), encoding="utf-8")
        (tmp / ".gitattributes").write_text(gitattributes(tmp), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it private
        os.replace(tmp, out)  # also replaces an empty folder
    except OSError as exc:
        raise UserError(f"cannot write the bundle to {out}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, settings) -> int:  # noqa: ARG001 - needs no studio settings
    out = check_out(args.out)
    config = spaces_cmd.load_config(spaces_cmd.find_config(args.config))
    check_sdk_version(config)
    write_bundle(out, config, source_root())
    print(out)
    return 0
