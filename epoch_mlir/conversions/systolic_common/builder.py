"""Building systolic IR in program order, regions opened by context managers.

The conversions into systolic emit long straight runs of ops with configure and chunk-loop
regions around some of them; `OpList` keeps them in order and prices each chunk loop as it is
closed (systolic_common/cost.py), so the IR records what the mapping was expected to cost.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import numpy as np
from xdsl.dialects.builtin import ComplexType, DenseIntOrFPElementsAttr, TensorType, f32
from xdsl.ir import Attribute, Operation, SSAValue

from epoch_mlir.conversions.systolic_common.cost import unit_cycles
from epoch_mlir.dialects.systolic import (
    AllocOp,
    ArrayConfigAttr,
    ChunkLoopOp,
    ConfigureOp,
    ConstantOp,
    SramType,
)
from epoch_mlir.machine import Machine


def dense(array: np.ndarray) -> DenseIntOrFPElementsAttr:
    """A dense attribute holding `array` as f32 or complex<f32> (a splat when it is uniform)."""
    flat = array.reshape(-1)
    is_complex = np.iscomplexobj(array)
    element: Attribute = ComplexType(f32) if is_complex else f32
    if flat.size and np.all(flat == flat[0]):
        flat = flat[:1]
    if is_complex:
        values: list[Any] = [(float(z.real), float(z.imag)) for z in flat.astype(np.complex64)]
    else:
        values = [float(x) for x in flat.astype(np.float32)]
    # xDSL's stubs type from_list's element by its own generics; the values match `element`
    tensor_type = cast(TensorType[Any], TensorType(element, list(array.shape)))
    return DenseIntOrFPElementsAttr.from_list(tensor_type, values)


class OpList:
    """The ops a lowering emits, in program order, with regions opened by context managers.

    Chunk loops get their `estimated_cycles` from the cost model when their body is closed, and
    are remembered (`loops`) so the lowering can annotate them afterwards.
    """

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self._bodies: list[list[Operation]] = [[]]
        self._configs: list[ArrayConfigAttr | None] = [None]
        self.loops: list[ChunkLoopOp] = []

    @property
    def ops(self) -> list[Operation]:
        assert len(self._bodies) == 1, "a region is still open"
        return self._bodies[0]

    @property
    def config(self) -> ArrayConfigAttr | None:
        return self._configs[-1]

    def add(self, op: Operation) -> Operation:
        self._bodies[-1].append(op)
        return op

    def alloc(self, bank: str, shape: Sequence[int], name: str) -> SSAValue:
        op = AllocOp(SramType(bank, shape))
        op.buffer.name_hint = name
        self.add(op)
        return op.buffer

    def constant(self, array: np.ndarray, name: str) -> SSAValue:
        op = ConstantOp(dense(array))
        op.tensor.name_hint = name
        self.add(op)
        return op.tensor

    @contextmanager
    def configure(self, config: ArrayConfigAttr) -> Iterator[None]:
        self._bodies.append([])
        self._configs.append(config)
        yield
        body = self._bodies.pop()
        self._configs.pop()
        self.add(ConfigureOp(config, body))

    @contextmanager
    def collect(self) -> Iterator[list[Operation]]:
        """Ops added inside go to the list it yields, not the current body: the body of a loop
        built elsewhere (systolic_common/folding.py)."""
        body: list[Operation] = []
        self._bodies.append(body)
        yield body
        self._bodies.pop()

    @contextmanager
    def chunk_loop(self, count: int) -> Iterator[None]:
        self._bodies.append([])
        yield
        body = self._bodies.pop()
        per_iteration = unit_cycles(body, self.machine, self.config)
        loop = ChunkLoopOp(count, body, count * max(per_iteration.values(), default=0))
        self.loops.append(loop)
        self.add(loop)
