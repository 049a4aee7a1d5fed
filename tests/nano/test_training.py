"""Training smoke tests on a tiny NanoSpec: every trainer runs, checkpoints, resumes, exports to the
engines/formats.py layout, and the engine loads the export and draws a 128x128 image (seconds on CPU)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from hidream_studio.engines.edit_conditioning import predict_edit_velocity  # noqa: E402
from hidream_studio.nano import train_e1, train_i1, train_vae  # noqa: E402
from hidream_studio.nano.common import NanoSpec, load_checkpoint  # noqa: E402

TINY = NanoSpec(
    vae_channels=(8, 8, 8, 8),
    encoder=dict(clip_hidden=16, clip_projection=8, clip_layers=1, t5_dim=16, t5_layers=1, llama_hidden=16,
                 llama_layers=2, heads=2, max_positions=128),
    transformer=dict(num_layers=1, num_single_layers=1, num_attention_heads=2, attention_head_dim=16,
                     num_routed_experts=0, num_activated_experts=0),
)
# (a 1-layer Llama trips a batch-size check in diffusers' encode_prompt: layers == 1 looks like batch 1)
POOLS = (4, 6, 6)  # two-shape scenes, edits, single-shape scenes


@pytest.fixture(scope="module")
def run_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("nano-run")
    train_vae.train(root / "vae", steps=2, batch_size=2, spec=TINY, threads=1, ckpt_every=1, full_fraction=0.5)
    return root


def test_vae_checkpoint_and_calibrated_factors(run_root):
    assert load_checkpoint(run_root / "vae")["step"] == 2
    vae = train_vae.load_trained(run_root / "vae" / "vae")
    assert vae.config.latent_channels == 16 and vae.config.scaling_factor > 0


def test_vae_decoder_only_fine_tune_keeps_the_latents(tmp_path):
    root = tmp_path / "vae"
    train_vae.train(root, steps=1, batch_size=2, spec=TINY, threads=1, full_fraction=0.5)
    before = train_vae.load_trained(root / "vae")
    train_vae.train(root, steps=2, batch_size=2, spec=TINY, threads=1, decoder_only=True)
    after = train_vae.load_trained(root / "vae")
    assert load_checkpoint(root)["step"] == 2
    for name, value in before.encoder.state_dict().items():
        assert torch.equal(value, after.encoder.state_dict()[name]), name
    assert (before.config.shift_factor, before.config.scaling_factor) == (after.config.shift_factor,
                                                                          after.config.scaling_factor)
    key = next(k for k in before.decoder.state_dict() if k.endswith("weight"))
    assert not torch.equal(before.decoder.state_dict()[key], after.decoder.state_dict()[key])


def test_i1_resumes_from_its_checkpoint(run_root):
    train_i1.train(run_root, steps=2, batch_size=2, spec=TINY, threads=1, ckpt_every=1, pools=POOLS,
                   edit_fraction=0.5)
    first = load_checkpoint(run_root / "i1")
    assert first["step"] == 2
    train_i1.train(run_root, steps=3, batch_size=2, spec=TINY, threads=1, ckpt_every=1, pools=POOLS,
                   edit_fraction=0.5)
    second = load_checkpoint(run_root / "i1")
    assert second["step"] == 3
    name = next(k for k in first["model"] if k.endswith("weight"))
    assert not torch.equal(first["model"][name], second["model"][name])  # it trained on from step 2
    # the text encoders learn with I1 (HiDream's text tokens carry no position: random ones read as bags of words)
    key = next(k for k in first["text"] if k.startswith("text_encoder_4.") and "embed_tokens" in k)
    assert not torch.equal(first["text"][key], second["text"][key])


def test_e1_lora_trains_only_the_adapter_then_exports_and_loads(run_root, tmp_path):
    from hidream_studio.config import Settings
    from hidream_studio.domain import EditRequest, GenerateRequest
    from hidream_studio.engines import load_engine
    from hidream_studio.nano import export, world

    if not (run_root / "i1" / "checkpoint.pt").exists():
        train_i1.train(run_root, steps=1, batch_size=2, spec=TINY, threads=1, pools=POOLS)
    # a large learning rate, so that the adapter visibly changes the output after two steps
    train_e1.train(run_root, steps=2, batch_size=2, spec=TINY, threads=1, rank=4, pools=POOLS, lr=2e-2)
    state = load_checkpoint(run_root / "e1")
    base = train_i1.load_transformer(run_root, spec=TINY).state_dict()
    for key, value in state["model"].items():  # the base weights are untouched by E1 training
        if "lora_" not in key and ".base_layer." not in key and key in base:
            assert torch.equal(value, base[key]), key

    dest = tmp_path / "nano"
    export.export_i1(run_root, dest, spec=TINY)
    export.export_e1(run_root, dest, spec=TINY)
    assert (dest / "i1" / "model_index.json").exists()
    assert (dest / "e1-lora" / "pytorch_lora_weights.safetensors").exists()
    engine = load_engine(Settings(home=tmp_path / "home", model=str(dest), device="cpu"))
    engine.load()
    image = engine.generate(GenerateRequest(prompt="a red circle on a blue background", seed=1, steps=2)).image
    assert image.size == (128, 128)
    source = world.render(world.Scene("blue", (world.Shape("circle", "red", "big", "center"),)))
    edited = engine.edit(EditRequest(instruction="make the circle green", source=source, seed=1, steps=2)).image
    assert edited.size == (128, 128)

    # The exported adapter, loaded by the engine over the exported I1, predicts what training saw
    # (up to the fp16 storage): a LoRA over the wrong base, or a lost key, would not.
    trained, _ = train_e1.load_editor(run_root, spec=TINY)
    loaded = engine.edit_pipeline.editor
    gen = torch.Generator().manual_seed(0)
    noisy, source_latent = torch.randn(2, 1, 16, 16, 16, generator=gen)
    embeds = engine.text.encode("Editing Instruction: make the circle green. Target Image Description: x")

    def velocity(model):
        with torch.no_grad():
            return predict_edit_velocity(model, noisy, source_latent, torch.tensor([700.0]), embeds.t5,
                                         embeds.llama, embeds.pooled)

    want = velocity(trained)
    loaded.enable_adapters()
    loaded.set_adapter("e1")
    got = velocity(loaded)
    loaded.disable_adapters()
    without = velocity(loaded)
    assert (without - want).abs().max() > 4 * (got - want).abs().max(), "the adapter is not what was trained"


def test_e1_refuses_a_base_that_trained_on(run_root, tmp_path):
    """After nano-I1 trains on, the E1 LoRA no longer fits it: resume and export say so, write nothing."""
    from hidream_studio.domain import UserError
    from hidream_studio.nano import export

    assert load_checkpoint(run_root / "e1") is not None  # made by the test above
    step = load_checkpoint(run_root / "i1")["step"]
    train_i1.train(run_root, steps=step + 1, batch_size=2, spec=TINY, threads=1, ckpt_every=1, pools=POOLS)
    with pytest.raises(UserError, match="retrain"):
        export.export_e1(run_root, tmp_path / "dest", spec=TINY)
    assert not (tmp_path / "dest").exists()
    with pytest.raises(UserError, match="retrain"):
        train_e1.train(run_root, steps=3, batch_size=2, spec=TINY, threads=1, rank=4, pools=POOLS)
    train_e1.train(run_root, steps=1, batch_size=2, spec=TINY, threads=1, rank=4, pools=POOLS, resume=False)
    export.export_e1(run_root, tmp_path / "dest", spec=TINY)  # a fresh E1 over the new base fits


def test_device_cuda_without_cuda_is_a_clear_error(tmp_path):
    from hidream_studio.domain import UserError
    from hidream_studio.nano.common import training_device

    assert training_device("cpu").type == "cpu"
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert training_device("auto").type == "cpu"
    with pytest.raises(UserError, match="no CUDA device"):
        train_vae.train(tmp_path / "vae", steps=1, batch_size=2, spec=TINY, threads=1, device="cuda")
    assert not (tmp_path / "vae").exists()  # refused before anything was written


@pytest.mark.gpu
def test_trainers_run_on_cuda_and_checkpoints_load_on_cpu(tmp_path):
    root = tmp_path / "run"
    train_vae.train(root / "vae", steps=2, batch_size=2, spec=TINY, threads=1, full_fraction=0.5, device="cuda")
    train_i1.train(root, steps=2, batch_size=2, spec=TINY, threads=1, pools=POOLS, edit_fraction=0.5, device="cuda")
    train_e1.train(root, steps=2, batch_size=2, spec=TINY, threads=1, rank=4, pools=POOLS, device="cuda")
    for model in ("vae", "i1", "e1"):
        state = load_checkpoint(root / model)
        assert state["step"] == 2
        assert all(t.device.type == "cpu" for t in state["model"].values())
    # and training resumes on the CPU from a checkpoint written on the GPU
    train_i1.train(root, steps=3, batch_size=2, spec=TINY, threads=1, pools=POOLS, edit_fraction=0.5, device="cpu")
    assert load_checkpoint(root / "i1")["step"] == 3


@pytest.mark.slow
def test_bf16_and_compiled_training_keep_fp32_checkpoints_that_resume_plainly(tmp_path):
    """--bf16 --compile change how a step runs, not what is stored: fp32 checkpoints, the same keys,
    resumable without the flags; and a compiled bf16 step computes (nearly) the eager fp32 loss."""
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("torch.compile's CPU backend needs a C++ compiler (apt install g++)")
    root = tmp_path / "run"
    train_vae.train(root / "vae", steps=1, batch_size=2, spec=TINY, threads=1, full_fraction=0.5)
    train_i1.train(root, steps=2, batch_size=2, spec=TINY, threads=1, pools=POOLS, edit_fraction=0.5,
                   bf16=True, compile=True)
    fast = load_checkpoint(root / "i1")
    assert fast["step"] == 2 and all(t.dtype == torch.float32 for t in fast["model"].values())
    assert not any("_orig_mod" in k for k in fast["model"])
    train_i1.train(root, steps=3, batch_size=2, spec=TINY, threads=1, pools=POOLS, edit_fraction=0.5)
    assert load_checkpoint(root / "i1")["step"] == 3
    train_e1.train(root, steps=1, batch_size=2, spec=TINY, threads=1, rank=4, pools=POOLS, bf16=True)
    assert load_checkpoint(root / "e1")["step"] == 1

    from hidream_studio.nano import data, text
    from hidream_studio.nano.common import mixed_precision, speed_up

    pipe = train_i1.build_pipeline(root, spec=TINY)
    pools = data.load_pools(root, pipe.vae, TINY.seed, *POOLS)
    encode = text.PromptEncoder(pipe, TINY.max_sequence_length)
    transformer = pipe.transformer.eval()
    with torch.no_grad():
        plain = train_i1.flow_loss(transformer, pools, encode, 0, 5, 2, False, TINY.shift)
        speed_up(transformer, True)
        with mixed_precision(torch.device("cpu"), True):
            fast = train_i1.flow_loss(transformer, pools, encode, 0, 5, 2, False, TINY.shift).float()
    assert abs(fast.item() - plain.item()) < 0.05 * plain.item() + 1e-3


def test_training_encodes_long_prompts_whole_as_inference_does(tmp_path):
    """Training batches use inference's length rule: a Chinese edit prompt past the padding (40) is
    encoded whole, and each row of the batch equals what the engine's TextEncoders make of it."""
    from hidream_studio.engines.i1 import TextEncoders
    from hidream_studio.nano import text, world

    root = tmp_path / "run"
    train_vae.train(root / "vae", steps=1, batch_size=2, spec=TINY, threads=1, full_fraction=0.5)
    pipe = train_i1.build_pipeline(root, spec=TINY, trained_text=False)
    long = world.edit_prompt("在右边加一个蓝色小正方形", "白色背景，左边一个红色大圆形，右边一个蓝色小正方形")
    prompts = [long, "a red circle on a blue background"]
    t5, llama, pooled = text.PromptEncoder(pipe, TINY.max_sequence_length)(prompts)
    inference = TextEncoders(pipe, "cpu", max_sequence_length=TINY.max_sequence_length)
    length = inference.length_for(*prompts)
    assert TINY.max_sequence_length == 40 < length == t5.shape[1] == llama.shape[2]
    for row, prompt in enumerate(prompts):
        one = inference.encode(prompt, length)
        assert torch.allclose(one.t5[0], t5[row], atol=1e-5) and torch.allclose(one.llama[:, 0], llama[:, row], atol=1e-5)
        assert torch.allclose(one.pooled[0], pooled[row], atol=1e-5)
