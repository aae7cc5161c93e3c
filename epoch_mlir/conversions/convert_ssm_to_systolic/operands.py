"""An `ssm.scan` with its operands in DRAM: what every scan mapping starts from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.ir import SSAValue


@dataclass(frozen=True)
class Plane:
    """One H x N coefficient operand of the scan (Abar, Bbar or C)."""

    name: str
    dram: SSAValue  # the DRAM tensor holding it
    value: np.ndarray | None  # its contents, when it is a compile-time constant


@dataclass(frozen=True)
class Scan:
    """An `ssm.scan` with its operands in DRAM: what both mappings start from."""

    u: SSAValue  # L x H f32
    abar: Plane
    bbar: Plane
    c: Plane
    d: SSAValue  # H f32
    y: SSAValue  # L x H f32, written by the mapping
    length: int
    channels: int
    modes: int
    complex: bool  # whether Abar, Bbar and C are complex<f32>
    s0: SSAValue | None = None  # H x N (Abar's type): the state to start from, when given
    s_last: SSAValue | None = None  # H x N: written with the last state when s0 is given

    @property
    def planes(self) -> tuple[Plane, Plane, Plane]:
        return (self.abar, self.bbar, self.c)
