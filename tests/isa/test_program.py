"""The program container: round trips, and every kind of damage is a one-line ProgramFormatError."""

from __future__ import annotations

import dataclasses
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from epoch_mlir.errors import ProgramFormatError
from epoch_mlir.isa.encoding import encode
from epoch_mlir.isa.fields import Mem
from epoch_mlir.isa.program import (
    VERSION,
    Program,
    Symbol,
    SymbolKind,
    check_symbols,
    load_program,
    read_program,
)
from epoch_mlir.machine import load_machine
from tests.isa.strategies import programs

HEADER_BYTES = 32
CHECKSUM_AT = 28


def small_program() -> Program:
    """A program with something in every section: code with a loop, data, both symbol spaces."""
    load = {"dst": Mem(0, 0), "src": Mem(1, 8), "rows": 1, "cols": 4}
    loop = {"count": 2, "len": 1, "ra": 1, "sa": 4, "rb": 0, "sb": 0}
    return Program(
        (
            encode("loop", loop),
            encode("load", {**load, "dst_stride": 4, "src_stride": 4}),
            encode("halt", {}),
        ),
        (
            Symbol("x", SymbolKind.ARG, 0, (2, 4)),
            Symbol("w", SymbolKind.CONST, 16, (2,), "c64"),
            Symbol("buf", SymbolKind.SRAM, 0, (8,)),
        ),
        16,
        np.arange(4, dtype=np.uint32),
    )


def with_checksum(data: bytes) -> bytes:
    """Recompute the CRC, so a test reaches the checks that come after it."""
    header = data[:CHECKSUM_AT] + b"\0\0\0\0"
    checksum = zlib.crc32(data[HEADER_BYTES:], zlib.crc32(header))
    return data[:CHECKSUM_AT] + struct.pack("<I", checksum) + data[HEADER_BYTES:]


def assert_same(loaded: Program, program: Program) -> None:
    assert loaded.words == program.words
    assert loaded.symbols == program.symbols
    assert loaded.data_base == program.data_base
    assert loaded.data.tolist() == program.data.tolist()
    assert loaded.version == program.version


@settings(max_examples=60, deadline=None)
@given(programs())
def test_a_saved_program_loads_back_unchanged(program: Program) -> None:
    data = program.to_bytes()
    loaded = load_program(data)
    assert_same(loaded, program)
    assert loaded.to_bytes() == data


def test_save_and_read_program_use_the_same_bytes(tmp_path: Path) -> None:
    program = small_program()
    program.save(tmp_path / "p.epb")
    assert (tmp_path / "p.epb").read_bytes() == program.to_bytes()
    assert_same(read_program(tmp_path / "p.epb"), program)


def test_every_single_bit_flip_is_detected() -> None:
    data = small_program().to_bytes()
    for bit in range(8 * len(data)):
        damaged = bytearray(data)
        damaged[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(ProgramFormatError):
            load_program(bytes(damaged), "p.epb")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"", "empty file, not an EpochCore program"),
        (lambda data: data[:10], "truncated: 10 bytes, shorter than the 32-byte header"),
        (lambda data: data[:-1], "truncated: .* bytes, the header announces"),
        (lambda data: data[:HEADER_BYTES], "truncated: 32 bytes, the header announces"),
        (lambda data: data + b"\0\0", "corrupt: 2 bytes after the end of the program"),
        (lambda data: b"ELF\x7f" + data[4:], "not an EpochCore program"),
        (lambda data: data[:4] + struct.pack("<H", 2) + data[6:], "unsupported program version 2"),
        (lambda data: data[:-3] + b"zzz", "corrupt: checksum mismatch"),
    ],
)
def test_damaged_files_are_rejected_with_a_clear_message(damage, message: str) -> None:
    with pytest.raises(ProgramFormatError, match=message) as caught:
        load_program(damage(small_program().to_bytes()), "p.epb")
    assert str(caught.value).startswith("p.epb: ")
    assert "\n" not in str(caught.value)


def test_a_newer_minor_version_is_read_and_kept() -> None:
    program = Program(small_program().words, version=(VERSION[0], VERSION[1] + 3))
    assert load_program(program.to_bytes()).version == (VERSION[0], VERSION[1] + 3)


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (Program((0,)), "instruction 0: unknown opcode 0x00"),
        (Program((encode("halt", {}), 1 | 1 << 200)), "instruction 1: halt: reserved bits"),
        (
            Program((encode("loop", {"count": 1, "len": 2, "ra": 0, "sa": 0, "rb": 0, "sb": 0}),)),
            "instruction 0: loop body runs past the end of the program",
        ),
        (
            Program((), (Symbol("w", SymbolKind.CONST, 0, (4,)),)),
            "constant 'w' lies outside the data segment",
        ),
        (
            Program((), (Symbol("w", SymbolKind.DRAM, 0, (4,)),) * 2),
            "symbol 'w' is defined twice",
        ),
    ],
)
def test_well_formed_files_with_invalid_contents_are_rejected(
    program: Program, message: str
) -> None:
    with pytest.raises(ProgramFormatError, match=message):
        load_program(program.to_bytes(), "p.epb")


def test_a_corrupt_symbol_table_is_rejected() -> None:
    data = bytearray(small_program().to_bytes())
    table_start = len(data) - sum(
        12 + 4 * len(s.shape) + len(s.name) for s in small_program().symbols
    )
    data[table_start + 1] = 9  # dtype code with no dtype
    with pytest.raises(ProgramFormatError, match="corrupt symbol table: entry 0 is malformed"):
        load_program(with_checksum(bytes(data)), "p.epb")
    cut = small_program().to_bytes()[:-1]  # drop the last name byte, shrink the table to match
    table_bytes = struct.unpack_from("<I", cut, 24)[0] - 1
    cut = cut[:24] + struct.pack("<I", table_bytes) + cut[28:]
    with pytest.raises(ProgramFormatError, match="corrupt symbol table: entry 2 is cut short"):
        load_program(with_checksum(cut), "p.epb")


def test_a_wrong_dram_extent_in_the_header_is_rejected() -> None:
    data = small_program().to_bytes()
    damaged = data[:20] + struct.pack("<I", 999) + data[24:]
    with pytest.raises(ProgramFormatError, match="header says 999 DRAM words, symbols need 20"):
        load_program(with_checksum(damaged), "p.epb")


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(ProgramFormatError, match="cannot read program") as caught:
        read_program(tmp_path / "missing.epb")
    assert caught.value.where == str(tmp_path / "missing.epb")


@pytest.mark.parametrize(
    ("symbol", "message"),
    [
        (Symbol("1x", SymbolKind.DRAM, 0, (1,)), "symbol name '1x' is not an identifier"),
        (Symbol("a" * 65536, SymbolKind.DRAM, 0, (1,)), "is over 65535 bytes"),
        (Symbol("a", SymbolKind.DRAM, 0, (1,), "f16"), "symbol 'a' has unknown dtype 'f16'"),
        (Symbol("a", SymbolKind.DRAM, 0, (2, 0)), r"symbol 'a' has invalid shape \[2, 0\]"),
        (Symbol("a", SymbolKind.DRAM, 0, (1,) * 9), "symbol 'a' has invalid shape"),
        (Symbol("a", SymbolKind.DRAM, -1, (1,)), "symbol 'a' lies outside the 32-bit"),
        (Symbol("a", SymbolKind.DRAM, 1, ((1 << 32) - 1,)), "symbol 'a' lies outside the 32-bit"),
    ],
)
def test_check_symbols_refuses_what_the_container_cannot_hold(symbol: Symbol, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_symbols([symbol], 0, 0)


def test_the_largest_symbol_the_container_can_hold_round_trips() -> None:
    program = Program((), (Symbol("a", SymbolKind.DRAM, 1, ((1 << 32) - 2,)),))
    assert load_program(program.to_bytes()).dram_words == (1 << 32) - 1


def test_the_machine_record_survives_saving_and_loading() -> None:
    record = load_machine("small").record
    program = dataclasses.replace(small_program(), machine=record)
    data = program.to_bytes()
    loaded = load_program(data)
    assert loaded.machine == record
    assert_same(loaded, program)
    assert loaded.to_bytes() == data
    assert len(data) > len(small_program().to_bytes()) + len(record.description)


def test_a_version_1_0_file_has_no_machine_section_and_stays_1_0() -> None:
    old = dataclasses.replace(small_program(), version=(1, 0))
    data = old.to_bytes()
    assert len(data) == len(small_program().to_bytes()) - 8  # the two section lengths
    loaded = load_program(data)
    assert (loaded.version, loaded.machine) == ((1, 0), None)
    assert loaded.to_bytes() == data
    with pytest.raises(ValueError, match="cannot record its machine"):
        dataclasses.replace(old, machine=load_machine("tpu").record)


@pytest.mark.parametrize(
    ("description", "message"),
    [
        (b'{"name": "tpu"', "corrupt machine section: machine description is not JSON"),
        (b'{"name": "tpu", "rows": -1}', "corrupt machine section: 'rows' must be"),
        (b"\xff", "corrupt machine section: not UTF-8"),
    ],
)
def test_a_corrupt_machine_section_is_rejected(description: bytes, message: str) -> None:
    with pytest.raises(ProgramFormatError, match=re.escape(message)):
        load_program(_with_raw_description(description), "p.epb")


def _with_raw_description(raw: bytes) -> bytes:
    """small_program's bytes with a machine section holding `raw` as the description."""
    data = small_program().to_bytes()
    code_and_data = HEADER_BYTES + 3 * 32 + 4 * 4
    section = struct.pack("<II", 3, len(raw)) + b"tpu" + raw
    table = data[code_and_data + 8 :]
    header = data[:24] + struct.pack("<I", len(section) + len(table)) + data[28:HEADER_BYTES]
    return with_checksum(header + data[HEADER_BYTES:code_and_data] + section + table)
