"""Structure: the configuration region and the chunk loop, and how an op finds its context
(target, configuration, enclosing loop)."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    I64,
    IntegerAttr,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Operation,
    Region,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.systolic.attrs import (
    TARGET_ATTRIBUTE,
    ArrayConfigAttr,
    TargetAttr,
    _OpT,
)


def find_target(op: Operation) -> TargetAttr | None:
    """The target of the nearest ancestor (or `op` itself) that names one."""
    current: Operation | None = op
    while current is not None:
        target = current.attributes.get(TARGET_ATTRIBUTE)
        if isinstance(target, TargetAttr):
            return target
        current = current.parent_op()
    return None


def enclosing(op: Operation, kind: type[_OpT]) -> _OpT | None:
    current = op.parent_op()
    while current is not None:
        if isinstance(current, kind):
            return current
        current = current.parent_op()
    return None


def enclosing_configuration(op: Operation, allowed: Sequence[str]) -> ArrayConfigAttr:
    """The configuration in effect around an array op, after checking its dataflow."""
    configure = enclosing(op, ConfigureOp)
    if configure is None:
        raise VerifyException("must be inside a systolic.configure region")
    config = configure.config
    if config.dataflow.data not in allowed:
        wanted = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
        raise VerifyException(
            f"needs dataflow {wanted}, but the enclosing systolic.configure sets "
            f"{config.dataflow.data}"
        )
    return config


def loop_counts(op: Operation) -> list[int]:
    """The counts of the chunk loops around `op`, innermost first: a window's step pairs say
    how far it moves per iteration of each, in that order."""
    counts: list[int] = []
    loop = enclosing(op, ChunkLoopOp)
    while loop is not None:
        counts.append(loop.count.value.data)
        loop = enclosing(loop, ChunkLoopOp)
    return counts


def _new_body(body: Region | Sequence[Operation] | None) -> Region:
    """A single-block region holding `body` (an empty block when None)."""
    if isinstance(body, Region):
        if not body.blocks:
            body.add_block(Block())
        return body
    return Region(Block(list(body or ())))


@irdl_op_definition
class ConfigureOp(IRDLOperation):
    """Sets the PE array's mode, dataflow and segments for the array ops in its region.

    cfg(config.mode, config.dataflow, config.seg); body
    Array ops (preloads, streams, GEMM folds) must be inside one; regions do not nest.
    """

    name = "systolic.configure"

    config = prop_def(ArrayConfigAttr)
    body = region_def("single_block")

    traits = traits_def(NoTerminator())

    def __init__(
        self, config: ArrayConfigAttr, body: Region | Sequence[Operation] | None = None
    ) -> None:
        super().__init__(properties={"config": config}, regions=[_new_body(body)])

    @classmethod
    def parse(cls, parser: Parser) -> ConfigureOp:
        config = ArrayConfigAttr.new(ArrayConfigAttr.parse_parameters(parser))
        attributes = parser.parse_optional_attr_dict_with_keyword()
        op = cls(config, parser.parse_region())
        if attributes is not None:
            op.attributes |= attributes.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        self.config.print_parameters(printer)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        if enclosing(self, ConfigureOp) is not None:
            raise VerifyException("must not be inside another systolic.configure")
        if self.body.block.args:
            raise VerifyException("the body takes no arguments")
        target = find_target(self)
        if target is None:
            return
        if self.config.mode.data == "lima" and target.pe.data != "lima":
            raise VerifyException(
                f'PE mode lima needs LIMA-PEs, but target "{target.machine.data}" has '
                f"{target.pe.data} PEs"
            )
        if self.config.seg.data > target.rows.data:
            raise VerifyException(
                f"seg {self.config.seg.data} exceeds the {target.rows.data} rows of target "
                f'"{target.machine.data}"'
            )


@irdl_op_definition
class ChunkLoopOp(IRDLOperation):
    """Repeats its body over `count` chunks of the sequence; every window `step` advances per pass.

    for i in 0..count-1: body   # each window of a body op starts at offsets + i * step
    `estimated_cycles` records the cost model's figure for the choice a lowering made.
    """

    name = "systolic.chunk_loop"

    count = prop_def(IntegerAttr[I64])
    estimated_cycles = opt_prop_def(IntegerAttr[I64])
    body = region_def("single_block")

    traits = traits_def(NoTerminator())

    def __init__(
        self,
        count: int,
        body: Region | Sequence[Operation] | None = None,
        estimated_cycles: int | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {"count": IntegerAttr(count, i64)}
        if estimated_cycles is not None:
            properties["estimated_cycles"] = IntegerAttr(estimated_cycles, i64)
        super().__init__(properties=properties, regions=[_new_body(body)])

    @classmethod
    def parse(cls, parser: Parser) -> ChunkLoopOp:
        count = parser.parse_integer(allow_boolean=False)
        estimated_cycles = None
        if parser.parse_optional_keyword("estimated_cycles"):
            estimated_cycles = parser.parse_integer(allow_boolean=False)
        attributes = parser.parse_optional_attr_dict_with_keyword()
        op = cls(count, parser.parse_region(), estimated_cycles)
        if attributes is not None:
            op.attributes |= attributes.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.count.value.data}")
        if self.estimated_cycles is not None:
            printer.print_string(f" estimated_cycles {self.estimated_cycles.value.data}")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        if self.count.value.data < 1:
            raise VerifyException(f"count must be at least 1, got {self.count.value.data}")
        if self.estimated_cycles is not None and self.estimated_cycles.value.data < 0:
            raise VerifyException(
                f"estimated_cycles must be non-negative, got {self.estimated_cycles.value.data}"
            )
        if self.body.block.args:
            raise VerifyException("the body takes no arguments")
        target = find_target(self)
        if target is None:
            return
        depth = 1
        current = enclosing(self, ChunkLoopOp)
        while current is not None:
            depth += 1
            current = enclosing(current, ChunkLoopOp)
        if depth > target.loop_depth.data:
            raise VerifyException(
                f'chunk loops nest {depth} deep but target "{target.machine.data}" has '
                f"{target.loop_depth.data} hardware loop levels"
            )
