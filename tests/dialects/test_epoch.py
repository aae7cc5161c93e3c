"""The `epoch` dialect is the instruction table: one op per row, one property per field.

These tests fail if a row is added, removed or changed without the dialect following, and
check that each op holds exactly what the encoder needs (ISA values -> op -> ISA values).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.traits import Pure, get_effects
from xdsl.transforms.dead_code_elimination import DeadCodeElimination
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.epoch import (
    EPOCH,
    INSTRUCTION_OPS,
    F32Attr,
    InstructionOp,
    LoopInstructionOp,
    ProgramOp,
    SymbolOp,
)
from epoch_mlir.dialects.epoch.ops import HaltOp, LoopOp, VaddiOp
from epoch_mlir.dialects.epoch.program import ELEMENT_TYPES
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.isa.asm import LOOP_LENGTH
from epoch_mlir.isa.encoding import Value, encode
from epoch_mlir.isa.fields import FIELDS, Kind, Mem
from epoch_mlir.isa.program import DTYPES, SymbolKind
from epoch_mlir.isa.table import BY_MNEMONIC, INSTRUCTIONS, Instr
from tests.isa.strategies import row_values

OPS_TEST = Path(__file__).parents[1] / "filecheck" / "dialects" / "epoch" / "ops.mlir"
OP_OF_ROW = {op.row().mnemonic: op for op in INSTRUCTION_OPS}


def stored_fields(row: Instr) -> list[str]:
    """The fields an op keeps as properties: all but the loop's `len`, which is its body."""
    return [name for name in row.fields if name != LOOP_LENGTH or row.mnemonic != "loop"]


def test_one_op_class_per_table_row() -> None:
    assert [op.row() for op in INSTRUCTION_OPS] == list(INSTRUCTIONS)
    assert len(set(INSTRUCTION_OPS)) == len(INSTRUCTIONS)
    assert set(INSTRUCTION_OPS) <= set(EPOCH.operations)


def test_op_names_and_classes_follow_the_mnemonic() -> None:
    for op in INSTRUCTION_OPS:
        mnemonic = op.row().mnemonic
        assert op.name == f"epoch.{mnemonic}"
        assert op.__name__ == f"{mnemonic.capitalize()}Op"
        assert issubclass(op, LoopInstructionOp) == (mnemonic == "loop")


@pytest.mark.parametrize("row", INSTRUCTIONS, ids=lambda row: row.mnemonic)
def test_properties_are_the_row_fields(row: Instr) -> None:
    definition = OP_OF_ROW[row.mnemonic].get_irdl_definition()
    assert list(definition.properties) == stored_fields(row)
    assert not definition.attributes
    assert not definition.operands
    assert not definition.results
    for name, prop in definition.properties.items():
        is_flag = FIELDS[name].kind is Kind.FLAG
        assert prop.__class__.__name__ == ("OptPropertyDef" if is_flag else "PropertyDef")


@pytest.mark.parametrize("row", INSTRUCTIONS, ids=lambda row: row.mnemonic)
def test_docstring_is_the_row_summary_and_semantics(row: Instr) -> None:
    doc = OP_OF_ROW[row.mnemonic].__doc__ or ""
    assert doc.startswith(row.summary)
    assert row.semantics in doc


def test_instruction_ops_have_side_effects() -> None:
    """Unknown effects: neither Pure nor any memory-effect trait that DCE could trust."""
    for op_class in INSTRUCTION_OPS:
        assert not op_class.has_trait(Pure), op_class
        assert get_effects(op_class.create()) is None, op_class


def test_dead_code_elimination_keeps_instructions() -> None:
    module = ModuleOp([ProgramOp([HaltOp.create(), HaltOp.create()])])
    DeadCodeElimination().apply(make_context(), module)
    assert [op.name for op in module.walk()] == [
        "builtin.module",
        "epoch.program",
        "epoch.halt",
        "epoch.halt",
    ]


def test_every_op_appears_in_the_custom_syntax_test() -> None:
    text = OPS_TEST.read_text()
    for op in EPOCH.operations:
        assert re.search(rf"^\s*{re.escape(op.name)}\b", text, re.MULTILINE), op.name


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(INSTRUCTIONS).flatmap(lambda row: st.tuples(st.just(row), row_values(row))))
def test_isa_values_survive_the_op(case: tuple[Instr, dict[str, Value]]) -> None:
    """values -> op -> verify -> builder operands -> word: the encoder's word for the values."""
    row, values = case
    op_class = OP_OF_ROW[row.mnemonic]
    if row.mnemonic == "loop":
        op = op_class.from_values(values, [HaltOp.create()])  # type: ignore[call-arg]
        values = {**values, LOOP_LENGTH: 1}
    else:
        op = op_class.from_values(values)  # type: ignore[call-arg]
    op.verify()
    operands = op.builder_operands(lambda name: pytest.fail(f"no symbols here, got {name}"))
    if isinstance(op, LoopInstructionOp):
        operands[LOOP_LENGTH] = op.body_length()
    assert encode(row.mnemonic, _encoder_values(row, operands)) == encode(row.mnemonic, values)


def _encoder_values(row: Instr, operands: dict[str, object]) -> dict[str, Value]:
    """ProgramBuilder's operand spellings (keywords, flags as bools) as encoder values."""
    values: dict[str, Value] = {}
    for name, operand in operands.items():
        field = FIELDS[name]
        if field.kind is Kind.ENUM:
            values[name] = field.keywords.index(str(operand))
        elif field.kind is Kind.MASK:
            names = [] if operand == "none" else str(operand).split("|")
            values[name] = sum(1 << field.keywords.index(unit) for unit in names)
        else:
            values[name] = int(operand) if isinstance(operand, bool) else operand  # type: ignore[assignment]
    return values


def test_loop_body_longer_than_the_len_field_is_refused() -> None:
    limit = (1 << FIELDS[LOOP_LENGTH].width) - 1
    values = dict.fromkeys(BY_MNEMONIC["loop"].fields, 0) | {"count": 2}
    fits = LoopOp.from_values(values, [HaltOp.create() for _ in range(limit)])
    fits.verify()
    fits.body.block.add_op(HaltOp.create())
    with pytest.raises(VerifyException, match="longer than the 16-bit len field allows"):
        fits.verify()


def test_op_classes_cannot_name_an_unknown_mnemonic() -> None:
    from epoch_mlir.dialects.epoch.formats import instruction_op
    from epoch_mlir.errors import IsaTableError

    class FrobOp(InstructionOp):
        name = "epoch.frob"

    with pytest.raises(IsaTableError, match="no instruction 'frob'"):
        instruction_op(FrobOp)


# Bit patterns xDSL's own float printing would change: signalling and payload NaNs, infinities,
# the sign of zero, the smallest denormal, the largest finite value.
SPECIAL_BITS = [
    0x7F800001,
    0xFFC00001,
    0x7FC00000,
    0x7F800000,
    0xFF800000,
    0x80000000,
    1,
    0x7F7FFFFF,
]
words32 = st.one_of(st.sampled_from(SPECIAL_BITS), st.integers(0, (1 << 32) - 1))


def reprinted(module: ModuleOp, generic: bool) -> ModuleOp:
    """`module` printed (custom or generic form), then parsed and verified."""
    from io import StringIO

    from xdsl.printer import Printer

    text = StringIO()
    Printer(stream=text, print_generic_format=generic).print_op(module)
    parsed = parse_module(make_context(), SourceText("<test>", text.getvalue()))
    parsed.verify()
    return parsed


@settings(max_examples=200, deadline=None)
@given(words32, st.booleans())
@example(0x7F800001, False)
@example(0x7F800001, True)
def test_f32_immediates_keep_every_bit(bits: int, generic: bool) -> None:
    values = dict.fromkeys(BY_MNEMONIC["vaddi"].fields, 0)
    values |= {"dst": Mem(0, 0), "a": Mem(0, 0), "fimm": F32Attr(bits).value}
    module = ModuleOp([ProgramOp([VaddiOp.from_values(values)])])
    (op,) = [op for op in reprinted(module, generic).walk() if isinstance(op, VaddiOp)]
    assert op.properties["fimm"] == F32Attr(bits)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(DTYPES)), st.lists(words32, min_size=1, max_size=12), st.booleans())
@example("f32", [0, 0x80000000], False)
@example("f32", [0x7F800000] * 3, False)
@example("c64", [0x7F800001, 0, 0x7F800001, 0], False)
def test_constant_data_keeps_every_bit(dtype: str, words: list[int], generic: bool) -> None:
    per_element = DTYPES[dtype][0]
    words = words[: len(words) // per_element * per_element] or [0] * per_element
    shape = (len(words) // per_element,)
    data = np.array(words, np.uint32)
    op = SymbolOp(SymbolKind.CONST, "w", TensorType(ELEMENT_TYPES[dtype], shape), 0, data)
    (parsed,) = [
        o for o in reprinted(ModuleOp([ProgramOp([op])]), generic).walk() if isinstance(o, SymbolOp)
    ]
    assert parsed.words().tolist() == words
