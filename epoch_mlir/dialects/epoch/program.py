"""The structure around the instructions: `epoch.program`, `epoch.symbol` and `epoch.data`.

They mirror the program container (isa/program.py) and the assembler's directives:

    epoch.program {                                  // version 1.x; `epoch.program version 1.3 {`
      epoch.symbol arg @x at 0 : tensor<4x8xf32>     // .arg x @0 : tensor<4x8xf32>
      epoch.symbol sram @buf at 0 : tensor<64xf32>   // .sram buf @0 : 64
      epoch.symbol const @w at 64 = dense<[1.0, 2.0]> : tensor<2xf32>
      epoch.data at 66 = [0x00000001, 0xffffffff]    // .word lines outside any constant
      epoch.load @buf, @x, 1, 8, 8, 8
      ...
    }

DRAM addresses are either all given or all left out. Left out, they are laid out when the
program is serialized, by `ProgramBuilder` (the one DRAM allocator), and instructions refer to
the symbols by name (`@x+8(r1)`). Given, the program is reproduced exactly, data segment and
all, which is how `program_to_module` represents any program file.

Constants carry their data as a builtin dense attribute of 32-bit words (the bits the data
segment holds). The custom syntax shows them in their element type; the words are what the
generic form prints, because xDSL 0.74 prints a small f32 dense attribute holding an infinity or
NaN as a hex integer that it then reads back as a number, and prints `[0.0, -0.0]` as a splat.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import (
    I64,
    BytesAttr,
    ComplexType,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region
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
from xdsl.traits import HasParent, IsolatedFromAbove, NoTerminator
from xdsl.utils.exceptions import ParseError, VerifyException

from epoch_mlir.dialects.epoch.formats import (
    InstructionOp,
    LoopInstructionOp,
    SymbolScope,
    did_you_mean,
    one_of,
)
from epoch_mlir.isa.asm import DTYPE_OF_ELEMENT, symbol_space
from epoch_mlir.isa.program import (
    ADDRESS_LIMIT,
    DTYPES,
    VERSION,
    Program,
    Symbol,
    SymbolKind,
    check_symbols,
)

KINDS: dict[str, SymbolKind] = {kind.name.lower(): kind for kind in SymbolKind}
ELEMENT_TYPES: dict[str, Attribute] = {"f32": f32, "c64": ComplexType(f32), "i32": i32}
assert set(ELEMENT_TYPES) == set(DTYPES), "a dtype of isa/program.py has no element type here"
WORD_LIMIT = 1 << 32
_VERSION_TEXT = re.compile(r"([0-9]+)\.([0-9]+)(?![0-9eE])")
_VERSION_PART_LIMIT = 1 << 16
# xDSL prints dense data element by element up to this size, and as a hex blob above it.
_ELEMENTWISE_LIMIT = 100
# A hex literal among dense elements: `dense<[1.0, 0x7F800000]>` (not the `dense<"0x...">` blob).
_HEX_ELEMENT = re.compile(r'dense<[^>"]*?(?<![\w.])0[xX][0-9a-fA-F]')


# region 32-bit words as a builtin dense attribute


def words_attribute(words: np.ndarray) -> DenseIntOrFPElementsAttr:
    """Words (any integer dtype, taken modulo 2**32) as `dense<...> : tensor<Nxi32>`."""
    data = np.ascontiguousarray(words, dtype=np.int64).astype("<u4")
    return DenseIntOrFPElementsAttr(TensorType(i32, [data.size]), BytesAttr(data.tobytes()))


def words_of(attribute: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The uint32 words of a dense attribute, whatever its element type (a splat expanded)."""
    words = np.frombuffer(attribute.data.data, "<u4").astype(np.uint32)
    elements = math.prod(attribute.get_shape())
    if elements > 1 and words.size == _words_per_element(attribute):
        return np.tile(words, elements)
    return words


def _words_per_element(attribute: DenseIntOrFPElementsAttr) -> int:
    dtype = DTYPE_OF_ELEMENT.get(str(attribute.get_element_type()))
    return DTYPES[dtype][0] if dtype is not None else 1


def _check_words(what: str, attribute: DenseIntOrFPElementsAttr, expected: int | None) -> None:
    if not isinstance(attribute.type, TensorType) or attribute.get_element_type() != i32:
        raise VerifyException(f"{what} must be a dense tensor of i32 words")
    shape = attribute.get_shape()
    if len(shape) != 1:
        raise VerifyException(f"{what} must be a 1-D tensor of words")
    if len(attribute.data.data) != 4 * shape[0]:
        raise VerifyException(f"{what} holds {len(attribute.data.data)} bytes for {shape[0]} words")
    if expected is not None and shape[0] != expected:
        raise VerifyException(f"{what} has {shape[0]} words, the symbol's type needs {expected}")


_PARSE_CONTEXT = Context()  # builtin attributes only: enough to read dense data back


def print_tensor_data(printer: Printer, words: np.ndarray, tensor_type: TensorType) -> None:
    """`dense<...> : TYPE` that reads back to exactly `words`.

    xDSL's element-wise text is used when it reads back exactly (finite values, no -0.0
    splat); otherwise the data is printed as a hex blob, which it always reads exactly.
    """
    data = np.ascontiguousarray(words, dtype="<u4").tobytes()
    dense = DenseIntOrFPElementsAttr(cast(TensorType[Any], tensor_type), BytesAttr(data))
    text = str(dense)
    if len(words) <= _ELEMENTWISE_LIMIT and not _reads_back(text, words):
        text = f'dense<"0x{data.hex().upper()}"> : {tensor_type}'
    printer.print_string(text)


def _reads_back(text: str, words: np.ndarray) -> bool:
    try:
        parsed = Parser(_PARSE_CONTEXT, text).parse_attribute()
    except ParseError:
        return False
    if not isinstance(parsed, DenseIntOrFPElementsAttr):
        return False
    return np.array_equal(words_of(parsed), words)


# endregion


@irdl_op_definition
class ProgramOp(IRDLOperation, SymbolScope):
    """A whole program: symbol declarations and data, then the instructions in order.

    `version` is the program format's (major, minor), given only when it is not the
    current one; `data_base` is the data segment's DRAM address, given only when no
    constant or data chunk starts there (an empty segment at a nonzero base). The machine the
    program is for is the module's `epoch.machine` attribute.
    """

    name = "epoch.program"

    version = opt_prop_def(DenseArrayBase.constr(i32))
    data_base = opt_prop_def(IntegerAttr[I64])
    body = region_def()

    traits = traits_def(NoTerminator(), IsolatedFromAbove(), HasParent(ModuleOp))

    def __init__(
        self,
        ops: Sequence[Operation] = (),
        version: tuple[int, int] | None = None,
        data_base: int | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {}
        if version is not None:
            properties["version"] = DenseArrayBase.from_list(i32, version)
        if data_base is not None:
            properties["data_base"] = IntegerAttr(data_base, i64)
        super().__init__(properties=properties, regions=[Region(Block(ops))])

    @property
    def body_ops(self) -> list[Operation]:
        return [op for block in self.body.blocks for op in block.ops]

    @property
    def format_version(self) -> tuple[int, int]:
        if self.version is None:
            return VERSION
        major, minor = self.version.get_values()
        return int(major), int(minor)

    def declarations(self) -> list[SymbolOp]:
        return [op for op in self.body_ops if isinstance(op, SymbolOp)]

    def symbol_space(self, name: str) -> str | None:
        for block in self.body.blocks:  # declarations come first: usually a short walk
            for op in block.ops:
                if isinstance(op, SymbolOp) and op.sym_name.data == name:
                    return op.space
        return None

    def symbol_names(self) -> list[str]:
        return [op.sym_name.data for op in self.declarations()]

    @classmethod
    def parse(cls, parser: Parser) -> ProgramOp:
        properties: dict[str, Attribute] = {}
        if parser.parse_optional_keyword("version") is not None:
            start = parser.pos
            # The float token's own text: `1.10` is minor version 10, not 1.1.
            match = _VERSION_TEXT.match(parser.lexer.input.content, start)
            if match is None:
                parser.raise_error("expected a version MAJOR.MINOR such as 1.0", start)
            parser.parse_float(allow_negative=False)
            parts = [int(part) for part in match.groups()]
            properties["version"] = DenseArrayBase.from_list(i32, parts)
        if parser.parse_optional_keyword("data_base") is not None:
            properties["data_base"] = IntegerAttr(parser.parse_integer(allow_boolean=False), i64)
        attributes = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region()
        if not region.blocks:
            region.add_block(Block())
        return cls.create(
            properties=properties,
            attributes=attributes.data if attributes else {},
            regions=[region],
        )

    def print(self, printer: Printer) -> None:
        if self.version is not None:
            printer.print_string(" version " + ".".join(map(str, self.version.get_values())))
        if self.data_base is not None:
            printer.print_string(f" data_base {self.data_base.value.data}")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_empty_block=False)

    def verify_(self) -> None:
        if len(self.body.blocks) > 1:
            raise VerifyException("an epoch.program has a single block")
        for op in self.body_ops:
            if not isinstance(op, SymbolOp | DataOp | InstructionOp | LoopInstructionOp):
                raise VerifyException(
                    f"an epoch.program holds only epoch.symbol, epoch.data and instructions, "
                    f"found '{op.name}'"
                )
        if self.version is not None:
            parts = self.version.get_values()
            if len(parts) != 2 or not all(0 <= int(p) < _VERSION_PART_LIMIT for p in parts):
                raise VerifyException("version must be [major, minor], each 0..65535")
        if self.data_base is not None and not 0 <= self.data_base.value.data < ADDRESS_LIMIT:
            raise VerifyException("data_base lies outside the 32-bit address space")
        self._check_declarations()
        if self.laid_out_at_serialization():
            if self.data_base is not None:
                raise VerifyException(
                    "data_base needs DRAM symbols with addresses: without them the data "
                    "segment is laid out at serialization"
                )
            if chunk := next((op for op in self.body_ops if isinstance(op, DataOp)), None):
                raise VerifyException(
                    f"epoch.data at {chunk.address.value.data} needs DRAM symbols with "
                    "addresses: without them the data segment is laid out at serialization"
                )

    def _check_declarations(self) -> None:
        """Unique names, and DRAM addresses given for all symbols or for none (one pass)."""
        seen: set[str] = set()
        with_address: SymbolOp | None = None
        without: SymbolOp | None = None
        for op in self.declarations():
            name = op.sym_name.data
            if name in seen:
                raise VerifyException(f"symbol @{name} is declared twice")
            seen.add(name)
            if op.in_dram:
                if op.address is None:
                    without = without or op
                else:
                    with_address = with_address or op
        if with_address is not None and without is not None:
            raise VerifyException(
                f"@{with_address.sym_name.data} has an address but @{without.sym_name.data} "
                "has none: give every DRAM symbol an address, or none to have them laid out "
                "at serialization"
            )

    def laid_out_at_serialization(self) -> bool:
        """Whether some DRAM symbol has no address (then none has, see `SymbolOp`)."""
        return any(op.in_dram and op.address is None for op in self.declarations())


def _check_declared_first(op: Operation) -> None:
    """Declarations come before the first instruction, as in the disassembler's listing.

    Checking the op right before is enough (and keeps verification linear): if an instruction
    precedes a declaration anywhere, the first declaration after it has it right before.
    """
    previous = op.prev_op
    if isinstance(previous, InstructionOp | LoopInstructionOp):
        raise VerifyException(
            f"declarations come before the instructions, but '{previous.name}' precedes it"
        )


@irdl_op_definition
class SymbolOp(IRDLOperation):
    """A named tensor in DRAM or SRAM: an entry argument or result, a constant or a buffer.

    `kind` is arg, result, const, dram or sram (isa/program.py's SymbolKind); args and
    results number the entry's inputs and outputs in declaration order. `address` is a word
    address (SRAM for sram symbols, DRAM otherwise); only sram symbols need it. A const holds
    its data in `value`, as the 32-bit words the data segment stores.
    """

    name = "epoch.symbol"

    kind = prop_def(StringAttr)
    sym_name = prop_def(StringAttr)
    address = opt_prop_def(IntegerAttr[I64])
    type = prop_def(TensorType)
    value = opt_prop_def(DenseIntOrFPElementsAttr)

    traits = traits_def(HasParent(ProgramOp))

    def __init__(
        self,
        kind: SymbolKind,
        name: str,
        tensor_type: TensorType,
        address: int | None = None,
        words: np.ndarray | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {
            "kind": StringAttr(kind.name.lower()),
            "sym_name": StringAttr(name),
            "type": tensor_type,
        }
        if address is not None:
            properties["address"] = IntegerAttr(address, i64)
        if words is not None:
            properties["value"] = words_attribute(words)
        super().__init__(properties=properties)

    @staticmethod
    def from_symbol(symbol: Symbol, words: np.ndarray | None = None) -> SymbolOp:
        """The declaration of a symbol table entry (with the words of a constant)."""
        tensor_type = TensorType(ELEMENT_TYPES[symbol.dtype], symbol.shape)
        return SymbolOp(symbol.kind, symbol.name, tensor_type, symbol.address, words)

    @staticmethod
    def constant(name: str, array: np.ndarray, address: int | None = None) -> SymbolOp:
        """A const symbol holding `array` (float32, or complex64 if complex)."""
        dtype = "c64" if np.iscomplexobj(array) else "f32"
        data = np.ascontiguousarray(array, DTYPES[dtype][1])
        tensor_type = TensorType(ELEMENT_TYPES[dtype], data.shape)
        return SymbolOp(SymbolKind.CONST, name, tensor_type, address, data.view(np.uint32))

    @property
    def symbol_kind(self) -> SymbolKind:
        return KINDS[self.kind.data]

    @property
    def dtype(self) -> str:
        return DTYPE_OF_ELEMENT[str(self.type.element_type)]

    @property
    def in_dram(self) -> bool:
        return self.space == "dram"

    @property
    def space(self) -> str | None:
        """ "dram" or "sram" (None for an unknown kind, which the verifier reports)."""
        if self.kind.data not in KINDS:
            return None
        return symbol_space(Symbol(self.sym_name.data, self.symbol_kind, 0, ()))

    def symbol(self, address: int | None = None) -> Symbol:
        """The symbol table entry, at `address` if given, else at the declared address."""
        if address is None:
            assert self.address is not None, f"@{self.sym_name.data} has no address"
            address = self.address.value.data
        shape = tuple(self.type.get_shape())
        return Symbol(self.sym_name.data, self.symbol_kind, address, shape, self.dtype)

    def words(self) -> np.ndarray:
        """A constant's data as uint32 words (empty for other kinds)."""
        return np.zeros(0, np.uint32) if self.value is None else words_of(self.value)

    def array(self) -> np.ndarray:
        """A constant's data in its element type and shape."""
        numpy_type = DTYPES[self.dtype][1]
        return self.words().view(numpy_type).reshape(self.type.get_shape())

    @classmethod
    def parse(cls, parser: Parser) -> SymbolOp:
        kind = parser.parse_identifier(f" (a symbol kind: {', '.join(KINDS)})")
        properties: dict[str, Attribute] = {
            "kind": StringAttr(kind),
            "sym_name": parser.parse_symbol_name(),
        }
        if parser.parse_optional_keyword("at") is not None:
            address = parser.parse_integer(allow_boolean=False, context_msg=" (an address)")
            properties["address"] = IntegerAttr(address, i64)
        attributes = parser.parse_optional_attr_dict_with_keyword()
        if parser.parse_optional_punctuation("=") is not None:
            data_start = parser.pos
            if _HEX_ELEMENT.match(parser.lexer.input.content, data_start):
                # MLIR reads a hex element as the float's bits; xDSL 0.74 as an integer value.
                parser.raise_error(
                    'write bit patterns as a hex blob, dense<"0x...">: xDSL reads a hex element '
                    "of float data as an integer value",
                    data_start,
                )
            dense = parser.parse_attribute()
            if not isinstance(dense, DenseIntOrFPElementsAttr) or not isinstance(
                dense.type, TensorType
            ):
                parser.raise_error("expected dense<...> : tensor<...>", data_start, parser.pos)
            if str(dense.get_element_type()) not in DTYPE_OF_ELEMENT:
                parser.raise_error(
                    f"constant data must be {one_of(list(DTYPE_OF_ELEMENT))}",
                    data_start,
                    parser.pos,
                )
            properties["type"] = dense.type
            properties["value"] = words_attribute(words_of(dense))
        else:
            parser.parse_punctuation(":", " before the symbol's tensor type")
            properties["type"] = parser.parse_type()
        return cls.create(properties=properties, attributes=attributes.data if attributes else {})

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.kind.data} ")
        printer.print_symbol_name(self.sym_name.data)
        if self.address is not None:
            printer.print_string(f" at {self.address.value.data}")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        if self.value is not None and self._value_fits_type():
            printer.print_string(" = ")
            print_tensor_data(printer, self.words(), self.type)
        else:
            printer.print_string(" : ")
            printer.print_attribute(self.type)

    def _value_fits_type(self) -> bool:
        """Whether the words can be shown as the typed data (else verification fails)."""
        if str(self.type.element_type) not in DTYPE_OF_ELEMENT or self.value is None:
            return False
        try:
            return len(self.words()) == self.symbol(0).words
        except (KeyError, ValueError):
            return False

    def verify_(self) -> None:
        name = self.sym_name.data
        if self.kind.data not in KINDS:
            raise VerifyException(
                f"kind must be {one_of(list(KINDS))}, got '{self.kind.data}'"
                f"{did_you_mean(self.kind.data, list(KINDS))}"
            )
        if str(self.type.element_type) not in DTYPE_OF_ELEMENT:
            elements = one_of(list(DTYPE_OF_ELEMENT))
            raise VerifyException(f"@{name} must be a tensor of {elements}, got {self.type}")
        if any(dim < 0 for dim in self.type.get_shape()):
            raise VerifyException(f"@{name} must have a static shape, got {self.type}")
        if self.address is None and not self.in_dram:
            raise VerifyException(f"@{name}: an sram symbol needs an address ('at N')")
        symbol = self.symbol(0 if self.address is None else None)
        try:
            check_symbols([symbol], 0, ADDRESS_LIMIT - 1)  # any place a segment can be
        except ValueError as error:
            raise VerifyException(str(error)) from None
        if self.symbol_kind is SymbolKind.CONST:
            if self.value is None:
                raise VerifyException(f"constant @{name} needs its data (= dense<...>)")
            _check_words(f"the data of @{name}", self.value, symbol.words)
        elif self.value is not None:
            raise VerifyException(f"only a constant has data, @{name} is {self.kind.data}")
        _check_declared_first(self)


@irdl_op_definition
class DataOp(IRDLOperation):
    """Words of the data segment that belong to no constant (the assembler's `.word` lines).

    `epoch.data at ADDR = [W, ...]` puts the words at DRAM word address ADDR; the data
    segment spans every constant and data chunk, zero-filled between them.
    """

    name = "epoch.data"

    address = prop_def(IntegerAttr[I64])
    words = prop_def(DenseIntOrFPElementsAttr)

    traits = traits_def(HasParent(ProgramOp))

    def __init__(self, address: int, words: np.ndarray) -> None:
        super().__init__(
            properties={"address": IntegerAttr(address, i64), "words": words_attribute(words)}
        )

    def values(self) -> np.ndarray:
        return words_of(self.words)

    @classmethod
    def parse(cls, parser: Parser) -> DataOp:
        parser.parse_keyword("at")
        address = parser.parse_integer(allow_boolean=False, context_msg=" (an address)")
        attributes = parser.parse_optional_attr_dict_with_keyword()
        parser.parse_punctuation("=")
        words = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: _parse_word(parser), " (32-bit words)"
        )
        return cls.create(
            properties={
                "address": IntegerAttr(address, i64),
                "words": words_attribute(np.array(words, dtype=np.int64)),
            },
            attributes=attributes.data if attributes else {},
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(f" at {self.address.value.data}")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        words = ", ".join(f"0x{int(word):08x}" for word in self.values())
        printer.print_string(f" = [{words}]")

    def verify_(self) -> None:
        _check_words("words", self.words, None)
        address = self.address.value.data
        count = len(self.values())
        if not count:
            raise VerifyException("an epoch.data holds at least one word")
        if address < 0 or address + count >= ADDRESS_LIMIT:
            raise VerifyException("the words lie outside the 32-bit address space")
        _check_declared_first(self)


def _parse_word(parser: Parser) -> int:
    """A 32-bit word, -2**31 .. 2**32-1 (negative values stored two's complement)."""
    start = parser.pos
    value = parser.parse_integer(allow_boolean=False)
    if not -(1 << 31) <= value < WORD_LIMIT:
        parser.raise_error(f"{value} does not fit a 32-bit word", start, parser.pos)
    return value


def program_op(program: Program, instructions: Sequence[Operation]) -> ProgramOp:
    """The `epoch.program` of `program`'s symbols and data segment, around `instructions`.

    Constants carry their words; data no constant covers becomes `epoch.data`; version and
    data base are written only where they differ from what the rest implies, so serializing
    the op gives back `program`'s bytes.
    """
    ops: list[Operation] = []
    covered = np.zeros(len(program.data), bool)
    for symbol in program.symbols:
        words = None
        if symbol.kind is SymbolKind.CONST:
            start = symbol.address - program.data_base
            words = program.data[start : start + symbol.words]
            covered[start : start + symbol.words] = True
        ops.append(SymbolOp.from_symbol(symbol, words))
    for start, stop in _runs(~covered):
        ops.append(DataOp(program.data_base + start, program.data[start:stop]))
    derived_base = min(
        [op.symbol().address for op in ops if isinstance(op, SymbolOp) and op.value is not None]
        + [op.address.value.data for op in ops if isinstance(op, DataOp)],
        default=0,
    )
    return ProgramOp(
        [*ops, *instructions],
        version=None if program.version == VERSION else program.version,
        data_base=None if program.data_base == derived_base else program.data_base,
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of every maximal run of True in `mask`."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
