"""Custom assembly-format directives that keep the `ssm`/`nn` custom syntax short.

xDSL's declarative formats cannot spell three things our ops need, so each gets a directive:
a string property written as a bare word (`zoh`, not `"zoh"`), a bool property written as a
keyword present only when true (`delta_softplus`), and one type shared by every operand and
result (`nn.add %a, %b : tensor<8x16xf32>`). Each directive only parses and prints; the op's
verifier still checks the values, so a generic-form op that breaks the rule is reported there.
"""

from __future__ import annotations

import re
from typing import cast

from xdsl.dialects.builtin import BoolAttr, IntegerAttr, StringAttr
from xdsl.irdl import IRDLOperation
from xdsl.irdl.declarative_assembly_format import (
    AttributeVariable,
    CustomDirective,
    ParsingState,
    PrintingState,
    TypeDirective,
    VariableDirective,
    irdl_custom_directive,
)
from xdsl.parser import Parser
from xdsl.printer import Printer

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")


@irdl_custom_directive
class BareWord(CustomDirective):
    """A string property spelt as a bare identifier: `ssm.discretize zoh ...`.

    A quoted string is accepted too, so text written for the generic form still parses.
    """

    word: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        self.word.set(state, StringAttr(parser.parse_identifier_or_str_literal()))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        text = cast(StringAttr, self.word.get(op)).data
        if _IDENTIFIER.fullmatch(text):
            printer.print_string(text)
        else:  # only reachable with verification disabled; keep the text parseable anyway
            printer.print_string_literal(text)

    def is_present(self, op: IRDLOperation) -> bool:
        return self.word.is_present(op)

    def is_anchorable(self) -> bool:
        return True


@irdl_custom_directive
class PresenceFlag(CustomDirective):
    """A bool property spelt as a keyword that appears only when true.

    Used as the anchor of an optional group whose keyword is the flag's name; the group's
    keyword has already been consumed when `parse` runs, so reaching it means "true".
    """

    flag: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        self.flag.set(state, BoolAttr.from_bool(True))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        """The group's keyword already says it all."""

    def is_present(self, op: IRDLOperation) -> bool:
        flag = self.flag.get(op)
        return isinstance(flag, IntegerAttr) and bool(flag.value.data)

    def is_anchorable(self) -> bool:
        return True


@irdl_custom_directive
class SameTypeForAll(CustomDirective):
    """One type written once for every operand and result of an elementwise op.

    Use as `custom<SameTypeForAll>(type(operands), type(results))`. A binary op whose second
    operand is broadcast (a vector over the last dimension) writes that operand's type after a
    comma: `nn.add %x, %bias : tensor<8x16xf32>, tensor<16xf32>`.
    """

    operand_types: TypeDirective
    result_types: TypeDirective

    def parse(self, parser: Parser, state: ParsingState) -> None:
        shared_type = parser.parse_type()
        operand_types = [shared_type] * len(state.operand_types)
        if len(operand_types) == 2 and parser.parse_optional_punctuation(","):
            operand_types[1] = parser.parse_type()
        self.operand_types.set(state, operand_types)
        self.result_types.set(state, [shared_type] * len(state.result_types))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        shared_type = op.results[0].type
        printer.print_attribute(shared_type)
        if len(op.operands) == 2 and op.operands[1].type != shared_type:
            printer.print_string(", ")
            printer.print_attribute(op.operands[1].type)


@irdl_custom_directive
class TrailingOperandTypes(CustomDirective):
    """The types of an op's trailing optional operands, `, T` for each one present, in order.

    Use as `custom<TrailingOperandTypes>(type($b), type($c0))` after the required operands'
    types: the operands themselves were parsed already, so which types follow is known (a
    bias and a state of the same type cannot be confused, as they could be in `(`,` type)?`
    groups).
    """

    first: TypeDirective
    second: TypeDirective

    def parse(self, parser: Parser, state: ParsingState) -> None:
        for directive in (self.first, self.second):
            inner = directive.inner
            assert isinstance(inner, VariableDirective)
            if state.operands[inner.index]:
                parser.parse_punctuation(",")
                directive.set(state, [parser.parse_type()])
            else:
                directive.set(state, [])

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        for directive in (self.first, self.second):
            for operand_type in directive.get(op):
                printer.print_string(", ")
                printer.print_attribute(operand_type)
