"""Building programs from Python: symbols, instructions and loop blocks, then a `Program`.

The compiler's program emission, the examples' generators, the tests and the benchmarks all build
programs through this one class, so encoding, DRAM allocation and the data segment are done once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from epoch_mlir.isa.encoding import LAYOUTS, Value, encode
from epoch_mlir.isa.fields import FIELDS, Kind, Mem
from epoch_mlir.isa.program import DTYPES, Program, Symbol, SymbolKind

Operand = int | float | str | Mem | Symbol


class ProgramBuilder:
    """Accumulates symbols and instructions; DRAM is handed out by a bump allocator.

    A caller that places tensors itself (the compiler shares DRAM between intermediates whose
    lifetimes do not overlap) takes a block with `reserve` and names its parts with
    `dram(..., address=)`.
    """

    def __init__(self, dram_alignment: int = 16) -> None:
        self.words: list[int] = []
        self.symbols: list[Symbol] = []
        self._dram_next = 0
        self._alignment = dram_alignment
        self._constants: list[tuple[Symbol, np.ndarray]] = []

    # ------------------------------------------------------------------------------- symbols
    def _allocate(self, words: int) -> int:
        address = self._dram_next
        self._dram_next += -(-words // self._alignment) * self._alignment
        return address

    def _add(
        self, name: str, kind: SymbolKind, shape: tuple[int, ...], dtype: str, address: int | None
    ) -> Symbol:
        words = int(np.prod(shape)) * DTYPES[dtype][0]
        if address is None:
            address = self._allocate(words)
        symbol = Symbol(name, kind, address, tuple(shape), dtype)
        self.symbols.append(symbol)
        return symbol

    def arg(self, name: str, shape: tuple[int, ...], dtype: str = "f32") -> Symbol:
        return self._add(name, SymbolKind.ARG, shape, dtype, None)

    def result(self, name: str, shape: tuple[int, ...], dtype: str = "f32") -> Symbol:
        return self._add(name, SymbolKind.RESULT, shape, dtype, None)

    def dram(
        self, name: str, shape: tuple[int, ...], dtype: str = "f32", address: int | None = None
    ) -> Symbol:
        """A DRAM scratch symbol: the next free block, or at `address` (inside a `reserve`)."""
        return self._add(name, SymbolKind.DRAM, shape, dtype, address)

    def reserve(self, words: int) -> int:
        """The address of a fresh block of `words` words (aligned), for `dram(address=)`."""
        return self._allocate(words)

    @property
    def dram_next(self) -> int:
        """The next address the bump allocator hands out (all DRAM below it is taken)."""
        return self._dram_next

    def sram(self, name: str, address: int, shape: tuple[int, ...], dtype: str = "f32") -> Symbol:
        return self._add(name, SymbolKind.SRAM, shape, dtype, address)

    def const(self, name: str, value: np.ndarray) -> Symbol:
        dtype = "c64" if np.iscomplexobj(value) else "f32"
        array = np.ascontiguousarray(value, DTYPES[dtype][1])
        symbol = self._add(name, SymbolKind.CONST, array.shape, dtype, None)
        self._constants.append((symbol, array))
        return symbol

    # -------------------------------------------------------------------------- instructions
    def emit(self, mnemonic: str, *positional: Operand, **fields: Operand) -> int:
        """Append one instruction (operands positionally in table order, or by field name)."""
        layout = LAYOUTS[mnemonic]
        names = [f.name for f, _ in layout.fields if f.kind is not Kind.FLAG]
        if len(positional) > len(names):
            raise ValueError(f"{mnemonic} takes {len(names)} positional operands")
        values = dict(zip(names, positional, strict=False)) | fields
        self.words.append(encode(mnemonic, {k: operand_value(k, v) for k, v in values.items()}))
        return len(self.words) - 1

    @contextlib.contextmanager
    def loop(
        self, count: int, ra: int = 0, sa: int = 0, rb: int = 0, sb: int = 0
    ) -> Iterator[None]:
        """A hardware loop around the instructions emitted inside the block."""
        pc = self.emit("loop", count=count, len=0, ra=ra, sa=sa, rb=rb, sb=sb)
        yield
        body = len(self.words) - pc - 1
        self.words[pc] = encode("loop", dict(count=count, len=body, ra=ra, sa=sa, rb=rb, sb=sb))

    def build(self) -> Program:
        if not self._constants:
            return Program(tuple(self.words), tuple(self.symbols))
        base = min(symbol.address for symbol, _ in self._constants)
        end = max(symbol.end for symbol, _ in self._constants)
        data = np.zeros(end - base, np.uint32)
        for symbol, array in self._constants:
            data[symbol.address - base : symbol.end - base] = array.reshape(-1).view(np.uint32)
        return Program(tuple(self.words), tuple(self.symbols), base, data)


def operand_value(name: str, value: Operand) -> Value:
    """The ISA value of field `name` given as a builder operand: plain numbers for memory
    operands (offset from r0), symbols for addresses, keywords for enums and unit masks."""
    kind = FIELDS[name].kind
    if isinstance(value, Symbol):
        value = value.address
    if kind is Kind.MEM and isinstance(value, int):
        return Mem(0, value)
    if kind is Kind.ENUM and isinstance(value, str):
        return FIELDS[name].keywords.index(value)
    if kind is Kind.MASK and isinstance(value, str):
        keywords = FIELDS[name].keywords
        return sum(1 << keywords.index(unit) for unit in value.split("|") if unit != "none")
    if kind is Kind.FLAG and isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        raise ValueError(f"field {name} does not take {value!r}")
    return value
