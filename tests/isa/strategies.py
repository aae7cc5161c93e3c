"""Hypothesis strategies for instructions and whole programs, all derived from the ISA tables.

Shared by the encoding, program, assembler and disassembler tests, so that each property runs over
every row and every field kind the table defines, not over a hand-picked list.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from hypothesis import strategies as st

from epoch_mlir.isa.encoding import LAYOUTS, Value, encode, f32_from_bits
from epoch_mlir.isa.fields import FIELDS, MEM_OFFSET_BITS, NUM_REGS, Field, Kind, Mem
from epoch_mlir.isa.program import _NAME_RE, DTYPES, VERSION, Program, Symbol, SymbolKind
from epoch_mlir.isa.table import BY_MNEMONIC, INSTRUCTIONS, Instr

LOOP = BY_MNEMONIC["loop"]
PLAIN_ROWS = [row for row in INSTRUCTIONS if row is not LOOP]
# Names a symbol may legally have that also mean something to the assembler.
AWKWARD_NAMES = ["loop", "r1", "r15", "tensor", "inf", "nan", "none", "dma", "acc", "mac", "a.b$c"]


def field_bits(field: Field) -> st.SearchStrategy[int]:
    """Every raw bit pattern the decoder accepts for a field."""
    if field.kind is Kind.ENUM:
        return st.integers(0, len(field.keywords) - 1)
    return st.integers(0, (1 << field.width) - 1)


def field_values(field: Field) -> st.SearchStrategy[Value]:
    """Every value the encoder accepts for a field (F32: every bit pattern, NaNs included)."""
    half = 1 << (field.width - 1)
    by_kind: dict[Kind, st.SearchStrategy[Value]] = {
        Kind.UINT: st.integers(0, (1 << field.width) - 1),
        Kind.SINT: st.integers(-half, half - 1),
        Kind.REG: st.integers(0, NUM_REGS - 1),
        Kind.MEM: st.builds(
            Mem,
            st.integers(0, NUM_REGS - 1),
            st.integers(-(1 << (MEM_OFFSET_BITS - 1)), (1 << (MEM_OFFSET_BITS - 1)) - 1),
        ),
        Kind.ENUM: st.integers(0, len(field.keywords) - 1),
        Kind.FLAG: st.integers(0, 1),
        Kind.MASK: st.integers(0, (1 << field.width) - 1),
        Kind.F32: st.integers(0, (1 << 32) - 1).map(f32_from_bits),
    }
    return by_kind[field.kind]


def row_values(row: Instr) -> st.SearchStrategy[dict[str, Value]]:
    return st.fixed_dictionaries({name: field_values(FIELDS[name]) for name in row.fields})


def row_words(row: Instr) -> st.SearchStrategy[int]:
    """Any word the decoder accepts for a row: random bits in every field, reserved bits zero."""
    layout = LAYOUTS[row.mnemonic]
    parts = [
        field_bits(field).map(lambda bits, lsb=lsb: bits << lsb) for field, lsb in layout.fields
    ]
    return st.tuples(*parts).map(lambda shifted: layout.match | sum(shifted))


@st.composite
def instruction_words(draw: st.DrawFn) -> list[int]:
    """A well-nested instruction stream: plain rows and loop blocks with non-empty bodies."""
    plain = st.sampled_from(PLAIN_ROWS).flatmap(row_words).map(lambda word: [word])
    loop_values = row_values(LOOP)

    def loop_block(bodies: st.SearchStrategy[list[int]]) -> st.SearchStrategy[list[int]]:
        def build(header: Mapping[str, Value], body: list[list[int]]) -> list[int]:
            flat = [word for part in body for word in part]
            return [encode("loop", {**header, "len": len(flat)}), *flat]

        return st.builds(build, loop_values, st.lists(bodies, min_size=1, max_size=3))

    blocks = st.recursive(plain, loop_block, max_leaves=12)
    return [word for block in draw(st.lists(blocks, max_size=6)) for word in block]


symbol_names = st.one_of(
    st.sampled_from(AWKWARD_NAMES), st.from_regex(_NAME_RE, fullmatch=True).filter(bool)
)


@st.composite
def symbols(draw: st.DrawFn, data_base: int, data_words: int) -> list[Symbol]:
    """Symbols of every kind with unique names; constants lie inside the data segment."""
    names = draw(st.lists(symbol_names, unique=True, max_size=6))
    table: list[Symbol] = []
    for name in names:
        dtype = draw(st.sampled_from(list(DTYPES)))
        shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
        kind = draw(st.sampled_from(list(SymbolKind)))
        words = Symbol(name, kind, 0, shape, dtype).words
        if kind is SymbolKind.CONST:
            if words > data_words:
                kind = SymbolKind.DRAM
            else:
                address = draw(st.integers(data_base, data_base + data_words - words))
        if kind is not SymbolKind.CONST:
            address = draw(st.integers(0, 1 << 20))
        table.append(Symbol(name, kind, address, shape, dtype))
    return table


@st.composite
def programs(draw: st.DrawFn) -> Program:
    """Any program `load_program` accepts, within small sizes."""
    data = draw(st.lists(st.integers(0, (1 << 32) - 1), max_size=20))
    data_base = draw(st.integers(0, 1 << 20))
    minor = draw(st.one_of(st.just(VERSION[1]), st.integers(0, (1 << 16) - 1)))
    return Program(
        tuple(draw(instruction_words())),
        tuple(draw(symbols(data_base, len(data)))),
        data_base,
        np.array(data, dtype=np.uint32),
        (VERSION[0], minor),
    )
