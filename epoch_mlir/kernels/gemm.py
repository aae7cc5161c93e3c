"""A GEMM out = x @ W^T (PyTorch layout) folded over the array in ws, os or is."""

from __future__ import annotations

from epoch_mlir.dataflows import folds
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine


def gemm_program(m: int, k: int, n: int, machine: Machine, dataflow: str = "ws") -> Program:
    """x (m x k) and W (n x k) in, y = x @ W^T (m x n) out; all three stay in SRAM.

    Folds follow SCALE-Sim's mapping: ws keeps a k x n tile of W^T stationary and streams the m
    rows of x; is keeps a k x m tile of x^T and streams the n rows of W; os keeps an m x n output
    tile and streams k.
    """
    rows, cols = machine.rows, machine.cols
    builder = ProgramBuilder()
    x = builder.arg("x", (m, k))
    w = builder.arg("w", (n, k))
    y = builder.result("y", (m, n))
    x_buf = builder.sram("x_buf", machine.bank("input").base, (m, k))
    w_buf = builder.sram("w_buf", machine.bank("weight").base, (n, k))
    y_buf = builder.sram("y_buf", machine.bank("output").base, (m, n))
    emit = builder.emit
    emit("load", x_buf, x, m, k, k, k)
    emit("load", w_buf, w, n, k, k, k)
    emit("cfg", "mac", dataflow, 0)
    slot = 0
    if dataflow == "ws":
        for n0, nc in folds(n, cols):
            for k0, kr in folds(k, rows):
                emit("ldw", slot, w_buf.address + n0 * k + k0, kr, nc, k, trans=1)
                emit(
                    "mm",
                    slot,
                    y_buf.address + n0,
                    x_buf.address + k0,
                    0,
                    m,
                    nc,
                    kr,
                    n,
                    k,
                    0,
                    acc=int(k0 > 0),
                )
                slot ^= 1
    elif dataflow == "is":
        for m0, mc in folds(m, cols):
            for k0, kr in folds(k, rows):
                emit("ldw", slot, x_buf.address + m0 * k + k0, kr, mc, k, trans=1)
                emit(
                    "mm",
                    slot,
                    y_buf.address + m0 * n,
                    0,
                    w_buf.address + k0,
                    mc,
                    n,
                    kr,
                    n,
                    0,
                    k,
                    acc=int(k0 > 0),
                )
                slot ^= 1
    elif dataflow == "os":
        for m0, mr in folds(m, rows):
            for n0, nc in folds(n, cols):
                emit(
                    "mm",
                    0,
                    y_buf.address + m0 * n + n0,
                    x_buf.address + m0 * k,
                    w_buf.address + n0 * k,
                    mr,
                    nc,
                    k,
                    n,
                    k,
                    k,
                )
    else:
        raise ValueError(f"unknown dataflow {dataflow!r}")
    emit("store", y, y_buf, m, n, n, n)
    emit("halt")
    return builder.build()


def scalesim_cycles(m: int, k: int, n: int, rows: int, cols: int, dataflow: str) -> int:
    """folds x per-fold of SCALE-Sim v3 (which itself reports this minus one)."""
    spatial_rows, spatial_cols, stream = {
        "ws": (k, n, m),
        "is": (k, m, n),
        "os": (m, n, k),
    }[dataflow]
    fold_count = -(-spatial_rows // rows) * -(-spatial_cols // cols)
    fill = rows if dataflow in ("ws", "is") else 0
    return fold_count * (fill + rows + cols + stream - 2)
