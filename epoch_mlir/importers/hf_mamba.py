"""Hugging Face Mamba checkpoints (`MambaForCausalLM`) as `nn`/`ssm` IR.

A checkpoint directory holds config.json (`model_type = "mamba"`) and the weights as
model.safetensors, or as shards listed by model.safetensors.index.json. They are read with
the `safetensors` package's numpy API (no torch), checked against the config, and written as
two entry functions of the same weights:

- the prefill model: `length` token ids -> the logits of every position and each layer's
  convolution and SSM states after the last token;
- the decode-step model: one token id and each layer's states -> its logits and the new states.

The ids are `arg0`; the weights are `arg1 ..` in one fixed order, the same in both models (so one
weights.npz serves both), and the decode model's states follow them, two per layer (conv, ssm).
Results: `res0` the logits, then the states in the same order. The math is transformers'
`MambaMixer.slow_forward`: RMS norm, in_proj split into x and the gate z, the causal convolution
and silu, x_proj split into delta (dt_rank), B and C, dt_proj with its bias, the selective scan
(softplus on delta, A = -exp(A_log)) gated by silu(z), out_proj, and the residual.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from epoch_mlir.errors import EpochError


class CheckpointError(EpochError):
    """A checkpoint directory that is missing files, of another model type, or whose weights
    disagree with its config."""


@dataclass(frozen=True)
class MambaConfig:
    """The parts of transformers' `MambaConfig` the model's shapes and math depend on."""

    hidden: int  # hidden_size (d_model)
    inner: int  # intermediate_size (expand x d_model)
    state: int  # state_size (N)
    kernel: int  # conv_kernel
    dt_rank: int  # time_step_rank
    layers: int  # num_hidden_layers
    vocab: int  # vocab_size
    eps: float  # layer_norm_epsilon
    use_bias: bool  # in_proj and out_proj biases
    use_conv_bias: bool

    @staticmethod
    def from_json(config: dict[str, Any], where: str) -> MambaConfig:
        model_type = config.get("model_type")
        if model_type != "mamba":
            raise CheckpointError(
                f'model_type is "{model_type}"; epoch import reads "mamba" checkpoints '
                "(transformers' MambaForCausalLM)",
                where,
            )
        try:
            hidden = int(config["hidden_size"])
            inner = int(config.get("intermediate_size") or config.get("expand", 2) * hidden)
            rank = config.get("time_step_rank", "auto")
            dt_rank = math.ceil(hidden / 16) if rank == "auto" else int(rank)
            hidden_act = config.get("hidden_act", "silu")
            if hidden_act != "silu":
                raise CheckpointError(f'hidden_act "{hidden_act}" is not handled (silu)', where)
            return MambaConfig(
                hidden=hidden,
                inner=inner,
                state=int(config["state_size"]),
                kernel=int(config.get("conv_kernel", 4)),
                dt_rank=dt_rank,
                layers=int(config["num_hidden_layers"]),
                vocab=int(config["vocab_size"]),
                eps=float(config.get("layer_norm_epsilon", 1e-5)),
                use_bias=bool(config.get("use_bias", False)),
                use_conv_bias=bool(config.get("use_conv_bias", True)),
            )
        except KeyError as missing:
            raise CheckpointError(f"config.json has no {missing}", where) from None
        except (TypeError, ValueError) as error:
            raise CheckpointError(f"config.json: {error}", where) from None


def read_checkpoint(directory: Path) -> tuple[MambaConfig, dict[str, np.ndarray]]:
    """The config and every weight of the checkpoint in `directory`, as float32 arrays."""
    if not directory.is_dir():
        raise CheckpointError("not a checkpoint directory", str(directory))
    config_path = directory / "config.json"
    if not config_path.is_file():
        raise CheckpointError("missing config.json", str(directory))
    config = MambaConfig.from_json(_json_object(config_path), str(config_path))
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise CheckpointError(
            "reading checkpoints needs the safetensors package: pip install 'epoch-mlir[hf]'"
        ) from None
    single, index = directory / "model.safetensors", directory / "model.safetensors.index.json"
    if single.is_file():
        shards = [single]
    elif index.is_file():
        weight_map = _json_object(index).get("weight_map", {})
        if not isinstance(weight_map, dict):
            raise CheckpointError("weight_map must map tensor names to shard files", str(index))
        shards = [directory / name for name in sorted(set(weight_map.values()))]
    else:
        raise CheckpointError(
            "missing model.safetensors (or model.safetensors.index.json)", str(directory)
        )
    weights: dict[str, np.ndarray] = {}
    for shard in shards:
        if not shard.is_file():
            raise CheckpointError("missing shard named by the index", str(shard))
        try:
            tensors = load_file(str(shard))
        except Exception as error:  # the package's own errors: a corrupt or foreign file
            raise CheckpointError(f"cannot read: {error}", str(shard)) from None
        weights.update({name: np.asarray(t, np.float32) for name, t in tensors.items()})
    return config, weights


def _json_object(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; a CheckpointError naming it for anything else."""
    try:
        value = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"not JSON: {error}", str(path)) from None
    if not isinstance(value, dict):
        raise CheckpointError(f"must hold a JSON object, got {type(value).__name__}", str(path))
    return value


@dataclass(frozen=True)
class Parameter:
    """One weight argument: its checkpoint name, the shape the IR uses, and the array."""

    name: str
    shape: tuple[int, ...]
    value: np.ndarray


def parameters(config: MambaConfig, weights: dict[str, np.ndarray]) -> list[Parameter]:
    """The weight arguments in argument order, reshaped for the IR; a CheckpointError names a
    missing tensor or one whose shape disagrees with the config."""
    h, d, n, k, r = config.hidden, config.inner, config.state, config.kernel, config.dt_rank
    found: list[Parameter] = []

    def take(name: str, expected: tuple[int, ...], as_shape: tuple[int, ...] | None = None) -> None:
        value = weights.get(name)
        if value is None:
            raise CheckpointError(f"the checkpoint has no tensor '{name}'")
        if tuple(value.shape) != expected:
            raise CheckpointError(
                f"tensor '{name}' has shape {tuple(value.shape)}, but the config gives {expected}"
            )
        shape = as_shape or expected
        found.append(Parameter(name, shape, np.ascontiguousarray(value.reshape(shape))))

    take("backbone.embeddings.weight", (config.vocab, h))
    for i in range(config.layers):
        p = f"backbone.layers.{i}."
        take(p + "norm.weight", (h,))
        take(p + "mixer.in_proj.weight", (2 * d, h))
        if config.use_bias:
            take(p + "mixer.in_proj.bias", (2 * d,))
        take(p + "mixer.conv1d.weight", (d, 1, k), (d, k))
        if config.use_conv_bias:
            take(p + "mixer.conv1d.bias", (d,))
        take(p + "mixer.x_proj.weight", (r + 2 * n, d))
        take(p + "mixer.dt_proj.weight", (d, r))
        take(p + "mixer.dt_proj.bias", (d,))
        take(p + "mixer.A_log", (d, n))
        take(p + "mixer.D", (d,))
        take(p + "mixer.out_proj.weight", (h, d))
        if config.use_bias:
            take(p + "mixer.out_proj.bias", (h,))
    take("backbone.norm_f.weight", (h,))
    if "lm_head.weight" in weights:  # else tied to the embeddings: the IR reads that table
        take("lm_head.weight", (config.vocab, h))
    return found


def _t(*shape: int, element: str = "f32") -> str:
    return f"tensor<{'x'.join(map(str, shape))}x{element}>"


def mamba_module(
    config: MambaConfig, params: list[Parameter], length: int, decode: bool, batch: int = 1
) -> str:
    """The IR of the prefill model (`length` tokens, states from zero) or of one decode step
    (one token, states in and out); see the module docstring for the arguments. With `batch`
    B > 1 the ids, activations, states and logits carry a leading batch dimension (B
    independent sequences sharing the weights); batch 1 has none."""
    h, d, n, k, r = config.hidden, config.inner, config.state, config.kernel, config.dt_rank
    steps = 1 if decode else length

    def _s(*shape: int, element: str = "f32") -> str:  # a per-sequence tensor: batched
        return _t(*((batch,) if batch > 1 else ()), *shape, element=element)

    arguments = [f"%ids: {_s(steps, element='i32')}"]
    names: dict[str, str] = {}
    for index, param in enumerate(params, start=1):
        names[param.name] = f"%w{index}"
        arguments.append(f"%w{index}: {_t(*param.shape)}")
    conv_state, ssm_state = _s(k - 1, d), _s(d, n)
    body: list[str] = []
    if decode:
        for i in range(config.layers):
            arguments += [f"%conv{i}: {conv_state}", f"%ssm{i}: {ssm_state}"]
    else:
        body += [
            f"%conv_zero = arith.constant dense<0.0> : {conv_state}",
            f"%ssm_zero = arith.constant dense<0.0> : {ssm_state}",
        ]
    x, xd = _s(steps, h), _s(steps, d)
    body.append(
        f"%h0 = nn.embedding %ids, {names['backbone.embeddings.weight']} : "
        f"({_s(steps, element='i32')}, {_t(config.vocab, h)}) -> {x}"
    )
    results: list[tuple[str, str]] = []
    for i in range(config.layers):

        def w(key: str, i: int = i) -> str:
            return names[f"backbone.layers.{i}.{key}"]

        c0, x0 = (f"%conv{i}", f"%ssm{i}") if decode else ("%conv_zero", "%ssm_zero")
        in_bias = f", {w('mixer.in_proj.bias')}" if config.use_bias else ""
        in_bias_t = f", {_t(2 * d)}" if config.use_bias else ""
        conv_bias = f", {w('mixer.conv1d.bias')}" if config.use_conv_bias else ""
        conv_bias_t = f", {_t(d)}" if config.use_conv_bias else ""
        out_bias = f", {w('mixer.out_proj.bias')}" if config.use_bias else ""
        out_bias_t = f", {_t(h)}" if config.use_bias else ""
        xz, proj, tn, tr = _s(steps, 2 * d), _s(steps, r + 2 * n), _s(steps, n), _s(steps, r)
        body += [
            f"%n{i} = nn.rms_norm %h{i}, {w('norm.weight')} eps {config.eps:e} : "
            f"({x}, {_t(h)}) -> {x}",
            f"%xz{i} = nn.linear %n{i}, {w('mixer.in_proj.weight')}{in_bias} : "
            f"({x}, {_t(2 * d, h)}{in_bias_t}) -> {xz}",
            f"%x{i} = nn.slice %xz{i} start 0 : {xz} -> {xd}",
            f"%z{i} = nn.slice %xz{i} start {d} : {xz} -> {xd}",
            f"%conv{i}_y, %conv{i}_last = nn.causal_conv1d %x{i}, {w('mixer.conv1d.weight')}"
            f"{conv_bias} state {c0} : ({xd}, {_t(d, k)}{conv_bias_t}, {conv_state}) -> "
            f"{xd}, {conv_state}",
            f"%u{i} = nn.silu %conv{i}_y : {xd}",
            f"%p{i} = nn.linear %u{i}, {w('mixer.x_proj.weight')} : "
            f"({xd}, {_t(r + 2 * n, d)}) -> {proj}",
            f"%dt{i} = nn.slice %p{i} start 0 : {proj} -> {tr}",
            f"%B{i} = nn.slice %p{i} start {r} : {proj} -> {tn}",
            f"%C{i} = nn.slice %p{i} start {r + n} : {proj} -> {tn}",
            f"%delta{i} = nn.linear %dt{i}, {w('mixer.dt_proj.weight')}, "
            f"{w('mixer.dt_proj.bias')} : ({tr}, {_t(d, r)}, {_t(d)}) -> {xd}",
            f"%expA{i} = nn.exp {w('mixer.A_log')} : {_t(d, n)}",
            f"%A{i} = nn.neg %expA{i} : {_t(d, n)}",
            f"%y{i}, %ssm{i}_last = ssm.selective_scan %u{i}, %delta{i}, %A{i}, %B{i}, %C{i}, "
            f"{w('mixer.D')}, %z{i} state {x0} delta_softplus : ({xd}, {xd}, {_t(d, n)}, {tn}, "
            f"{tn}, {_t(d)}, {xd}, {ssm_state}) -> {xd}, {ssm_state}",
            f"%o{i} = nn.linear %y{i}, {w('mixer.out_proj.weight')}{out_bias} : "
            f"({xd}, {_t(h, d)}{out_bias_t}) -> {x}",
            f"%h{i + 1} = nn.add %o{i}, %h{i} : {x}",
        ]
        results += [(f"%conv{i}_last", conv_state), (f"%ssm{i}_last", ssm_state)]
    last, logits = f"%h{config.layers}", _s(steps, config.vocab)
    head = names.get("lm_head.weight", names["backbone.embeddings.weight"])  # tied: the table
    body += [
        f"%nf = nn.rms_norm {last}, {names['backbone.norm_f.weight']} eps {config.eps:e} : "
        f"({x}, {_t(h)}) -> {x}",
        f"%logits = nn.linear %nf, {head} : ({x}, {_t(config.vocab, h)}) -> {logits}",
    ]
    returned = [("%logits", logits), *results]
    signature = ", ".join(arguments)
    result_types = ", ".join(t for _, t in returned)
    lines = [f"func.func @main({signature}) -> ({result_types}) {{"]
    lines += [f"  {line}" for line in body]
    lines.append(
        f"  func.return {', '.join(v for v, _ in returned)} : {result_types}",
    )
    lines.append("}")
    return "\n".join(lines) + "\n"


def weight_inputs(params: list[Parameter]) -> dict[str, np.ndarray]:
    """The weights under their argument keys (`arg1` ..), as epoch run reads them."""
    return {f"arg{index}": p.value for index, p in enumerate(params, start=1)}
