"""Float64 reference semantics of the `nn` ops: SPEC.md's formulas, in numpy.

This is the golden model the emulator is compared against, so it favours the plain formula
over speed, and computes in float64 whatever the declared f32 types say. The activation
functions are public because `ssm.selective_scan` uses them too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from epoch_mlir.dialects import nn
from epoch_mlir.errors import InputError

_erf = np.vectorize(math.erf, otypes=[np.float64])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), computed from exp(-|x|) so no input overflows."""
    decay = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + decay), decay / (1 + decay))


def silu(x: np.ndarray) -> np.ndarray:
    return x * sigmoid(x)


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow for large x."""
    return np.logaddexp(0.0, x)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def linear(x: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    y = x @ W.T
    return y if b is None else y + b


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * gamma + beta


def rms_norm(x: np.ndarray, gamma: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt((x**2).mean(axis=-1, keepdims=True) + eps) * gamma


def embedding(ids: np.ndarray, table: np.ndarray) -> np.ndarray:
    """table[ids]; an id outside the table is the user's error, named by its position."""
    vocab = table.shape[0]
    bad = np.argwhere((ids < 0) | (ids >= vocab))
    if bad.size:
        position = ", ".join(str(int(i)) for i in bad[0])
        raise InputError(
            f"nn.embedding: id {int(ids[tuple(bad[0])])} at position [{position}] is outside "
            f"the table's {vocab} rows"
        )
    return table[ids]


def glu(x: np.ndarray) -> np.ndarray:
    channels = x.shape[-1] // 2
    return x[..., :channels] * sigmoid(x[..., channels:])


def causal_conv1d(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, c0: np.ndarray | None = None
) -> np.ndarray:
    """y[k, h] = sum_j w[h, j] x[k-K+1+j, h], reading zeros (or the state c0) before step 0;
    a batch (B x L x H) is B independent sequences."""
    if x.ndim == 3:
        states = [None] * len(x) if c0 is None else list(c0)
        return np.stack([causal_conv1d(xb, w, b, cb) for xb, cb in zip(x, states, strict=True)])
    steps, _ = x.shape
    taps = w.shape[1]
    before = np.zeros((taps - 1, x.shape[1]), dtype=x.dtype) if c0 is None else c0
    padded = np.concatenate([before, x])
    y = np.zeros_like(x)
    for j in range(taps):
        y += w[:, j] * padded[j : j + steps]
    return y if b is None else y + b


def causal_conv1d_state(x: np.ndarray, c0: np.ndarray) -> np.ndarray:
    """c_last: the last K-1 rows of [c0; x] (K-1 = the rows of c0), per sequence of a batch."""
    return np.concatenate([c0, x], axis=-2)[..., x.shape[-2] :, :]


@register_impls
class NnFunctions(InterpreterFunctions):
    """Interpreter implementations of the `nn` ops over numpy float64 arrays."""

    @impl(nn.LinearOp)
    def run_linear(
        self, interpreter: Interpreter, op: nn.LinearOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        x, W, *bias = args
        return (linear(x, W, bias[0] if bias else None),)

    @impl(nn.GeluOp)
    def run_gelu(
        self, interpreter: Interpreter, op: nn.GeluOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (gelu(args[0], op.approximate.data),)

    @impl(nn.SiluOp)
    def run_silu(
        self, interpreter: Interpreter, op: nn.SiluOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (silu(args[0]),)

    @impl(nn.SigmoidOp)
    def run_sigmoid(
        self, interpreter: Interpreter, op: nn.SigmoidOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (sigmoid(args[0]),)

    @impl(nn.SoftplusOp)
    def run_softplus(
        self, interpreter: Interpreter, op: nn.SoftplusOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (softplus(args[0]),)

    @impl(nn.ReluOp)
    def run_relu(
        self, interpreter: Interpreter, op: nn.ReluOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (relu(args[0]),)

    @impl(nn.ExpOp)
    def run_exp(
        self, interpreter: Interpreter, op: nn.ExpOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (np.exp(args[0]),)

    @impl(nn.NegOp)
    def run_neg(
        self, interpreter: Interpreter, op: nn.NegOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (-args[0],)

    @impl(nn.AddOp)
    def run_add(
        self, interpreter: Interpreter, op: nn.AddOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (args[0] + args[1],)

    @impl(nn.MulOp)
    def run_mul(
        self, interpreter: Interpreter, op: nn.MulOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (args[0] * args[1],)

    @impl(nn.LayerNormOp)
    def run_layer_norm(
        self, interpreter: Interpreter, op: nn.LayerNormOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        x, gamma, beta = args
        return (layer_norm(x, gamma, beta, op.eps.value.data),)

    @impl(nn.RmsNormOp)
    def run_rms_norm(
        self, interpreter: Interpreter, op: nn.RmsNormOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        x, gamma = args
        return (rms_norm(x, gamma, op.eps.value.data),)

    @impl(nn.SliceOp)
    def run_slice(
        self, interpreter: Interpreter, op: nn.SliceOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        start = op.start.value.data
        return (args[0][..., start : start + op.width].copy(),)

    @impl(nn.EmbeddingOp)
    def run_embedding(
        self, interpreter: Interpreter, op: nn.EmbeddingOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        ids, table = args
        return (embedding(ids, table),)

    @impl(nn.GluOp)
    def run_glu(
        self, interpreter: Interpreter, op: nn.GluOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (glu(args[0]),)

    @impl(nn.MeanOp)
    def run_mean(
        self, interpreter: Interpreter, op: nn.MeanOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (args[0].mean(axis=-2, keepdims=True),)

    @impl(nn.CausalConv1dOp)
    def run_causal_conv1d(
        self, interpreter: Interpreter, op: nn.CausalConv1dOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray, ...]:
        x, w, *rest = args
        bias = rest.pop(0) if op.b is not None else None
        if op.c0 is None:
            return (causal_conv1d(x, w, bias),)
        (c0,) = rest
        return causal_conv1d(x, w, bias, c0), causal_conv1d_state(x, c0)

    @impl(nn.ReverseOp)
    def run_reverse(
        self, interpreter: Interpreter, op: nn.ReverseOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (args[0][..., ::-1, :].copy(),)

    @impl(nn.UnstackOp)
    def run_unstack(
        self, interpreter: Interpreter, op: nn.UnstackOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray, ...]:
        return tuple(part.copy() for part in args[0])

    @impl(nn.StackOp)
    def run_stack(
        self, interpreter: Interpreter, op: nn.StackOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray]:
        return (np.stack(args),)
