"""The convolution mode of the conventional `ssm.scan` mapping: a Toeplitz matmul per channel.

A diagonal SSM layer is a causal convolution of each channel with its kernel

    K[h, d] = Re(sum_n C[h, n] Bbar[h, n] Abar[h, n]^d)   (d < L),   K[h, 0] += D[h]
    y[t, h] = sum_{s <= t} K[h, t - s] u[s, h]  =  (T_h u_h)[t],  T_h[t, s] = K[h, t - s]

With compile-time constant coefficients the kernel is computed here in float64 and becomes a
`systolic.constant`; each channel's product y_h = T_h u_h is then a matrix-vector product on
the array (the channels' kernels differ, so a product uses one column), folded in the
requested dataflow with the folds above the diagonal skipped.

**T_h in place.** Row h of the kernel buffer holds the kernel reversed and zero padded,
`[K[h, L-1], ..., K[h, 0], 0 x (pad)]` (pad = min(rows, L) - 1 words), so that T_h[t, s] is
element `L - 1 - t + s` of the row: a window whose row stride is -1 element reads any block of
T_h (rows t, columns s) in place, the zeros above the diagonal included. Windows with an
explicit `stride` (docs/systolic.md) carry it to the `mm` instruction's row stride.

Per channel (a `systolic.chunk_loop` over the channels: the kernel's windows step one row, the
u and y windows one column):
- ws: per block of `rows` inputs s0..s0+kr, u_h's block is the stationary B^T (kr x 1, preloaded
  from the u buffer's column) and the Toeplitz rows t >= s0 stream as A (m = L - s0);
- is: the same block of u_h is the stationary A^T (kr x 1) and the Toeplitz rows stream as B
  (n = L - s0), the result written transposed (a column of y);
- os: per block of `rows` outputs t0..t0+mr, A = the Toeplitz rows, B = u_h as a row
  (k = t0 + mr inputs): os streams both operands, so u is loaded transposed (H x L, one DMA of
  an L x 1 column per channel, written with row stride 1).
D is in the kernel when it is a constant, else `y = D * u` on the vector unit first and every
fold accumulates.

The whole of u, y (L x H each) and the kernel (H x (L + pad)) stay in SRAM: this mode is for
short sequences (its work grows as L^2). The program holds per channel one fold per block of
`rows` (it grows with L / rows, not with H). Run-time coefficients are not emitted in this
mode (their kernel would be generated on chip: L steps of the recurrence on the vector unit);
`convolution_cycles` still prices them, with that generation, for the record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from epoch_mlir.conversions.convert_ssm_to_systolic.chunking import MAX_COUNT
from epoch_mlir.conversions.convert_ssm_to_systolic.operands import Scan
from epoch_mlir.conversions.convert_ssm_to_systolic.scan_conventional import (
    RecurrentLayout,
    step_cycles,
)
from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles, unit_cycles
from epoch_mlir.conversions.systolic_common.lowering import folds
from epoch_mlir.dialects.systolic import (
    ArrayConfigAttr,
    LoadOp,
    MatmulTileOp,
    PreloadTileOp,
    StoreOp,
    VectorOp,
)
from epoch_mlir.machine import Machine

FIELD_LIMIT = (1 << 16) - 1  # m, n and k of `mm` are 16-bit fields


@dataclass(frozen=True)
class ConvolutionLayout:
    """The SRAM buffers of the convolution mode."""

    length: int
    channels: int
    rows: int  # of the array: the fold size

    @property
    def pad(self) -> int:
        return min(self.rows, self.length) - 1

    @property
    def kernel_row(self) -> int:
        """Words per channel of the reversed, zero-padded kernel."""
        return self.length + self.pad

    def words(self) -> dict[str, int]:
        """Words per bank: u, y and the kernel with D's row."""
        sequence = self.length * self.channels
        return {
            "input": sequence,
            "output": sequence,
            "weight": self.channels * self.kernel_row + self.channels,
        }


def unsupported(scan: Scan, machine: Machine, banks: dict[str, int], loop_depth: int) -> str | None:
    """Why the convolution mode cannot be emitted for `scan` (None: it can)."""
    if any(plane.value is None for plane in scan.planes):
        return "its coefficients are not compile-time constants"
    if loop_depth < 1:
        return "it loops over the channels, but the target has no hardware loop"
    if scan.length > FIELD_LIMIT:
        return f"a sequence of {scan.length} timesteps exceeds the mm fields ({FIELD_LIMIT})"
    if scan.channels > MAX_COUNT:
        return f"{scan.channels} channels exceed a hardware loop's count"
    layout = ConvolutionLayout(scan.length, scan.channels, machine.rows)
    for bank, words in layout.words().items():
        if words > banks.get(bank, 0):
            return f"it keeps {words} words in bank '{bank}' of {banks.get(bank, 0)} words"
    return None


def convolution_kernel(
    abar: np.ndarray, bbar: np.ndarray, c: np.ndarray, d: np.ndarray | None, length: int
) -> np.ndarray:
    """K[h, t] = Re(sum_n c b abar^t) (+ D on t = 0), in float64: H x L."""
    abar, weights = abar.astype(np.complex128), (c.astype(np.complex128) * bbar)
    kernel = np.empty((abar.shape[0], length))
    block = 64
    # abar^0 .. abar^(block-1) once; each block of lags scales them by abar^t0
    base = abar[:, :, None] ** np.arange(block)[None, None, :]  # (H, N, block)
    power = np.ones_like(abar)  # abar^t0
    step = abar**block
    for t0 in range(0, length, block):
        width = min(block, length - t0)
        scaled = (weights * power)[:, None, :]  # (H, 1, N): c b abar^t0
        kernel[:, t0 : t0 + width] = np.matmul(scaled, base[:, :, :width])[:, 0, :].real
        power = power * step
    if d is not None:
        kernel[:, 0] += d.astype(np.float64)
    return kernel


def kernel_buffer(kernel: np.ndarray, layout: ConvolutionLayout) -> np.ndarray:
    """Rows [K[h, L-1], ..., K[h, 0], 0 ... 0]: T_h[t, s] is element L - 1 - t + s."""
    rows = np.zeros((layout.channels, layout.kernel_row), np.float32)
    rows[:, : layout.length] = kernel[:, ::-1]
    return rows


def emit_convolution(
    ops: OpList, scan: Scan, dataflow: str, kernel: np.ndarray, d_folded: bool
) -> None:
    """The convolution mode of `scan` with the H x L `kernel` (D in it when `d_folded`)."""
    machine = ops.machine
    length, channels = scan.length, scan.channels
    layout = ConvolutionLayout(length, channels, machine.rows)
    if dataflow == "os":  # u_h must be a row: load u transposed, one column per channel
        u = ops.alloc("input", (channels, length), "u_t")
        with ops.chunk_loop(channels):
            ops.add(
                LoadOp(scan.u, u, (length, 1), src_step=(0, 1), dst_step=(1, 0), dst_row_stride=1)
            )
    else:
        u = ops.alloc("input", (length, channels), "u_all")
        ops.add(LoadOp(scan.u, u, (length, channels)))
    values = ops.constant(kernel_buffer(kernel, layout), "kernel_values")
    toeplitz = ops.alloc("weight", (channels, layout.kernel_row), "kernel")
    ops.add(LoadOp(values, toeplitz, (channels, layout.kernel_row)))
    last = length - 1  # the column of K[h, 0] (T_h's diagonal) in row h
    if not d_folded:  # D joins K[h, 0] on chip: D's words down a column, one add
        d = ops.alloc("weight", (channels, 1), "d_column")
        with ops.chunk_loop(channels):
            ops.add(LoadOp(scan.d, d, (1, 1), src_step=(0, 1), dst_step=(1, 0)))
        ops.add(
            VectorOp(
                "add",
                toeplitz,
                toeplitz,
                (channels, 1),
                b=d,
                a_offsets=(0, last),
                dst_offsets=(0, last),
            )
        )
    y = ops.alloc("output", (length, channels), "y_all")
    with ops.configure(ArrayConfigAttr("mac", dataflow)), ops.chunk_loop(channels):
        if dataflow == "os":  # per block of outputs t0..t0+mr: the inputs s < t0 + mr
            for t0, mr in folds(length, min(machine.rows, length)):
                ops.add(
                    MatmulTileOp(
                        y,
                        mr,
                        1,
                        t0 + mr,
                        a=toeplitz,
                        b=u,
                        a_offsets=(0, last - t0),
                        a_step=(1, 0),
                        a_row_stride=-1,
                        b_step=(1, 0),
                        dst_offsets=(t0, 0),
                        dst_step=(0, 1),
                    )
                )
        for index, (s0, kr) in enumerate(folds(length, machine.rows) if dataflow != "os" else []):
            # per block of inputs s0..s0+kr: u_h's block stationary, the rows t >= s0 stream
            slot = index % 2
            ops.add(PreloadTileOp(u, (kr, 1), slot, offsets=(s0, 0), step=(0, 1)))
            if dataflow == "ws":  # B^T = u_h's block, A = T_h[s0:, s0:s0+kr]
                ops.add(
                    MatmulTileOp(
                        y,
                        length - s0,
                        1,
                        kr,
                        a=toeplitz,
                        a_offsets=(0, last),
                        a_step=(1, 0),
                        a_row_stride=-1,
                        slot=slot,
                        dst_offsets=(s0, 0),
                        dst_step=(0, 1),
                        accumulate=index > 0,
                    )
                )
            else:  # is: A^T = u_h's block, B = T_h[s0:, s0:s0+kr], D^T written
                ops.add(
                    MatmulTileOp(
                        y,
                        1,
                        length - s0,
                        kr,
                        b=toeplitz,
                        b_offsets=(0, last),
                        b_step=(1, 0),
                        b_row_stride=-1,
                        slot=slot,
                        dst_offsets=(s0, 0),
                        dst_step=(0, 1),
                        accumulate=index > 0,
                        transpose_out=True,
                    )
                )
    ops.add(StoreOp(y, scan.y, (length, channels)))


def schedule_cycles(ops: OpList) -> int:
    """The emitted convolution mode's cycles: its phases run one after the other.

    Loads (u, the kernel; the DMA engine, then the DRAM latency before the data are visible),
    the vector unit's D * u if any, the array's folds, then the store of y and its latency:
    each phase waits for the previous one's data.
    """
    machine = ops.machine
    latency = machine.dram_latency_cycles
    phases = [0, 0, 0]  # loads, compute, store
    for op in ops.ops:
        cycles = unit_cycles([op], machine)
        if isinstance(op, StoreOp):
            phases[2] += cycles["dma"] + latency
        elif cycles.get("dma"):
            phases[0] += cycles["dma"]
        else:
            phases[1] += sum(cycles.values())
    return phases[0] + (latency if phases[0] else 0) + phases[1] + phases[2]


def convolution_cycles(scan: Scan, machine: Machine, dataflow: str, d_folded: bool) -> int:
    """Estimated cycles of the convolution mode: those of the schedule `emit_convolution` emits
    (`schedule_cycles`, computed here from the shapes without emitting it), plus for run-time
    coefficients the kernel's generation on the vector unit (L steps advancing abar^t (b c)
    like the recurrence, then a column sum), which is priced but not emitted."""
    length, channels = scan.length, scan.channels
    layout = ConvolutionLayout(length, channels, machine.rows)
    config = ArrayConfigAttr("mac", dataflow)

    def dma(mnemonic: str, rows: int, cols: int) -> int:
        return instruction_cycles(mnemonic, machine, rows=rows, cols=cols)

    def mm(m: int, n: int, k: int) -> int:
        return instruction_cycles("mm", machine, config, m=m, n=n, k=k)

    loads = dma("load", channels, layout.kernel_row)
    loads += (
        channels * dma("load", length, 1) if dataflow == "os" else dma("load", length, channels)
    )
    compute = 0
    if not d_folded:
        loads += channels * dma("load", 1, 1)
        compute += instruction_cycles("vadd", machine, rows=channels, cols=1)
    per_channel = 0
    if dataflow == "os":
        for t0, mr in folds(length, min(machine.rows, length)):
            per_channel += mm(mr, 1, t0 + mr)
    else:
        fill = instruction_cycles("ldw", machine, config)
        for s0, kr in folds(length, machine.rows):
            per_channel += fill + (
                mm(length - s0, 1, kr) if dataflow == "ws" else mm(1, length - s0, kr)
            )
    compute += channels * per_channel
    latency = machine.dram_latency_cycles
    cycles = loads + latency + compute + dma("store", length, channels) + latency
    if any(plane.value is None for plane in scan.planes):
        recurrent = RecurrentLayout(scan.modes, scan.complex)
        vmul = instruction_cycles("vmul", machine, rows=1, cols=channels)
        cycles += length * (step_cycles(recurrent, channels, machine) - vmul)
    return cycles
