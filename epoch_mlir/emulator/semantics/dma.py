"""DMA-unit semantics: 2-D strided copies between DRAM and SRAM."""

from __future__ import annotations

import numpy as np

from epoch_mlir.emulator.semantics import Env, semantics
from epoch_mlir.emulator.state import MachineState


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
