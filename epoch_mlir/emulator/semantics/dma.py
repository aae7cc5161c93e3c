"""DMA-unit semantics: 2-D strided copies between DRAM and SRAM, and the row gather."""

from __future__ import annotations

import numpy as np

from epoch_mlir.emulator.semantics import Env, semantics
from epoch_mlir.emulator.state import Fault, MachineState


def _copy(state: MachineState, env: Env, to_space: str, from_space: str) -> None:
    rows, cols = env["rows"], env["cols"]
    destination = state.view(to_space, env["dst"], rows, cols, env["dst_stride"])
    source = state.view(from_space, env["src"], rows, cols, env["src_stride"])
    np.copyto(destination, source)


@semantics("load")
def exec_load(state: MachineState, env: Env) -> None:
    _copy(state, env, "sram", "dram")


@semantics("store")
def exec_store(state: MachineState, env: Env) -> None:
    _copy(state, env, "dram", "sram")


class IndexFault(Fault):
    """A gather index outside its table: the core names the tensor element that held it."""

    def __init__(self, index: int, address: int, vocab: int) -> None:
        super().__init__(f"index {index} is outside the table's {vocab} rows")
        self.index, self.address, self.vocab = index, address, vocab


@semantics("gather")
def exec_gather(state: MachineState, env: Env) -> None:
    rows, cols, vocab = env["rows"], env["cols"], env["vocab"]
    ids = state.view("dram", env["ids"], 1, rows, rows, np.int32)[0]
    bad = np.flatnonzero((ids < 0) | (ids >= vocab))
    if bad.size:
        first = int(bad[0])
        raise IndexFault(int(ids[first]), env["ids"] + first, vocab)
    table = state.view("dram", env["src"], vocab, cols, cols)
    destination = state.view("sram", env["dst"], rows, cols, env["dst_stride"])
    np.copyto(destination, table[ids])
