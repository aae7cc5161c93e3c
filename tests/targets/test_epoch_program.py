"""Serialization: program -> module -> text -> module -> program is the identity on bytes.

Random programs come from the ISA tests' strategies (every row, every field value including
NaN payloads, nested loops, every symbol kind, arbitrary data segments and versions), so the
IR must represent everything a program file can hold.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, f32, i64
from xdsl.ir import Attribute
from xdsl.printer import Printer

from epoch_mlir.dialects.epoch import ProgramOp, SymbolOp
from epoch_mlir.dialects.epoch.attrs import MemAttr
from epoch_mlir.dialects.epoch.ops import HaltOp, LoadOp, LoopOp, StoreOp
from epoch_mlir.errors import IRError
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.isa.asm import assemble
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.fields import Mem
from epoch_mlir.isa.program import Program, SymbolKind, load_program
from epoch_mlir.targets.epoch_asm import EpochAsmTarget
from epoch_mlir.targets.epoch_program import module_to_program, program_to_module
from tests.isa.strategies import programs

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reparse(module: ModuleOp, *, generic: bool = False) -> ModuleOp:
    text = io.StringIO()
    Printer(stream=text, print_generic_format=generic).print_op(module)
    return parse_module(make_context(), SourceText("<test>", text.getvalue()))


@FAST
@given(programs())
def test_program_survives_the_custom_syntax(program: Program) -> None:
    module = reparse(program_to_module(program))
    assert module_to_program(module).to_bytes() == program.to_bytes()


@FAST
@given(programs())
def test_program_survives_the_generic_syntax(program: Program) -> None:
    module = reparse(program_to_module(program), generic=True)
    assert module_to_program(module).to_bytes() == program.to_bytes()


@FAST
@given(programs())
def test_custom_and_generic_text_round_trip_exactly(program: Program) -> None:
    module = program_to_module(program)
    custom, generic = str(module), str(reparse(module, generic=True))
    assert generic == custom
    assert str(reparse(module)) == custom


@FAST
@given(programs())
def test_asm_target_assembles_to_the_same_program(program: Program) -> None:
    module = program_to_module(program)
    text = io.StringIO()
    EpochAsmTarget().emit(make_context(), module, text)
    assert assemble(text.getvalue()).to_bytes() == module_to_program(module).to_bytes()


def test_program_from_a_file_round_trips() -> None:
    builder = ProgramBuilder()
    x = builder.arg("x", (4, 8))
    y = builder.result("y", (4, 8))
    builder.const("w", np.array([1 + 2j, np.nan], np.complex64))
    builder.sram("buf", 0, (64,))
    builder.emit("li", 1, 0)
    with builder.loop(4, ra=1, sa=8):
        builder.emit("load", 0, Mem(1, x.address), 1, 8, 8, 8)
        builder.emit("store", Mem(1, y.address), 0, 1, 8, 8, 8)
    builder.emit("halt")
    program = load_program(builder.build().to_bytes())
    assert module_to_program(reparse(program_to_module(program))).to_bytes() == program.to_bytes()


def test_laid_out_symbols_match_the_builder() -> None:
    """DRAM left to serialization is laid out exactly as ProgramBuilder lays it out."""
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    ops = [
        SymbolOp(SymbolKind.ARG, "x", _tensor((4, 8))),
        SymbolOp.constant("w", weights),
        SymbolOp(SymbolKind.RESULT, "y", _tensor((4, 8))),
        SymbolOp(SymbolKind.SRAM, "buf", _tensor((64,)), address=0),
        LoopOp.from_values(
            {"count": 4, "len": 0, "ra": 1, "sa": 8, "rb": 0, "sb": 0},
            [
                LoadOp.create(properties=_copy(MemAttr(0), MemAttr(0, 1, "x"))),
                StoreOp.create(properties=_copy(MemAttr(0, 1, "y"), MemAttr(0))),
            ],
        ),
        HaltOp.create(),
    ]
    module = ModuleOp([ProgramOp(ops)])

    builder = ProgramBuilder()
    x = builder.arg("x", (4, 8))
    builder.const("w", weights)
    y = builder.result("y", (4, 8))
    builder.sram("buf", 0, (64,))
    with builder.loop(4, ra=1, sa=8):
        builder.emit("load", 0, Mem(1, x.address), 1, 8, 8, 8)
        builder.emit("store", Mem(1, y.address), 0, 1, 8, 8, 8)
    builder.emit("halt")
    assert module_to_program(module).to_bytes() == builder.build().to_bytes()
    assert module_to_program(reparse(module)).to_bytes() == builder.build().to_bytes()


def _tensor(shape: tuple[int, ...]) -> TensorType:
    return TensorType(f32, shape)


def _copy(dst: MemAttr, src: MemAttr) -> dict[str, Attribute]:
    """The properties of a one-row copy of 8 words (load or store)."""
    sizes = {"rows": 1, "cols": 8, "dst_stride": 8, "src_stride": 8}
    return {"dst": dst, "src": src, **{k: IntegerAttr(v, i64) for k, v in sizes.items()}}


def test_serialization_errors_name_the_op() -> None:
    ops = [
        SymbolOp.constant("a", np.array([1.0, 2.0], np.float32), address=0),
        SymbolOp.constant("b", np.array([3.0, 4.0], np.float32), address=1),
    ]
    with pytest.raises(IRError, match="@b overlaps @a with different data at address 1"):
        module_to_program(ModuleOp([ProgramOp(ops)]))
    with pytest.raises(IRError, match="the module has none"):
        module_to_program(ModuleOp([]))
