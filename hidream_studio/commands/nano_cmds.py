"""`hidream-studio nano ...`: train, export and evaluate HiDream-Nano (see hidream_studio/nano/).

    hidream-studio nano train-vae --out /tmp/nano-runs [--steps 1400] [--no-resume] [--decoder-only]
    hidream-studio nano train-i1  --out /tmp/nano-runs [--steps 19000] [--bf16] [--compile]
    hidream-studio nano train-e1  --out /tmp/nano-runs [--steps 800] [--form lora|full] [--rank 32] [--bf16] [--compile]
    hidream-studio nano export    --out /tmp/nano-runs [--to assets/nano] [--what i1|e1|both]
    hidream-studio nano eval --json [--n 40] [--steps 20] [--what gen|edit|both]

The default step counts are the README's two-hour recipe (train-i1 with --bf16 --compile). Every
trainer resumes from OUT/<model>/checkpoint.pt unless --no-resume; torch is imported only when a
subcommand runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..domain import UserError


def register(subparsers) -> None:
    parser = subparsers.add_parser("nano", help="train / export / evaluate the HiDream-Nano models")
    sub = parser.add_subparsers(dest="nano_command", metavar="ACTION", required=True)

    def common(p, steps: int | None):
        p.add_argument("--out", default="/tmp/nano-runs", help="run folder (checkpoints, logs, latent caches)")
        if steps is not None:
            p.add_argument("--steps", type=int, default=steps, help="total optimizer steps to reach")
            p.add_argument("--batch", type=int, default=None, help="batch size")
            p.add_argument("--lr", type=float, default=None)
            p.add_argument("--no-resume", dest="resume", action="store_false", help="start from scratch")
            p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
            p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda[:N]")

    vae = sub.add_parser("train-vae", help="train the AutoencoderKL")
    common(vae, 1400)
    vae.add_argument("--decoder-only", action="store_true",
                     help="fine-tune only the decoder of the trained VAE (latents, and the transformers, stay valid)")
    i1 = sub.add_parser("train-i1", help="train the text-to-image transformer")
    common(i1, 19000)
    e1 = sub.add_parser("train-e1", help="train the editing LoRA over nano-I1")
    common(e1, 800)
    for p in (i1, e1):
        p.add_argument("--bf16", action="store_true", help="bfloat16 autocast forward (weights stay fp32)")
        p.add_argument("--compile", action="store_true", help="torch.compile the transformer (~100 s first)")
    e1.add_argument("--form", choices=("lora", "full"), default="lora")
    e1.add_argument("--rank", type=int, default=32)
    exp = sub.add_parser("export", help="write the trained models to assets/nano (engines/formats.py layout)")
    common(exp, None)
    exp.add_argument("--to", default=None, help="destination (default: the repo's assets/nano)")
    exp.add_argument("--what", choices=("i1", "e1", "both"), default="both")
    ev = sub.add_parser("eval", help="accuracy on held-out prompts (checker), English vs Chinese")
    ev.add_argument("--json", action="store_true", help="print JSON only")
    ev.add_argument("--n", type=int, default=40, help="prompts per (task, language)")
    ev.add_argument("--steps", type=int, default=None, help="denoising steps (default: the preset's)")
    ev.add_argument("--what", choices=("gen", "edit", "both"), default="both")
    ev.add_argument("--guidance", type=float, default=None, help="generation guidance (default: the preset's)")
    ev.add_argument("--edit-guidance", type=float, default=None, help="edit text guidance (default: the preset's)")
    ev.add_argument("--image-guidance", type=float, default=None, help="edit image guidance (default: the preset's)")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--output", default=None, help="also write the JSON to this file")
    parser.set_defaults(func=run)


def _kwargs(args) -> dict:
    out = {"steps": args.steps, "resume": args.resume, "threads": args.threads, "device": args.device}
    if args.batch:
        out["batch_size"] = args.batch
    if args.lr:
        out["lr"] = args.lr
    return out


def run(args, settings) -> int:
    action = args.nano_command
    if action == "train-vae":
        from ..nano import train_vae

        train_vae.train(Path(args.out) / "vae", decoder_only=args.decoder_only, **_kwargs(args))
    elif action == "train-i1":
        from ..nano import train_i1

        _need(Path(args.out) / "vae" / "vae", "train-vae")
        train_i1.train(Path(args.out), bf16=args.bf16, compile=args.compile, **_kwargs(args))
    elif action == "train-e1":
        from ..nano import train_e1

        _need(Path(args.out) / "i1" / "checkpoint.pt", "train-i1")
        train_e1.train(Path(args.out), form=args.form, rank=args.rank, bf16=args.bf16, compile=args.compile,
                       **_kwargs(args))
    elif action == "export":
        from ..nano import export
        from ..nano.common import ASSETS

        dest = Path(args.to) if args.to else ASSETS
        if args.what == "i1" and (dest / "e1-lora").exists():
            raise UserError(f"{dest / 'e1-lora'} is a LoRA over the I1 there now and would not fit a new one: "
                            "retrain E1 over the new I1 (train-e1 --no-resume), then export --what both")
        if args.what == "both":
            _need(Path(args.out) / "e1" / "checkpoint.pt", "train-e1")
            export.check_e1_fits(Path(args.out))  # before anything is written
        if args.what in ("i1", "both"):
            _need(Path(args.out) / "i1" / "checkpoint.pt", "train-i1")
            print(export.export_i1(Path(args.out), dest))
            present = [name for name in ("e1-lora", "e1-full") if (dest / name).exists()]
            export.write_family(dest, present[0] if present else None)
        if args.what in ("e1", "both"):
            _need(Path(args.out) / "e1" / "checkpoint.pt", "train-e1")
            print(export.export_e1(Path(args.out), dest))
    elif action == "eval":
        from ..nano import evaluate

        report = evaluate.run(settings, n=args.n, steps=args.steps, what=args.what, seed=args.seed,
                              guidance=args.guidance, edit_guidance=args.edit_guidance,
                              image_guidance=args.image_guidance)
        text = json.dumps(report, indent=None if args.json else 2, ensure_ascii=False)
        print(text)
        if args.output:
            Path(args.output).write_text(text + "\n")
    return 0


def _need(path: Path, command: str) -> None:
    if not path.exists():
        raise UserError(f"{path} is missing: run `hidream-studio nano {command}` first")
