"""The typed errors a user can cause.

Library code raises these; only the CLI turns them into a one-line message and an exit status
(riscv-opcodes' lesson: library code never ends the process). Anything else that escapes is our bug
and keeps its traceback.
"""

from __future__ import annotations


class EpochError(Exception):
    """A mistake in something the user gave us (a file, an option, an input).

    `where` names the file and location or the offending item; `str()` is the one-line message.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class MachineError(EpochError):
    """An invalid machine description (unknown key, wrong type, impossible value)."""


class MachineMismatchError(MachineError):
    """A program run on another machine than the one it was compiled for."""


class IsaTableError(Exception):
    """The instruction table contradicts itself: our bug, not the user's, so not an EpochError."""


class AsmError(EpochError):
    """Assembly source that does not parse or does not fit the instruction's fields."""


class ProgramFormatError(EpochError):
    """A program file that is truncated, corrupt, foreign or of an unsupported version."""


class InputError(EpochError):
    """An inputs file that is missing, unreadable or does not match the program's arguments."""


class EmulatorFault(EpochError):
    """The program did something the machine cannot do (bad address, overflow, loop misuse).

    Names the pc and the disassembled instruction so the user can find it in `epoch disasm`.
    """

    def __init__(self, pc: int, instruction: str, cause: str) -> None:
        super().__init__(f"fault at pc {pc} ({instruction}): {cause}")
        self.pc = pc
        self.instruction = instruction
        self.cause = cause


class IRError(EpochError):
    """IR text that cannot be read, or a module that cannot be used as asked (no entry point).

    `where` is `file:line:col` when the problem has a place in the source; `snippet` is that
    source line with a caret under the column, so a terminal shows the spot as mlir-opt does.
    """

    def __init__(self, message: str, where: str | None = None, snippet: str | None = None) -> None:
        super().__init__(message, where)
        self.snippet = snippet


class IRParseError(IRError):
    """IR text that does not parse (syntax, unknown op, undefined value)."""


class IRVerifyError(IRError):
    """IR that parses but breaks an op's rules (shapes, types, properties)."""


class PipelineError(EpochError):
    """A pass pipeline naming an unknown pass or option, or giving an option a bad value."""


class OutputError(EpochError):
    """An output file that cannot be written; the previous file, if any, is left untouched."""
