"""The program container shared by the compiler, assembler, disassembler and emulator.

Layout (all little-endian), version 1.1:

    header   32 bytes: magic "EPCH", major u16, minor u16, instruction count u32, data base u32
             (DRAM word address), data words u32, DRAM words u32 (the extent the program
             addresses), symbol-table bytes u32, CRC-32 u32 (of the header with this field zero,
             then everything after the header)
    code     instruction count x 32-byte words
    data     data words x 4 bytes, loaded into DRAM at the data base before the run
    symbols  one entry per symbol: kind u8, dtype u8, rank u8, reserved u8, name length u16,
             reserved u16, address u32, rank x dim u32, name (UTF-8)

Since 1.1 the symbol table is preceded by the machine section, and the header's symbol-table
bytes count both: the machine the program was compiled for, as source bytes u32, description
bytes u32, the source (preset name or TOML path, UTF-8), the description (the machine's
canonical JSON, machine.py); both lengths 0 when the producer named no machine (an assembly
file without `.machine`).

A 1.0 file has no machine section and still loads (and saves back as 1.0).

Loading checks every part, so a truncated, corrupt or foreign file is a `ProgramFormatError`
(a one-line user error), never a crash inside the emulator.
"""

from __future__ import annotations

import enum
import math
import re
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from epoch_mlir.errors import MachineError, ProgramFormatError
from epoch_mlir.io import atomic_write_bytes
from epoch_mlir.isa.encoding import (
    WORD_BYTES,
    DecodeError,
    Instruction,
    decode,
    from_bytes,
    to_bytes,
)
from epoch_mlir.machine import MachineRecord

MAGIC = b"EPCH"
VERSION = (1, 1)
MACHINE_SECTION_VERSION = (1, 1)  # the first version with a machine section
_HEADER = struct.Struct("<4sHHIIIIII")
_SYMBOL = struct.Struct("<BBBBHHI")
_MACHINE = struct.Struct("<II")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.$]*\Z")
ADDRESS_LIMIT = 1 << 32
_NAME_LIMIT = (1 << 16) - 1  # the name length is a u16


class SymbolKind(enum.IntEnum):
    """What a symbol names; args and results are the entry's inputs and outputs, in order."""

    ARG = 0
    RESULT = 1
    CONST = 2  # a tensor in the data segment
    DRAM = 3  # a DRAM scratch buffer
    SRAM = 4  # a named SRAM buffer (for readable assembly)


DTYPES: dict[str, tuple[int, type[np.generic]]] = {
    "f32": (1, np.float32),
    "c64": (2, np.complex64),
    "i32": (1, np.int32),  # token ids (contract version 2)
}
_DTYPE_CODES = {name: code for code, name in enumerate(DTYPES)}


@dataclass(frozen=True)
class Symbol:
    """A named region of DRAM or SRAM with a shape and element type."""

    name: str
    kind: SymbolKind
    address: int  # word address (SRAM for kind SRAM, DRAM otherwise)
    shape: tuple[int, ...]
    dtype: str = "f32"

    @property
    def words(self) -> int:
        return math.prod(self.shape) * DTYPES[self.dtype][0]

    @property
    def end(self) -> int:
        return self.address + self.words

    @property
    def numpy_dtype(self) -> type[np.generic]:
        return DTYPES[self.dtype][1]

    @property
    def in_dram(self) -> bool:
        return self.kind is not SymbolKind.SRAM


@dataclass(frozen=True)
class Program:
    """A complete program: instruction words, the data segment and the symbol table."""

    words: tuple[int, ...]
    symbols: tuple[Symbol, ...] = ()
    data_base: int = 0
    data: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    version: tuple[int, int] = VERSION
    machine: MachineRecord | None = None  # the machine it was compiled for, if known

    def __post_init__(self) -> None:
        if self.machine is not None and self.version < MACHINE_SECTION_VERSION:
            raise ValueError(f"a version {self.version} program cannot record its machine")

    @property
    def dram_words(self) -> int:
        """The DRAM extent the program addresses: its DRAM symbols and its data segment."""
        ends = [symbol.end for symbol in self.symbols if symbol.in_dram]
        if len(self.data):
            ends.append(self.data_base + len(self.data))
        return max(ends, default=0)

    @property
    def args(self) -> list[Symbol]:
        return [s for s in self.symbols if s.kind is SymbolKind.ARG]

    @property
    def results(self) -> list[Symbol]:
        return [s for s in self.symbols if s.kind is SymbolKind.RESULT]

    def decoded(self) -> list[Instruction]:
        return [decode(word) for word in self.words]

    def to_bytes(self) -> bytes:
        code = b"".join(to_bytes(word) for word in self.words)
        data = np.ascontiguousarray(self.data, dtype="<u4").tobytes()
        table = b"".join(_pack_symbol(symbol) for symbol in self.symbols)
        if self.version >= MACHINE_SECTION_VERSION:
            table = _pack_machine(self.machine) + table
        header = _HEADER.pack(
            MAGIC,
            *self.version,
            len(self.words),
            self.data_base,
            len(self.data),
            self.dram_words,
            len(table),
            0,
        )
        body = code + data + table
        checksum = zlib.crc32(body, zlib.crc32(header))
        return header[:-4] + struct.pack("<I", checksum) + body

    def save(self, path: str | Path) -> None:
        atomic_write_bytes(path, self.to_bytes())


def _pack_symbol(symbol: Symbol) -> bytes:
    name = symbol.name.encode()
    head = _SYMBOL.pack(
        int(symbol.kind),
        _DTYPE_CODES[symbol.dtype],
        len(symbol.shape),
        0,
        len(name),
        0,
        symbol.address,
    )
    return head + struct.pack(f"<{len(symbol.shape)}I", *symbol.shape) + name


def _pack_machine(record: MachineRecord | None) -> bytes:
    if record is None:
        return _MACHINE.pack(0, 0)
    source, description = record.source.encode(), record.description.encode()
    return _MACHINE.pack(len(source), len(description)) + source + description


def check_symbols(symbols: Iterable[Symbol], data_base: int, data_words: int) -> None:
    """Raise ValueError naming the first symbol that is malformed or out of place."""
    if data_base < 0 or data_base + data_words >= ADDRESS_LIMIT:
        raise ValueError("the data segment lies outside the 32-bit address space")
    names: set[str] = set()
    for symbol in symbols:
        if not _NAME_RE.match(symbol.name):
            raise ValueError(f"symbol name {symbol.name!r} is not an identifier")
        if len(symbol.name.encode()) > _NAME_LIMIT:
            raise ValueError(f"symbol name {symbol.name[:20]!r}... is over {_NAME_LIMIT} bytes")
        if symbol.name in names:
            raise ValueError(f"symbol {symbol.name!r} is defined twice")
        names.add(symbol.name)
        if symbol.dtype not in DTYPES:
            raise ValueError(f"symbol {symbol.name!r} has unknown dtype {symbol.dtype!r}")
        if any(dim <= 0 for dim in symbol.shape) or len(symbol.shape) > 8:
            raise ValueError(f"symbol {symbol.name!r} has invalid shape {list(symbol.shape)}")
        # The header stores the DRAM extent (the highest end) as a u32, so an end is < 2**32.
        if symbol.address < 0 or symbol.end >= ADDRESS_LIMIT:
            raise ValueError(f"symbol {symbol.name!r} lies outside the 32-bit address space")
        inside_data = data_base <= symbol.address and symbol.end <= data_base + data_words
        if symbol.kind is SymbolKind.CONST and not inside_data:
            raise ValueError(f"constant {symbol.name!r} lies outside the data segment")


class LoopStructureError(ValueError):
    """A loop whose body is empty, runs past the end or crosses an enclosing body."""

    def __init__(self, pc: int, cause: str) -> None:
        super().__init__(f"instruction {pc}: {cause}")
        self.pc = pc
        self.cause = cause


def check_loops(instructions: list[Instruction]) -> None:
    """Raise LoopStructureError for the first badly formed loop."""
    open_ends: list[int] = []
    for pc, instruction in enumerate(instructions):
        while open_ends and open_ends[-1] <= pc:
            open_ends.pop()
        if instruction.mnemonic != "loop":
            continue
        length = instruction.integer("len")
        end = pc + 1 + length
        if length == 0:
            raise LoopStructureError(pc, "loop with an empty body")
        if end > len(instructions):
            raise LoopStructureError(pc, "loop body runs past the end of the program")
        if open_ends and end > open_ends[-1]:
            raise LoopStructureError(pc, "loop body crosses the end of an enclosing loop")
        open_ends.append(end)


def load_program(data: bytes, where: str = "<program>") -> Program:
    """Parse and validate a program file's bytes."""

    def fail(message: str) -> ProgramFormatError:
        return ProgramFormatError(message, where)

    if len(data) < _HEADER.size:
        if not data:
            raise fail("empty file, not an EpochCore program")
        raise fail(f"truncated: {len(data)} bytes, shorter than the {_HEADER.size}-byte header")
    magic, major, minor, count, data_base, data_words, dram_words, table_bytes, checksum = (
        _HEADER.unpack_from(data)
    )
    if magic != MAGIC:
        raise fail(f"not an EpochCore program (magic {magic!r}, expected {MAGIC!r})")
    if major != VERSION[0]:
        raise fail(f"unsupported program version {major}.{minor} (this toolchain reads 1.x)")
    expected = _HEADER.size + count * WORD_BYTES + data_words * 4 + table_bytes
    if len(data) < expected:
        raise fail(f"truncated: {len(data)} bytes, the header announces {expected}")
    if len(data) > expected:
        raise fail(f"corrupt: {len(data) - expected} bytes after the end of the program")
    header = data[: _HEADER.size - 4] + b"\0\0\0\0"
    if zlib.crc32(data[_HEADER.size :], zlib.crc32(header)) != checksum:
        raise fail("corrupt: checksum mismatch")

    offset = _HEADER.size
    words = tuple(
        from_bytes(data[offset + i * WORD_BYTES : offset + (i + 1) * WORD_BYTES])
        for i in range(count)
    )
    offset += count * WORD_BYTES
    segment = np.frombuffer(data, "<u4", data_words, offset).astype(np.uint32)
    offset += data_words * 4
    machine = None
    if (major, minor) >= MACHINE_SECTION_VERSION:
        machine, offset = _unpack_machine(data, offset, fail)
    symbols = _unpack_symbols(data[offset:], where)

    try:
        instructions = [decode(word) for word in words]
    except DecodeError as error:
        index = next(i for i, w in enumerate(words) if _bad(w))
        raise fail(f"instruction {index}: {error}") from None
    try:
        check_loops(instructions)
        check_symbols(symbols, data_base, data_words)
    except ValueError as error:
        raise fail(str(error)) from None
    program = Program(words, tuple(symbols), data_base, segment, (major, minor), machine)
    if program.dram_words != dram_words:
        raise fail(
            f"corrupt: header says {dram_words} DRAM words, symbols need {program.dram_words}"
        )
    return program


def _unpack_machine(
    data: bytes, offset: int, fail: Callable[[str], Exception]
) -> tuple[MachineRecord | None, int]:
    """The recorded machine (checked as thoroughly as a machine file) and where it ends."""
    if len(data) < offset + _MACHINE.size:
        raise fail("corrupt machine section: cut short")
    source_bytes, description_bytes = _MACHINE.unpack_from(data, offset)
    start = offset + _MACHINE.size
    end = start + source_bytes + description_bytes
    if end > len(data):
        raise fail("corrupt machine section: cut short")
    if not source_bytes and not description_bytes:
        return None, end
    try:
        source = data[start : start + source_bytes].decode()
        description = data[start + source_bytes : end].decode()
    except UnicodeDecodeError:
        raise fail("corrupt machine section: not UTF-8") from None
    record = MachineRecord(description, source)
    try:
        record.machine("the program's machine record")
    except MachineError as error:
        raise fail(f"corrupt machine section: {error.message}") from None
    return record, end


def _bad(word: int) -> bool:
    try:
        decode(word)
    except DecodeError:
        return True
    return False


def _unpack_symbols(table: bytes, where: str) -> list[Symbol]:
    def fail(message: str) -> ProgramFormatError:
        return ProgramFormatError(message, where)

    symbols: list[Symbol] = []
    offset = 0
    while offset < len(table):
        if offset + _SYMBOL.size > len(table):
            raise fail(f"corrupt symbol table: entry {len(symbols)} is cut short")
        kind, dtype, rank, _, name_length, _, address = _SYMBOL.unpack_from(table, offset)
        offset += _SYMBOL.size
        end = offset + 4 * rank + name_length
        if end > len(table):
            raise fail(f"corrupt symbol table: entry {len(symbols)} is cut short")
        shape = struct.unpack_from(f"<{rank}I", table, offset)
        try:
            name = table[offset + 4 * rank : end].decode()
            symbol_kind = SymbolKind(kind)
            dtype_name = list(DTYPES)[dtype]
        except (UnicodeDecodeError, ValueError, IndexError):
            raise fail(f"corrupt symbol table: entry {len(symbols)} is malformed") from None
        symbols.append(Symbol(name, symbol_kind, address, tuple(shape), dtype_name))
        offset = end
    return symbols


def read_program(path: str | Path) -> Program:
    """Load a program file; an unreadable or invalid file is a user error naming it."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ProgramFormatError(f"cannot read program: {error.strerror}", str(path)) from None
    return load_program(data, str(path))
