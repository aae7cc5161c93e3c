"""`epoch import` of a Hugging Face Mamba checkpoint, without a network or torch.

The tests write a tiny checkpoint in transformers' layout (config.json, model.safetensors with
MambaForCausalLM's tensor names) and check the imported IR three ways: the reference
interpreter against an independent float64 forward written from transformers'
`MambaMixer.slow_forward`; the emulator against the reference interpreter; and a prefill
followed by decode steps against one prefill of the whole sequence.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.importers.hf_mamba import (
    CheckpointError,
    MambaConfig,
    mamba_module,
    parameters,
    read_checkpoint,
    weight_inputs,
)
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.machine import load_machine
from tests.cli.process import assert_user_error, epoch

safetensors_numpy = pytest.importorskip("safetensors.numpy")

CONFIG = {
    "model_type": "mamba",
    "hidden_size": 8,
    "intermediate_size": 16,
    "state_size": 4,
    "num_hidden_layers": 2,
    "conv_kernel": 4,
    "time_step_rank": 2,
    "vocab_size": 20,
    "layer_norm_epsilon": 1e-5,
    "use_bias": False,
    "use_conv_bias": True,
    "hidden_act": "silu",
    "tie_word_embeddings": True,
}


def write_checkpoint(directory: Path, config: dict | None = None, seed: int = 0) -> Path:
    """A random tiny MambaForCausalLM checkpoint (tied embeddings, so no lm_head tensor)."""
    config = config or CONFIG
    rng = np.random.default_rng(seed)
    h, d, n = config["hidden_size"], config["intermediate_size"], config["state_size"]
    k, r, v = config["conv_kernel"], config["time_step_rank"], config["vocab_size"]
    tensors = {"backbone.embeddings.weight": rng.normal(size=(v, h))}
    for i in range(config["num_hidden_layers"]):
        p = f"backbone.layers.{i}."
        tensors |= {
            p + "norm.weight": 1 + 0.1 * rng.normal(size=h),
            p + "mixer.in_proj.weight": rng.normal(size=(2 * d, h)) / np.sqrt(h),
            p + "mixer.conv1d.weight": rng.normal(size=(d, 1, k)) / np.sqrt(k),
            p + "mixer.conv1d.bias": 0.1 * rng.normal(size=d),
            p + "mixer.x_proj.weight": rng.normal(size=(r + 2 * n, d)) / np.sqrt(d),
            p + "mixer.dt_proj.weight": rng.normal(size=(d, r)) / np.sqrt(r),
            p + "mixer.dt_proj.bias": rng.uniform(-4, -2, size=d),
            p + "mixer.A_log": np.log(np.tile(np.arange(1, n + 1), (d, 1))),
            p + "mixer.D": np.ones(d),
            p + "mixer.out_proj.weight": rng.normal(size=(h, d)) / np.sqrt(d),
        }
    tensors["backbone.norm_f.weight"] = 1 + 0.1 * rng.normal(size=h)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    safetensors_numpy.save_file(
        {name: np.asarray(t, np.float32) for name, t in tensors.items()},
        str(directory / "model.safetensors"),
    )
    return directory


def hf_forward(directory: Path, ids: np.ndarray) -> np.ndarray:
    """transformers' MambaForCausalLM forward (slow path), batch 1, in float64 numpy."""
    config = json.loads((directory / "config.json").read_text())
    w = {
        k: v.astype(np.float64)
        for k, v in safetensors_numpy.load_file(str(directory / "model.safetensors")).items()
    }
    eps, d = config["layer_norm_epsilon"], config["intermediate_size"]
    r, n, k = config["time_step_rank"], config["state_size"], config["conv_kernel"]

    def rms(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return weight * (x / np.sqrt((x**2).mean(-1, keepdims=True) + eps))

    def silu(x: np.ndarray) -> np.ndarray:
        return x / (1 + np.exp(-x))

    hidden = w["backbone.embeddings.weight"][ids]
    steps = len(ids)
    for i in range(config["num_hidden_layers"]):
        p = f"backbone.layers.{i}."
        residual = hidden
        projected = rms(hidden, w[p + "norm.weight"]) @ w[p + "mixer.in_proj.weight"].T
        x, gate = projected[:, :d], projected[:, d:]
        padded = np.concatenate([np.zeros((k - 1, d)), x])
        conv = w[p + "mixer.conv1d.weight"][:, 0, :]
        x = silu(
            sum(conv[:, j] * padded[j : j + steps] for j in range(k)) + w[p + "mixer.conv1d.bias"]
        )
        ssm = x @ w[p + "mixer.x_proj.weight"].T
        dt, B, C = ssm[:, :r], ssm[:, r : r + n], ssm[:, r + n :]
        dt = np.logaddexp(0, dt @ w[p + "mixer.dt_proj.weight"].T + w[p + "mixer.dt_proj.bias"])
        A = -np.exp(w[p + "mixer.A_log"])
        state = np.zeros((d, n))
        y = np.empty((steps, d))
        for t in range(steps):
            state = np.exp(A * dt[t, :, None]) * state + dt[t, :, None] * B[t] * x[t, :, None]
            y[t] = state @ C[t]
        y = (y + x * w[p + "mixer.D"]) * silu(gate)
        hidden = residual + y @ w[p + "mixer.out_proj.weight"].T
    hidden = rms(hidden, w["backbone.norm_f.weight"])
    return hidden @ w["backbone.embeddings.weight"].T


def imported(
    directory: Path, length: int, decode: bool = False, batch: int = 1
) -> tuple[str, dict]:
    config, weights = read_checkpoint(directory)
    params = parameters(config, weights)
    return mamba_module(config, params, length, decode, batch), weight_inputs(params)


def reference(text: str, inputs: dict) -> dict[str, np.ndarray]:
    return run_reference(parse_module(make_context(), SourceText("mamba.mlir", text)), inputs)


IDS = np.array([3, 17, 0, 5, 5, 19, 8, 1, 12, 4, 9], np.int32)


def test_the_imported_model_computes_transformers_logits(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    text, weights = imported(checkpoint, len(IDS))
    logits = reference(text, {"arg0": IDS, **weights})["res0"]
    np.testing.assert_allclose(logits, hf_forward(checkpoint, IDS), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("hw", ["small", "epochcore", "tpu"])
def test_the_emulator_runs_the_imported_model(tmp_path: Path, hw: str) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    text, weights = imported(checkpoint, len(IDS))
    source = tmp_path / "prefill.mlir"
    source.write_text(text)
    machine = load_machine(hw)
    program = compile_file(source, machine, hw, None, None).program
    inputs = {"arg0": IDS, **weights}
    outputs = Emulator(program, machine).run(inputs).outputs
    assert "match" in check_against(outputs, reference(text, inputs))


def test_a_prefill_then_decode_steps_equal_one_prefill_of_the_whole(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    prompt, rest = IDS[:8], IDS[8:]
    machine = load_machine("small")

    def run(text: str, inputs: dict) -> dict[str, np.ndarray]:
        source = tmp_path / "model.mlir"
        source.write_text(text)
        program = compile_file(source, machine, "small", None, None).program
        return Emulator(program, machine).run(inputs).outputs

    whole_text, weights = imported(checkpoint, len(IDS))
    whole = run(whole_text, {"arg0": IDS, **weights})
    prefill_text, _ = imported(checkpoint, len(prompt))
    step_text, _ = imported(checkpoint, len(prompt), decode=True)
    outputs = run(prefill_text, {"arg0": prompt, **weights})
    logits = [outputs["res0"]]
    states = [outputs[f"res{i}"] for i in range(1, 1 + 2 * CONFIG["num_hidden_layers"])]
    for token in rest:
        first_state = 1 + len(weights)
        step_inputs = {"arg0": np.array([token], np.int32), **weights}
        step_inputs |= {f"arg{first_state + j}": s for j, s in enumerate(states)}
        outputs = run(step_text, step_inputs)
        logits.append(outputs["res0"])
        states = [outputs[f"res{i}"] for i in range(1, 1 + len(states))]
    np.testing.assert_allclose(np.concatenate(logits), whole["res0"], rtol=1e-4, atol=1e-4)


def test_sharded_checkpoints_read_through_their_index(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    tensors = safetensors_numpy.load_file(str(checkpoint / "model.safetensors"))
    (checkpoint / "model.safetensors").unlink()
    names = sorted(tensors)
    halves = {
        "model-00001-of-00002.safetensors": names[::2],
        "model-00002-of-00002.safetensors": names[1::2],
    }
    weight_map = {}
    for shard, members in halves.items():
        safetensors_numpy.save_file({m: tensors[m] for m in members}, str(checkpoint / shard))
        weight_map |= dict.fromkeys(members, shard)
    (checkpoint / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    config, weights = read_checkpoint(checkpoint)
    assert set(weights) == set(names)
    assert len(parameters(config, weights)) == 1 + 10 * 2 + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_config", "missing config.json"),
        ("model_type", 'model_type is "llama"'),
        ("no_weights", "missing model.safetensors"),
        ("shape", "tensor 'backbone.layers.0.mixer.D' has shape (15,), but the config gives (16,)"),
        ("missing", "the checkpoint has no tensor 'backbone.layers.1.mixer.A_log'"),
        ("config_list", "config.json: must hold a JSON object, got list"),
        ("index_garbage", "model.safetensors.index.json: not JSON"),
    ],
)
def test_a_bad_checkpoint_is_one_clear_line(tmp_path: Path, change: str, message: str) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    if change == "no_config":
        (checkpoint / "config.json").unlink()
    elif change == "model_type":
        (checkpoint / "config.json").write_text(json.dumps({**CONFIG, "model_type": "llama"}))
    elif change == "no_weights":
        (checkpoint / "model.safetensors").unlink()
    elif change == "config_list":
        (checkpoint / "config.json").write_text("[1, 2]")
    elif change == "index_garbage":
        (checkpoint / "model.safetensors").unlink()
        (checkpoint / "model.safetensors.index.json").write_text("{not json")
    else:
        tensors = safetensors_numpy.load_file(str(checkpoint / "model.safetensors"))
        if change == "shape":
            tensors["backbone.layers.0.mixer.D"] = np.ones(15, np.float32)
        else:
            del tensors["backbone.layers.1.mixer.A_log"]
        safetensors_numpy.save_file(tensors, str(checkpoint / "model.safetensors"))
    result = epoch("import", str(checkpoint), "-o", str(tmp_path / "out"))
    assert_user_error(result, message)


def test_epoch_import_writes_runnable_models(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    out = tmp_path / "out"
    result = epoch("import", str(checkpoint), "-o", str(out), "--length", "5")
    assert result.returncode == 0, result.stderr
    weights = dict(np.load(out / "weights.npz"))
    inputs = {"arg0": IDS[:5], **weights}
    logits = reference((out / "prefill.mlir").read_text(), inputs)["res0"]
    np.testing.assert_allclose(logits, hf_forward(checkpoint, IDS[:5]), rtol=1e-5, atol=1e-5)
    assert "state %conv0" in (out / "decode.mlir").read_text()


def test_the_config_reads_transformers_defaults() -> None:
    config = MambaConfig.from_json(
        {
            "model_type": "mamba",
            "hidden_size": 768,
            "state_size": 16,
            "num_hidden_layers": 24,
            "vocab_size": 50280,
            "expand": 2,
        },
        "config.json",
    )
    assert (config.inner, config.dt_rank, config.kernel) == (1536, 48, 4)
    with pytest.raises(CheckpointError, match=r"config\.json has no 'vocab_size'"):
        MambaConfig.from_json(
            {"model_type": "mamba", "hidden_size": 8, "state_size": 4, "num_hidden_layers": 1},
            "config.json",
        )


@pytest.mark.parametrize("mode", ["emulator", "reference"])
def test_epoch_generate_decodes_greedily_like_transformers(tmp_path: Path, mode: str) -> None:
    # seed 2: the greedy continuation changes token (5, then 0s), so a stale state would show
    checkpoint = write_checkpoint(tmp_path / "ckpt", seed=2)
    prompt, expected = [3, 17, 0, 5], []
    for _ in range(4):
        sequence = np.array(prompt + expected)
        expected.append(int(np.argmax(hf_forward(checkpoint, sequence)[-1])))
    result = tmp_path / "result.json"
    flags = ["--reference"] if mode == "reference" else ["--hw", "small"]
    run = epoch(
        "generate",
        str(checkpoint),
        "--prompt-ids",
        "3,17,0,5",
        "-n",
        "4",
        *flags,
        "-o",
        str(result),
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(result.read_text())
    assert report["prompt_ids"] == prompt
    assert report["generated_ids"] == [expected]
    assert f"generated ids: {','.join(map(str, expected))}" in run.stdout
    if mode == "emulator":
        assert report["prefill"]["tokens"] == 4 and report["decode"]["tokens"] == 3
        assert report["decode"]["cycles"] > 0 and report["decode"]["energy_uj_per_token"] > 0


@pytest.mark.parametrize("hw", ["epochcore", "tpu"])
def test_a_batch_of_prompts_gives_each_its_own_logits(tmp_path: Path, hw: str) -> None:
    """Three different prompts in one batched prefill: each row's logits are transformers'
    for that prompt alone, on the emulator."""
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    prompts = np.stack([IDS[:6], IDS[5:], IDS[::2]]).astype(np.int32)
    text, weights = imported(checkpoint, 6, batch=3)
    source = tmp_path / "prefill.mlir"
    source.write_text(text)
    machine = load_machine(hw)
    program = compile_file(source, machine, hw, None, None).program
    outputs = Emulator(program, machine).run({"arg0": prompts, **weights}).outputs
    for row, prompt in enumerate(prompts):
        expected = hf_forward(checkpoint, prompt)
        scale = np.abs(expected).max()
        np.testing.assert_allclose(outputs["res0"][row], expected, atol=1e-4 * scale)


def test_batched_decode_steps_continue_each_sequence(tmp_path: Path) -> None:
    """A batched prefill of 6 then batched decode steps (states B x ...) equal running each
    sequence whole (reference interpreter)."""
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    sequences = np.stack([IDS[:9], IDS[2:]]).astype(np.int32)
    prefill, weights = imported(checkpoint, 6, batch=2)
    decode, _ = imported(checkpoint, 6, decode=True, batch=2)
    outputs = reference(prefill, {"arg0": sequences[:, :6], **weights})
    states = len([key for key in outputs if key != "res0"])
    logits = [outputs["res0"][:, -1]]
    for step in range(6, 9):
        inputs = {"arg0": sequences[:, step : step + 1], **weights}
        inputs |= {f"arg{len(weights) + 1 + j}": outputs[f"res{1 + j}"] for j in range(states)}
        outputs = reference(decode, inputs)
        logits.append(outputs["res0"][:, -1])
    for row, sequence in enumerate(sequences):
        whole = hf_forward(checkpoint, sequence)
        for offset, step_logits in enumerate(logits):
            np.testing.assert_allclose(step_logits[row], whole[5 + offset], rtol=1e-6, atol=1e-6)


def test_epoch_generate_runs_copies_of_the_prompt_as_a_batch(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt", seed=2)
    single, batched = tmp_path / "single.json", tmp_path / "batched.json"
    for batch, result in ((1, single), (3, batched)):
        run = epoch(
            "generate",
            str(checkpoint),
            "--prompt-ids",
            "3,17,0,5",
            "-n",
            "3",
            "--hw",
            "small",
            "--batch",
            str(batch),
            "-o",
            str(result),
        )
        assert run.returncode == 0, run.stderr
    one, three = json.loads(single.read_text()), json.loads(batched.read_text())
    assert three["generated_ids"] == one["generated_ids"] * 3
    assert three["prefill"]["tokens"] == 12 and three["decode"]["tokens"] == 6
    assert "generated ids [2]: " in run.stdout


def test_epoch_generate_refuses_an_id_outside_the_vocabulary(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "ckpt")
    run = epoch("generate", str(checkpoint), "--prompt-ids", "3,99", "--reference")
    assert_user_error(run, "id 99 is outside the vocabulary of 20")


def test_logits_and_greedy_ids_match_transformers_itself(tmp_path: Path) -> None:
    """Against transformers' own MambaForCausalLM in float64, where it is installed."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.MambaConfig(
        vocab_size=40,
        hidden_size=16,
        state_size=8,
        num_hidden_layers=2,
        conv_kernel=4,
        expand=2,
        time_step_rank=4,
        use_bias=False,
        use_conv_bias=True,
    )
    model = transformers.MambaForCausalLM(config).eval()
    checkpoint = tmp_path / "ckpt"
    model.save_pretrained(checkpoint, safe_serialization=True)
    model = model.double()
    prompt = [5, 11, 2, 39, 7, 7, 20]
    with torch.no_grad():
        expected = model(torch.tensor([prompt])).logits[0].numpy()
        generated = model.generate(
            torch.tensor([prompt]), max_new_tokens=4, do_sample=False, use_cache=True
        )[0, len(prompt) :].tolist()
    text, weights = imported(checkpoint, len(prompt))
    inputs = {"arg0": np.array(prompt, np.int32), **weights}
    logits = reference(text, inputs)["res0"]
    np.testing.assert_allclose(logits, expected, rtol=1e-6, atol=1e-6)
    source = tmp_path / "prefill.mlir"
    source.write_text(text)
    machine = load_machine("epochcore")
    program = compile_file(source, machine, "epochcore", None, None).program
    outputs = Emulator(program, machine).run(inputs).outputs
    reference_logits = {"res0": expected.astype(np.float32)}
    assert "match" in check_against({"res0": outputs["res0"]}, reference_logits)
    run = epoch(
        "generate",
        str(checkpoint),
        "--prompt-ids",
        ",".join(map(str, prompt)),
        "-n",
        "4",
        "--hw",
        "small",
    )
    assert run.returncode == 0, run.stderr
    assert f"generated ids: {','.join(map(str, generated))}" in run.stdout


def test_epoch_generate_prints_text_with_the_checkpoints_tokenizer(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    checkpoint = write_checkpoint(tmp_path / "ckpt", seed=2)
    vocab = {f"w{i}": i for i in range(CONFIG["vocab_size"])}
    tokenizer = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="w0"))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer.save(str(checkpoint / "tokenizer.json"))
    run = epoch("generate", str(checkpoint), "--prompt-ids", "3,17", "-n", "2", "--reference")
    assert run.returncode == 0, run.stderr
    assert "text: w3 w17 " in run.stdout
