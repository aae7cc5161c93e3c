"""Array semantics: configuration, stationary preloads, GEMM folds, ProDF and selective streams."""

from __future__ import annotations

import numpy as np

from epoch_mlir.emulator.scan import LimaCoefficients
from epoch_mlir.emulator.selective import selective_scan
from epoch_mlir.emulator.semantics import Env, semantics
from epoch_mlir.emulator.state import ArrayState, Fault, MachineState
from epoch_mlir.isa.table import coefficient_block_words
from epoch_mlir.machine.vocabulary import CONVENTIONAL_DATAFLOWS, LIMA, MODE_OF_DATAFLOW, PRODF


def _require_dataflow(array: ArrayState, allowed: tuple[str, ...], what: str) -> None:
    if array.dataflow not in allowed:
        raise Fault(
            f"{what} needs dataflow {'/'.join(allowed)}, the array is configured for "
            f"{array.dataflow}"
        )


def _write(state: MachineState, env: Env, result: np.ndarray) -> None:
    """Store (or accumulate) a result tile at `dst`, transposed if the instruction says so."""
    if env.get("tout"):
        result = result.T
    rows, cols = result.shape
    destination = state.view("sram", env["dst"], rows, cols, env["dst_stride"])
    if env.get("acc"):
        destination += result
    else:
        destination[...] = result


@semantics("cfg")
def exec_cfg(state: MachineState, env: Env) -> None:
    mode, dataflow, seg = env["mode"], env["dataflow"], env["seg"]
    machine = state.machine
    if mode == LIMA and machine.pe != LIMA:
        raise Fault(f"machine '{machine.name}' has MAC-only PEs: LIMA mode is unavailable")
    if MODE_OF_DATAFLOW[dataflow] != mode:
        raise Fault(f"dataflow {dataflow} needs PE mode {MODE_OF_DATAFLOW[dataflow]}, not {mode}")
    if seg > machine.rows:
        raise Fault(f"segment of {seg} rows is taller than the array's {machine.rows} rows")
    array = state.array
    array.mode, array.dataflow, array.segment_rows = mode, dataflow, seg or machine.rows


@semantics("ldw")
def exec_ldw(state: MachineState, env: Env) -> None:
    array = state.array
    _require_dataflow(array, ("ws", "is"), "ldw")
    rows, cols = env["rows"], env["cols"]
    if not (1 <= rows <= array.rows and 1 <= cols <= array.cols):
        raise Fault(f"a {rows}x{cols} tile does not fit the {array.rows}x{array.cols} array")
    if env["trans"]:
        tile = state.view("sram", env["src"], cols, rows, env["src_stride"]).T
    else:
        tile = state.view("sram", env["src"], rows, cols, env["src_stride"])
    array.slots[env["slot"]] = np.array(tile, np.float32)


def _check_fold(array: ArrayState, channels: int, modes: int) -> None:
    """nch channels of nm modes fit the configured segments (ldc and lsel)."""
    capacity = array.segments * array.cols
    if not 1 <= channels <= capacity:
        raise Fault(
            f"{channels} channels exceed the array's {array.segments} segments x "
            f"{array.cols} columns"
        )
    if not 1 <= modes <= array.segment_rows:
        raise Fault(f"{modes} modes exceed the {array.segment_rows}-row column segment")


@semantics("ldc")
def exec_ldc(state: MachineState, env: Env) -> None:
    array = state.array
    _require_dataflow(array, (PRODF,), "ldc")
    channels, modes = env["nch"], env["nm"]
    _check_fold(array, channels, modes)
    plane = channels * modes
    words = state.view("sram", env["src"], 1, coefficient_block_words(channels, modes), 0)[0]
    abar, bbar, c = words[: 6 * plane].view(np.complex64).reshape(3, channels, modes)
    array.slots[env["slot"]] = LimaCoefficients(abar, bbar, c, words[6 * plane :])
    if array.lima_state_slot == env["slot"]:  # a new fold: the PEs' states belong to no one
        array.lima_state, array.lima_state_slot = None, -1


@semantics("mm")
def exec_mm(state: MachineState, env: Env) -> None:
    array = state.array
    _require_dataflow(array, CONVENTIONAL_DATAFLOWS, "mm")
    m, n, k = env["m"], env["n"], env["k"]
    if min(m, n, k) < 1:
        raise Fault(f"empty GEMM tile {m}x{n}x{k}")
    dataflow = array.dataflow
    if dataflow == "os":
        if m > array.rows or n > array.cols:
            raise Fault(f"an {m}x{n} output tile does not fit the {array.rows}x{array.cols} array")
        a = state.view("sram", env["a"], m, k, env["a_stride"])
        b = state.view("sram", env["b"], n, k, env["b_stride"])
        _write(state, env, a @ b.T)
        return
    tile = array.slots[env["slot"]]
    expected = (k, n) if dataflow == "ws" else (k, m)
    if not isinstance(tile, np.ndarray) or tile.shape != expected:
        held = "nothing" if tile is None else f"a {'x'.join(map(str, np.shape(tile)))} tile"
        raise Fault(
            f"{dataflow} needs a {expected[0]}x{expected[1]} tile in slot {env['slot']}, "
            f"it holds {held}"
        )
    if dataflow == "ws":
        result = state.view("sram", env["a"], m, k, env["a_stride"]) @ tile
    else:
        result = (state.view("sram", env["b"], n, k, env["b_stride"]) @ tile).T
    _write(state, env, result)


@semantics("lima")
def exec_lima(state: MachineState, env: Env) -> None:
    array = state.array
    _require_dataflow(array, (PRODF,), "lima")
    slot = env["slot"]
    coefficients = array.slots[slot]
    if not isinstance(coefficients, LimaCoefficients):
        raise Fault(f"slot {slot} holds no LIMA coefficients (ldc first)")
    if coefficients.modes > array.segment_rows or coefficients.channels > (
        array.segments * array.cols
    ):
        raise Fault(
            f"slot {slot} holds {coefficients.channels} channels x {coefficients.modes} modes, "
            f"more than the configured {array.segments} segments of {array.segment_rows} rows"
        )
    if env["reset"]:
        array.lima_state = np.zeros((coefficients.channels, coefficients.modes), np.complex64)
        array.lima_state_slot = slot
    elif array.lima_state is None or array.lima_state_slot != slot:
        raise Fault(f"the PE states do not belong to slot {slot}: start the fold with reset")
    steps, channels = env["steps"], coefficients.channels
    u = state.view("sram", env["src"], steps, channels, env["src_stride"])
    y, array.lima_state = coefficients.scan(u, array.lima_state)
    _write(state, env, y)


@semantics("lsel")
def exec_lsel(state: MachineState, env: Env) -> None:
    array = state.array
    _require_dataflow(array, (PRODF,), "lsel")
    steps, channels, modes = env["steps"], env["nch"], env["nm"]
    _check_fold(array, channels, modes)
    held = array.selective_state
    if env["reset"]:
        held = np.zeros((modes, channels), np.float32)
    elif held is None:
        raise Fault("the PE states hold no selective stream: start the stream with reset")
    elif held.shape != (modes, channels):
        raise Fault(
            f"the PE states hold a selective stream of {held.shape[0]} modes x {held.shape[1]} "
            f"channels, not {modes} x {channels}: start the stream with reset"
        )
    stride = env["src_stride"]
    plane = modes * channels
    abar = state.view("sram", env["a"], steps, plane, plane).reshape(steps, modes, channels)
    coefficients = state.view("sram", env["b"], steps, 2 * modes, env["b_stride"])
    u = state.view("sram", env["src"], steps, channels, stride)
    y, array.selective_state = selective_scan(
        abar, coefficients[:, :modes], coefficients[:, modes:], u, held
    )
    destination = state.view("sram", env["dst"], steps, channels, stride)
    if env["acc"]:
        destination += y
    else:
        destination[...] = y


@semantics("ldx")
def exec_ldx(state: MachineState, env: Env) -> None:
    array = state.array
    _require_dataflow(array, (PRODF,), "ldx")
    channels, modes = env["nch"], env["nm"]
    _check_fold(array, channels, modes)
    held = state.view("sram", env["src"], modes, channels, env["src_stride"])
    array.selective_state = np.array(held, np.float32, copy=True)


@semantics("stx")
def exec_stx(state: MachineState, env: Env) -> None:
    array = state.array
    channels, modes = env["nch"], env["nm"]
    held = array.selective_state
    if held is None or held.shape != (modes, channels):
        what = "no selective stream" if held is None else f"{held.shape[0]} x {held.shape[1]}"
        raise Fault(f"stx of {modes} modes x {channels} channels, but the PE states hold {what}")
    state.view("sram", env["dst"], modes, channels, env["dst_stride"])[...] = held


def _held_lima_coefficients(array: ArrayState, env: Env, mnemonic: str) -> LimaCoefficients:
    """The coefficients of the instruction's slot, which its nch x nm must match."""
    coefficients = array.slots[env["slot"]]
    if not isinstance(coefficients, LimaCoefficients):
        raise Fault(f"{mnemonic}: slot {env['slot']} holds no LIMA coefficients (ldc first)")
    if (coefficients.channels, coefficients.modes) != (env["nch"], env["nm"]):
        raise Fault(
            f"{mnemonic} of {env['nch']} channels x {env['nm']} modes, but slot {env['slot']} "
            f"holds {coefficients.channels} x {coefficients.modes}"
        )
    return coefficients


@semantics("lds")
def exec_lds(state: MachineState, env: Env) -> None:
    array = state.array
    _require_dataflow(array, (PRODF,), "lds")
    _held_lima_coefficients(array, env, "lds")
    channels, modes = env["nch"], env["nm"]
    words = state.view("sram", env["src"], channels, 2 * modes, env["src_stride"])
    pairs = np.asarray(words, np.float32).reshape(channels, modes, 2)
    array.lima_state = (pairs[..., 0] + 1j * pairs[..., 1]).astype(np.complex64)
    array.lima_state_slot = env["slot"]


@semantics("sts")
def exec_sts(state: MachineState, env: Env) -> None:
    array = state.array
    _held_lima_coefficients(array, env, "sts")
    held = array.lima_state
    if held is None or array.lima_state_slot != env["slot"]:
        raise Fault(f"sts: the PE states do not belong to slot {env['slot']} (stream it first)")
    channels, modes = env["nch"], env["nm"]
    words = state.view("sram", env["dst"], channels, 2 * modes, env["dst_stride"])
    pairs = np.ascontiguousarray(held, np.complex64).view(np.float32)  # real, imaginary words
    words[...] = pairs.reshape(channels, 2 * modes)
