"""Vector-unit semantics: elementwise functions, broadcasts and reductions on SRAM regions.

Every function evaluates in float32 (complex64 for the complex ops) to fp32 accuracy, as SPEC.md
asks of the default machine; erf comes from `numerics.erfc`, since numpy has none.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from epoch_mlir.emulator.semantics import Env, semantics
from epoch_mlir.emulator.state import MachineState
from epoch_mlir.isa.table import INSTRUCTIONS
from epoch_mlir.numerics import gelu_erf, gelu_tanh, sigmoid, silu, softplus

_COMPLEX = {row.mnemonic for row in INSTRUCTIONS if row.elem_words == 2}


def _dtype(mnemonic: str) -> type[np.generic]:
    return np.complex64 if mnemonic in _COMPLEX else np.float32


def _operand(
    state: MachineState, env: Env, name: str, broadcast: str | None, dtype: type
) -> np.ndarray:
    columns = 1 if broadcast and env.get(broadcast) else env["cols"]
    return state.view("sram", env[name], env["rows"], columns, env[f"{name}_stride"], dtype)


def _destination(state: MachineState, env: Env, dtype: type) -> np.ndarray:
    return state.view("sram", env["dst"], env["rows"], env["cols"], env["dst_stride"], dtype)


def _binary(mnemonic: str, function: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    dtype = _dtype(mnemonic)

    def execute(state: MachineState, env: Env) -> None:
        a = _operand(state, env, "a", "abc", dtype)
        b = _operand(state, env, "b", "bbc", dtype)
        with np.errstate(all="ignore"):  # IEEE results (inf, nan) are the machine's answer
            _destination(state, env, dtype)[...] = function(a, b)

    execute.__name__ = f"exec_{mnemonic}"
    semantics(mnemonic)(execute)


def _unary(mnemonic: str, function: Callable[[np.ndarray], np.ndarray]) -> None:
    dtype = _dtype(mnemonic)

    def execute(state: MachineState, env: Env) -> None:
        with np.errstate(all="ignore"):
            _destination(state, env, dtype)[...] = function(_operand(state, env, "a", None, dtype))

    execute.__name__ = f"exec_{mnemonic}"
    semantics(mnemonic)(execute)


def _immediate(mnemonic: str, function: Callable[[np.ndarray, np.float32], np.ndarray]) -> None:
    def execute(state: MachineState, env: Env) -> None:
        a = _operand(state, env, "a", None, np.float32)
        with np.errstate(all="ignore"):
            _destination(state, env, np.float32)[...] = function(a, np.float32(env["fimm"]))

    execute.__name__ = f"exec_{mnemonic}"
    semantics(mnemonic)(execute)


_binary("vadd", np.add)
_binary("vsub", np.subtract)
_binary("vmul", np.multiply)
_binary("vdiv", np.divide)
_binary("vcmul", np.multiply)
_binary("vcdiv", np.divide)
_unary("vexp", np.exp)
_unary("vgelu", gelu_erf)
_unary("vgelut", gelu_tanh)
_unary("vsilu", silu)
_unary("vsigmoid", sigmoid)
_unary("vsoftplus", softplus)
_unary("vrelu", lambda a: np.maximum(a, np.float32(0)))
_unary("vcopy", np.copy)
_unary("vrev", lambda a: a[::-1].copy())
_unary("vcexp", np.exp)
_immediate("vaddi", np.add)
_immediate("vmuli", np.multiply)
_immediate("vrsqrt", lambda a, eps: np.float32(1) / np.sqrt(a + eps))


@semantics("vdexp")
def exec_vdexp(state: MachineState, env: Env) -> None:
    rows, cols, modes = env["rows"], env["cols"], env["nm"]
    delta = state.view("sram", env["a"], rows, cols, env["a_stride"])
    a = state.view("sram", env["b"], cols, modes, env["b_stride"])
    planes = state.view("sram", env["dst"], rows, modes * cols, modes * cols)
    with np.errstate(all="ignore"):
        product = delta[:, None, :] * a.T[None, :, :]  # (rows, nm, cols), rounded to fp32
        planes.reshape(rows, modes, cols)[...] = np.exp(product)


@semantics("vrsum")
def exec_vrsum(state: MachineState, env: Env) -> None:
    a = _operand(state, env, "a", None, np.float32)
    destination = state.view("sram", env["dst"], env["rows"], 1, env["dst_stride"])
    total = np.float32(env["fimm"]) * a.sum(axis=1, dtype=np.float32, keepdims=True)
    if env["acc"]:
        destination += total
    else:
        destination[...] = total


@semantics("vcsum")
def exec_vcsum(state: MachineState, env: Env) -> None:
    a = _operand(state, env, "a", None, np.float32)
    destination = state.view("sram", env["dst"], 1, env["cols"], 0)
    total = np.float32(env["fimm"]) * a.sum(axis=0, dtype=np.float32, keepdims=True)
    if env["acc"]:
        destination += total
    else:
        destination[...] = total
