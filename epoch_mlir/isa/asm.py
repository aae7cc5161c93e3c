"""The EpochCore assembler: assembly text to a `Program` (the language is in docs/asm.md).

`asm.lark` only knows the shape of a line. Everything instruction-specific comes from the table:
a line's mnemonic selects its row, the row's fields say how many operands there are and how to
read each one (by the field's kind), its accesses say which address space a memory operand
lives in. So adding a row to the table needs no change here, and the errors can name the fields
the row expects. The disassembler imports the few definitions both directions must share.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from epoch_mlir.errors import AsmError, MachineError
from epoch_mlir.isa.encoding import Value, encode, f32_bits, f32_from_bits, field_bits
from epoch_mlir.isa.fields import FIELDS, MEM_OFFSET_BITS, NUM_REGS, Field, Kind, Mem
from epoch_mlir.isa.program import (
    ADDRESS_LIMIT,
    DTYPES,
    VERSION,
    Program,
    Symbol,
    SymbolKind,
    check_symbols,
)
from epoch_mlir.isa.table import BY_MNEMONIC, Instr
from epoch_mlir.machine import MachineRecord, description_text

# region definitions shared with the disassembler

LOOP_MNEMONIC = "loop"  # the one row written as a block; the grammar's LOOP keyword
LOOP_COUNT = "count"
LOOP_LENGTH = "len"  # computed from the braces, never written

DATA_DIRECTIVE = ".data"
WORD_DIRECTIVE = ".word"
VERSION_DIRECTIVE = ".version"
MACHINE_DIRECTIVE = ".machine"
# A plain word count instead of a tensor type reads as (WORDS,) f32: only for scratch buffers.
WORD_COUNT_KINDS = frozenset({SymbolKind.DRAM, SymbolKind.SRAM})

REGISTERS: dict[str, int] = {f"r{number}": number for number in range(NUM_REGS)}
NO_UNITS = "none"  # a MASK operand with no bit set
F32_WORDS: dict[str, float] = {"inf": math.inf, "nan": math.nan}
RAW_F32_PREFIX = "0f"
# Integer fields that may also be written as a symbol (its address), optionally +/- an offset.
ADDRESS_IMMEDIATES = frozenset({"imm"})


def _element_type(numpy_type: type[np.generic]) -> str:
    """MLIR's spelling of an element type: f32 for float32, complex<f32> for complex64, i32 for
    int32."""
    dtype = np.dtype(numpy_type)
    if dtype.kind == "c":
        return f"complex<f{dtype.itemsize * 4}>"
    if dtype.kind == "i":
        return f"i{dtype.itemsize * 8}"
    return f"f{dtype.itemsize * 8}"


ELEMENT_TYPES: dict[str, str] = {name: _element_type(numpy) for name, (_, numpy) in DTYPES.items()}
DTYPE_OF_ELEMENT: dict[str, str] = {element: name for name, element in ELEMENT_TYPES.items()}


def _loop_strides(row: Instr) -> tuple[tuple[str, str], ...]:
    """The loop row's (register, stride) field pairs: each register field and the one after it."""
    return tuple(
        (register, stride)
        for register, stride in zip(row.fields, row.fields[1:], strict=False)
        if FIELDS[register].kind is Kind.REG
    )


LOOP_STRIDES = _loop_strides(BY_MNEMONIC[LOOP_MNEMONIC])


def symbol_directive(kind: SymbolKind) -> str:
    """`.arg`, `.result`, ...: each symbol kind's directive is its name."""
    return f".{kind.name.lower()}"


SYMBOL_DIRECTIVES: dict[str, SymbolKind] = {symbol_directive(kind): kind for kind in SymbolKind}


def symbol_space(symbol: Symbol) -> str:
    """The address space ("dram" or "sram") a symbol's address is in."""
    return "dram" if symbol.in_dram else "sram"


def memory_space(row: Instr, field_name: str) -> str | None:
    """The address space of a memory field, from the row's accesses (None if they do not say)."""
    spaces = {access.space for access in row.accesses if access.address == field_name}
    return spaces.pop() if len(spaces) == 1 else None


def f32_literal_bits(text: str) -> int:
    """The fp32 bits an F32 literal stands for (raises ValueError if it is not one).

    The disassembler prints a decimal only after checking it reads back through this function
    to the same bits, so the two directions cannot disagree about rounding.
    """
    if text.startswith(RAW_F32_PREFIX):
        digits = text[len(RAW_F32_PREFIX) :]
        if len(digits) != 8:
            raise ValueError(f"raw fp32 bits {text!r} need exactly 8 hex digits")
        return int(digits, 16)
    sign, magnitude = (-1.0, text[1:]) if text.startswith("-") else (1.0, text)
    value = F32_WORDS.get(magnitude)
    if value is None:
        if not magnitude[:1].isdigit() and not magnitude.startswith("."):
            raise ValueError(f"{text!r} is not an fp32 literal")  # float() takes "infinity"
        value = float(magnitude)
    try:
        return f32_bits(math.copysign(value, sign) if math.isnan(value) else sign * value)
    except OverflowError:
        raise ValueError(f"{text} does not fit fp32") from None


# endregion


@functools.cache
def _parser() -> Lark:
    return Lark.open(
        str(Path(__file__).with_name("asm.lark")),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
    )


def assemble(text: str, where: str = "<asm>") -> Program:
    """Assemble source text; `where` (usually the file name) prefixes every error's location."""
    try:
        tree = _parser().parse(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as error:
        raise _syntax_error(error, where) from None
    return _Assembler(where).run([child for child in tree.children if isinstance(child, Tree)])


# region syntax errors

_REGEX_TERMINALS = {
    "NAME": "a name",
    "DIRECTIVE": "a directive",
    "INT": "an integer",
    "FLOAT": "a number",
    "RAW_F32": "raw fp32 bits",
    "TENSOR": "a tensor type",
    "VERSION": "a version MAJOR.MINOR",
    "STRING": "a string",
    "JSON_OBJECT": "a JSON object",
    "COMMENT": "a comment",
    "_NL": "end of line",
    "$END": "end of file",
}


def describe_terminal(name: str) -> str:
    """How a syntax error names a terminal: its text if fixed, else what it stands for."""
    terminal = next((t for t in _parser().terminals if t.name == name), None)
    if terminal is not None and isinstance(terminal.pattern, PatternStr):
        return f"'{terminal.pattern.value}'"
    return _REGEX_TERMINALS.get(name, name)


def _syntax_error(error: UnexpectedInput, where: str) -> AsmError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        found = "end of line" if token.type in ("_NL", "$END") else f"'{token}'"
        # LALR merges lookaheads across contexts; replaying the parser gives the exact set.
        parser = error.interactive_parser
        expected = parser.accepts() if parser is not None else error.expected
    elif isinstance(error, UnexpectedCharacters):
        found = f"character {error.char!r}"
        expected = error.allowed or set()
    else:
        found, expected = "input", set()
    names = sorted({describe_terminal(name) for name in expected})
    wanted = f", expected {_one_of(names)}" if names else ""
    return AsmError(f"unexpected {found}{wanted}", f"{where}:{error.line}:{error.column}")


def _one_of(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word.lower(), sorted(candidates), n=3)
    return f" (did you mean {_one_of(matches)}?)" if matches else ""


# endregion

# region operands


@dataclass(frozen=True)
class Operand:
    """One operand as written; the field it fills decides how its shape is read.

    shape is the grammar's name for it: "word" (a register, keyword or symbol), "integer",
    "address" (OFF(rN), SYM+OFF, SYM(rN), ...), "units" (a|b), "real", "negated_word" (-inf),
    "raw_f32".
    """

    shape: str
    start: Token  # where errors about it point
    symbol: Token | None = None  # the name of a word, negated word or symbolic address
    number: int = 0  # an integer's value or an address's offset
    base: Token | None = None  # an address's register
    units: tuple[Token, ...] = ()
    literal: str = ""  # a real's text (sign included) or raw bits

    @property
    def text(self) -> str:
        """The operand roughly as written, for error messages."""
        if self.shape in ("word", "negated_word", "units"):
            names = self.units or (self.symbol,)
            return ("-" if self.shape == "negated_word" else "") + "|".join(map(str, names))
        if self.shape == "integer":
            return str(self.number)
        if self.shape == "address":
            if self.symbol is None:
                text = str(self.number)
            else:
                text = str(self.symbol) + (f"{self.number:+d}" if self.number else "")
            return text + ("" if self.base is None else f"({self.base})")
        return self.literal


def _token(node: Tree | Token) -> Token:
    """A child the grammar makes a token (lark types every child as a tree or a token)."""
    assert isinstance(node, Token), node
    return node


def _tree(node: Tree | Token) -> Tree:
    """A child the grammar makes a tree."""
    assert isinstance(node, Tree), node
    return node


def _integer(tree: Tree) -> tuple[int, Token]:
    """The value of an `integer` (or `offset`) node and its first token."""
    tokens = [_token(child) for child in tree.children]
    digits = tokens[-1]
    value = int(digits, 16) if digits.lower().startswith("0x") else int(digits)
    return (-value if tokens[0].type == "MINUS" else value), tokens[0]


def _operand(tree: Tree) -> Operand:
    children = tree.children
    if tree.data == "word":
        word = _token(children[0])
        return Operand("word", word, symbol=word)
    if tree.data == "integer":
        value, start = _integer(tree)
        return Operand("integer", start, number=value)
    if tree.data == "units":
        units = tuple(_token(child) for child in children)
        return Operand("units", units[0], units=units)
    if tree.data == "negated_word":
        return Operand("negated_word", _token(children[0]), symbol=_token(children[1]))
    if tree.data in ("real", "raw_f32"):
        tokens = [_token(child) for child in children]
        return Operand(tree.data, tokens[0], literal="".join(tokens))
    return _address(children)


def _address(children: list[Tree | Token]) -> Operand:
    """An `address` node: SYM offset, SYM (rN), SYM offset (rN) or integer (rN)."""
    symbol = children[0] if isinstance(children[0], Token) else None
    numbers = [child for child in children if isinstance(child, Tree)]
    offset, offset_token = _integer(numbers[0]) if numbers else (0, None)
    last = children[-1]
    base = last if isinstance(last, Token) and len(children) > 1 else None
    start = symbol if symbol is not None else offset_token
    assert start is not None  # the grammar gives every address a symbol or an offset
    return Operand("address", start, symbol=symbol, number=offset, base=base)


# endregion


@dataclass
class _Pending:
    """An instruction read but not yet encoded (a loop's len is known only at its '}')."""

    mnemonic: str
    values: dict[str, Value]


@dataclass
class _Assembler:
    """One assembly run: the source's symbols, data and instructions, and where errors point."""

    where: str
    symbols: list[tuple[Symbol, Token]] = field(default_factory=list)
    by_name: dict[str, Symbol] = field(default_factory=dict)
    data_base: int | None = None
    data: list[int] = field(default_factory=list)
    version: tuple[int, int] | None = None
    machine: MachineRecord | None = None
    pending: list[_Pending] = field(default_factory=list)
    open_loops: list[tuple[Token, int]] = field(default_factory=list)  # (loop token, index)

    def error(self, message: str, token: Token) -> AsmError:
        return AsmError(message, f"{self.where}:{token.line}:{token.column}")

    def run(self, statements: list[Tree]) -> Program:
        """Directives first (so instructions may name symbols defined further down)."""
        for statement in statements:
            if statement.data in _DIRECTIVE_SHAPES.values():
                self.directive(statement)
        self.check_symbols()
        handlers: dict[str, Callable[[Tree], None]] = {
            "instruction": self.instruction,
            "loop_open": self.loop_open,
            "loop_close": self.loop_close,
        }
        for statement in statements:
            if statement.data in handlers:
                handlers[statement.data](statement)
        if self.open_loops:
            token, _ = self.open_loops[-1]
            raise self.error("loop is never closed: missing '}'", token)
        return Program(
            tuple(encode(item.mnemonic, item.values) for item in self.pending),
            tuple(symbol for symbol, _ in self.symbols),
            self.data_base or 0,
            np.array(self.data, dtype=np.uint32),
            self.version or VERSION,
            self.machine,
        )

    # region directives

    def directive(self, tree: Tree) -> None:
        name = _token(tree.children[0])
        if name not in _DIRECTIVE_SHAPES:
            suggestion = _did_you_mean(name, _DIRECTIVE_SHAPES)
            raise self.error(f"unknown directive '{name}'{suggestion}", name)
        if _DIRECTIVE_SHAPES[name] != tree.data:
            raise self.error(f"'{name}' is written '{_usage(name)}'", name)
        if name in SYMBOL_DIRECTIVES:
            self.symbol(SYMBOL_DIRECTIVES[name], tree.children)
        elif name == DATA_DIRECTIVE:
            self.data_segment(name, _token(tree.children[1]))
        elif name == WORD_DIRECTIVE:
            self.words(name, tree.children[1:])
        elif name == MACHINE_DIRECTIVE:
            source, description = (_token(child) for child in tree.children[1:])
            self.machine_record(name, source, description)
        else:
            self.version_number(name, _token(tree.children[1]))

    def symbol(self, kind: SymbolKind, children: list) -> None:
        directive, name, address, type_token = children
        if type_token.type == "TENSOR":
            shape, dtype = self.tensor_type(type_token)
        elif kind in WORD_COUNT_KINDS:
            shape, dtype = (self.number(type_token),), "f32"
        else:
            raise self.error(f"'{directive}' needs a tensor type, not a word count", type_token)
        symbol = Symbol(str(name), kind, self.number(address), shape, dtype)
        self.symbols.append((symbol, directive))

    def tensor_type(self, token: Token) -> tuple[tuple[int, ...], str]:
        match = re.fullmatch(r"tensor<((?:[0-9]+x)*)(.*)>", str(token))
        if match is None:
            raise self.error(
                f"malformed tensor type '{token}': expected tensor<DIMSxELEMENT>, "
                f"e.g. tensor<4x8x{ELEMENT_TYPES['f32']}>",
                token,
            )
        dims, element = match.groups()
        if element not in DTYPE_OF_ELEMENT:
            column = (token.column or 1) + len("tensor<") + len(dims)
            position = Token("TENSOR", element, line=token.line, column=column)
            choices = _one_of(list(DTYPE_OF_ELEMENT))
            raise self.error(f"unknown element type '{element}' (expected {choices})", position)
        shape = tuple(int(dim) for dim in dims.split("x")[:-1])
        return shape, DTYPE_OF_ELEMENT[element]  # check_symbols bounds the dims

    def data_segment(self, directive: Token, address: Token) -> None:
        if self.data_base is not None:
            raise self.error(f"'{DATA_DIRECTIVE}' may appear only once", directive)
        base = self.number(address)
        if base >= ADDRESS_LIMIT:
            raise self.error(f"data base {base} lies outside the 32-bit address space", address)
        self.data_base = base

    def words(self, directive: Token, values: list[Tree]) -> None:
        if self.data_base is None:
            raise self.error(f"'{WORD_DIRECTIVE}' before '{DATA_DIRECTIVE}'", directive)
        for node in values:
            value, token = _integer(node)
            if not -(1 << 31) <= value < 1 << 32:
                raise self.error(f"data word {value} does not fit 32 bits", token)
            if self.data_base + len(self.data) + 1 >= ADDRESS_LIMIT:  # its end must fit a u32
                raise self.error("the data segment runs past the 32-bit address space", token)
            self.data.append(value & 0xFFFFFFFF)

    def version_number(self, directive: Token, number: Token) -> None:
        if self.version is not None:
            raise self.error(f"'{VERSION_DIRECTIVE}' may appear only once", directive)
        major, minor = (int(part) for part in number.split("."))
        if major != VERSION[0] or minor >= 1 << 16:
            raise self.error(
                f"unsupported program version {number} (this toolchain writes {VERSION[0]}.x)",
                number,
            )
        self.version = (major, minor)

    def machine_record(self, directive: Token, source: Token, description: Token) -> None:
        """`.machine "SOURCE" {JSON}`: the machine the program is for, checked like a file."""
        if self.machine is not None:
            raise self.error(f"'{MACHINE_DIRECTIVE}' may appear only once", directive)
        try:
            data = json.loads(str(description))
        except ValueError as error:
            raise self.error(f"machine description is not JSON: {error}", description) from None
        if not isinstance(data, dict):
            raise self.error("machine description must be a JSON object", description)
        record = MachineRecord(description_text(data), json.loads(str(source)))
        try:
            record.machine(self.where)
        except MachineError as error:
            raise self.error(f"invalid machine description: {error.message}", description) from None
        self.machine = record

    def number(self, token: Token) -> int:
        return int(token, 16) if token.lower().startswith("0x") else int(token)

    def check_symbols(self) -> None:
        """Run program.py's checks; on failure, re-run them on prefixes to find the directive."""
        symbols = [symbol for symbol, _ in self.symbols]
        base, size = self.data_base or 0, len(self.data)
        try:
            check_symbols(symbols, base, size)
        except ValueError:
            for count, (_, directive) in enumerate(self.symbols, start=1):
                try:
                    check_symbols(symbols[:count], base, size)
                except ValueError as error:
                    raise self.error(str(error), directive) from None
            raise
        self.by_name = {symbol.name: symbol for symbol in symbols}

    # endregion

    # region instructions

    def instruction(self, tree: Tree) -> None:
        mnemonic = _token(tree.children[0])
        row = BY_MNEMONIC.get(str(mnemonic))
        if row is None:
            suggestion = _did_you_mean(mnemonic, BY_MNEMONIC)
            raise self.error(f"unknown mnemonic '{mnemonic}'{suggestion}", mnemonic)
        trees = [_tree(child) for child in tree.children[1:]]
        flag_trees = [child for child in trees if child.data == "flag"]
        operands = [_operand(child) for child in trees if child.data != "flag"]
        positional = [FIELDS[name] for name in row.fields if FIELDS[name].kind is not Kind.FLAG]
        flags = [name for name in row.fields if FIELDS[name].kind is Kind.FLAG]
        self.check_count(row, mnemonic, operands, positional, flags)
        values: dict[str, Value] = {
            target.name: self.read(row, target, operand)
            for target, operand in zip(positional, operands, strict=True)
        }
        for flag_tree in flag_trees:
            flag = _token(flag_tree.children[0])
            if flag not in flags:
                known = f"its flags: {', '.join(flags)}" if flags else f"{row.mnemonic} has none"
                raise self.error(f"unknown flag '{flag}' for {row.mnemonic} ({known})", flag)
            if flag in values:
                raise self.error(f"flag '{flag}' given twice", flag)
            values[str(flag)] = 1
        self.pending.append(_Pending(row.mnemonic, values))

    def check_count(
        self,
        row: Instr,
        mnemonic: Token,
        operands: list[Operand],
        positional: list[Field],
        flags: list[str],
    ) -> None:
        if len(operands) == len(positional):
            return
        expected = ", ".join(target.name for target in positional)
        wanted = f"{len(positional)} operands ({expected})" if positional else "no operands"
        if flags:
            wanted += f" then optional flags {' '.join(flags)}"
        message = f"{row.mnemonic} takes {wanted}, got {len(operands)}"
        if len(operands) < len(positional):
            raise self.error(message, mnemonic)
        extra = operands[len(positional)]
        if extra.shape == "word" and extra.text in flags:
            message += f"; write the flag '{extra.text}' without a comma"
        raise self.error(message, extra.start)

    def read(self, row: Instr, target: Field, operand: Operand) -> Value:
        return _READERS[target.kind](self, row, target, operand)

    def register_operand(self, row: Instr, target: Field, operand: Operand) -> int:
        if operand.shape == "word" and operand.text in REGISTERS:
            return REGISTERS[operand.text]
        raise self.register_error(target.name, operand.text, operand.start)

    def register(self, token: Token, what: str) -> int:
        if str(token) not in REGISTERS:
            raise self.register_error(what, str(token), token)
        return REGISTERS[str(token)]

    def register_error(self, what: str, text: str, token: Token) -> AsmError:
        return self.error(f"{what} needs a register r0..r{NUM_REGS - 1}, got '{text}'", token)

    def integer_operand(self, row: Instr, target: Field, operand: Operand) -> int:
        if operand.shape == "integer":
            value = operand.number
        elif target.name in ADDRESS_IMMEDIATES and operand.symbol and self.is_plain_symbol(operand):
            value = self.lookup(operand.symbol).address + operand.number
        else:
            symbolic = " or a symbol(+offset)" if target.name in ADDRESS_IMMEDIATES else ""
            raise self.error(
                f"{target.name} needs an integer{symbolic}, got '{operand.text}'", operand.start
            )
        return self.fit(target, value, operand.start)

    def is_plain_symbol(self, operand: Operand) -> bool:
        """A symbol, optionally +/- an offset, with no register: `buf`, `buf+4`."""
        shape_ok = operand.shape in ("word", "address")
        return shape_ok and operand.symbol is not None and operand.base is None

    def memory_operand(self, row: Instr, target: Field, operand: Operand) -> Mem:
        if operand.shape not in ("word", "integer", "address"):
            raise self.error(
                f"{target.name} needs a memory operand such as 16(r1), buf or buf+4(r1), "
                f"got '{operand.text}'",
                operand.start,
            )
        address = 0
        if operand.symbol is not None:
            symbol = self.lookup(operand.symbol, register_hint=operand.shape == "word")
            self.check_space(row, target, symbol, operand.symbol)
            address = symbol.address
        register = 0 if operand.base is None else self.register(operand.base, target.name)
        value = Mem(register, address + operand.number)
        try:
            field_bits(target, value)
        except ValueError as error:
            width = f"the {MEM_OFFSET_BITS}-bit signed offset of a memory operand"
            raise self.error(f"{error} ({width})", operand.start) from None
        return value

    def check_space(self, row: Instr, target: Field, symbol: Symbol, token: Token) -> None:
        expected = memory_space(row, target.name)
        actual = symbol_space(symbol)
        if expected is not None and expected != actual:
            raise self.error(
                f"{row.mnemonic} {target.name} must be in {expected.upper()}, but "
                f"'{symbol.name}' is in {actual.upper()} ({symbol_directive(symbol.kind)})",
                token,
            )

    def lookup(self, name: Token, register_hint: bool = False) -> Symbol:
        symbol = self.by_name.get(str(name))
        if symbol is not None:
            return symbol
        hint = _did_you_mean(name, self.by_name)
        if register_hint and name in REGISTERS:
            hint = f"; for the address in {name} write 0({name})"
        raise self.error(f"unknown symbol '{name}'{hint}", name)

    def enum_operand(self, row: Instr, target: Field, operand: Operand) -> int:
        if operand.shape == "word" and operand.text in target.keywords:
            return target.keywords.index(operand.text)
        choices = _one_of(list(target.keywords))
        raise self.error(
            f"{target.name} must be {choices}, got '{operand.text}'"
            f"{_did_you_mean(operand.text, target.keywords)}",
            operand.start,
        )

    def mask_operand(self, row: Instr, target: Field, operand: Operand) -> int:
        symbol = operand.symbol
        word = (symbol,) if operand.shape == "word" and symbol is not None else ()
        names = operand.units or word
        if [str(name) for name in names] == [NO_UNITS]:
            return 0
        if not names:
            raise self.error(
                f"{target.name} needs names joined by '|' or '{NO_UNITS}', got '{operand.text}'",
                operand.start,
            )
        mask = 0
        for name in names:
            if name not in target.keywords:
                choices = f"{', '.join(target.keywords)} (or '{NO_UNITS}' alone)"
                raise self.error(f"{target.name}: unknown '{name}', expected {choices}", name)
            bit = 1 << target.keywords.index(name)
            if mask & bit:
                raise self.error(f"{target.name}: '{name}' named twice", name)
            mask |= bit
        return mask

    def f32_operand(self, row: Instr, target: Field, operand: Operand) -> float:
        literal = {
            "integer": str(operand.number),
            "real": operand.literal,
            "raw_f32": operand.literal,
            "word": operand.text,
            "negated_word": operand.text,
        }.get(operand.shape)
        if literal is None or (operand.symbol is not None and operand.symbol not in F32_WORDS):
            raise self.error(
                f"{target.name} needs an fp32 literal (a number, inf, -inf, nan or raw bits "
                f"{RAW_F32_PREFIX}XXXXXXXX), got '{operand.text}'",
                operand.start,
            )
        try:
            return f32_from_bits(f32_literal_bits(literal))
        except ValueError as error:  # too large, or raw bits of the wrong length
            raise self.error(f"{target.name}: {error}", operand.start) from None

    def fit(self, target: Field, value: int, token: Token) -> int:
        try:
            field_bits(target, value)
        except ValueError as error:
            raise self.error(str(error), token) from None
        return value

    # endregion

    # region loop blocks

    def loop_open(self, tree: Tree) -> None:
        keyword, count_tree, *strides = tree.children
        count, count_token = _integer(count_tree)
        values: dict[str, Value] = {
            LOOP_COUNT: self.fit(FIELDS[LOOP_COUNT], count, count_token),
            LOOP_LENGTH: 0,
        }
        for register_field, stride_field in LOOP_STRIDES:
            values[register_field] = values[stride_field] = 0
        for (register_field, stride_field), stride in zip(LOOP_STRIDES, strides, strict=False):
            register_token, amount_tree = _tree(stride).children
            register_token = _token(register_token)
            values[register_field] = self.register(register_token, register_field)
            amount, amount_token = _integer(amount_tree)
            values[stride_field] = self.fit(FIELDS[stride_field], amount, amount_token)
        if len(strides) > len(LOOP_STRIDES):
            extra = _token(_tree(strides[len(LOOP_STRIDES)]).children[0])
            raise self.error(f"a loop advances at most {len(LOOP_STRIDES)} registers", extra)
        self.open_loops.append((_token(keyword), len(self.pending)))
        self.pending.append(_Pending(LOOP_MNEMONIC, values))

    def loop_close(self, tree: Tree) -> None:
        brace = _token(tree.children[0])
        if not self.open_loops:
            raise self.error("'}' without an open loop", brace)
        keyword, index = self.open_loops.pop()
        length = len(self.pending) - index - 1
        if length == 0:
            raise self.error("empty loop body", keyword)
        try:
            field_bits(FIELDS[LOOP_LENGTH], length)
        except ValueError as error:
            raise self.error(f"loop body too long: {error}", keyword) from None
        self.pending[index].values[LOOP_LENGTH] = length

    # endregion


# Each directive and the grammar rule its line must have parsed as.
_DIRECTIVE_SHAPES: dict[str, str] = {
    **{directive: "symbol_directive" for directive in SYMBOL_DIRECTIVES},
    DATA_DIRECTIVE: "data_directive",
    WORD_DIRECTIVE: "word_directive",
    VERSION_DIRECTIVE: "version_directive",
    MACHINE_DIRECTIVE: "machine_directive",
}


def _usage(directive: str) -> str:
    if directive in SYMBOL_DIRECTIVES:
        words = " or WORDS" if SYMBOL_DIRECTIVES[directive] in WORD_COUNT_KINDS else ""
        return f"{directive} NAME @ADDR : TYPE{words}"
    return {
        DATA_DIRECTIVE: f"{DATA_DIRECTIVE} @ADDR",
        WORD_DIRECTIVE: f"{WORD_DIRECTIVE} W, W, ...",
        VERSION_DIRECTIVE: f"{VERSION_DIRECTIVE} MAJOR.MINOR",
        MACHINE_DIRECTIVE: f'{MACHINE_DIRECTIVE} "SOURCE" {{DESCRIPTION AS JSON}}',
    }[directive]


_READERS: dict[Kind, Callable[[_Assembler, Instr, Field, Operand], Value]] = {
    Kind.REG: _Assembler.register_operand,
    Kind.UINT: _Assembler.integer_operand,
    Kind.SINT: _Assembler.integer_operand,
    Kind.MEM: _Assembler.memory_operand,
    Kind.ENUM: _Assembler.enum_operand,
    Kind.MASK: _Assembler.mask_operand,
    Kind.F32: _Assembler.f32_operand,
}
