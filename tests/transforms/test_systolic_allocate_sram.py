"""systolic-allocate-sram: addresses by liveness, reuse of dead space, a clear error when full."""

from __future__ import annotations

import pytest

from epoch_mlir.errors import EpochError
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import get_all_passes

TARGET = (
    '#t = #systolic.target<"t", 4x4, lima, loop_depth 4, '
    "banks [input 100, weight 100, output 100]>\n"
)


def allocate(body: str) -> str:
    text = (
        TARGET
        + "builtin.module attributes {systolic.target = #t} {\n"
        + "  func.func @main(%x: !systolic.dram<8x8xf32>) {\n"
        + body
        + "    func.return\n  }\n}\n"
    )
    ctx = make_context()
    module = parse_module(ctx, SourceText("alloc.mlir", text))
    build_pipeline("systolic-allocate-sram", get_all_passes()).apply(ctx, module)
    return str(module)


LOAD = (
    "    systolic.load %x[0, 0] -> %{b}[0, 0] sizes [1, 8] : "
    "!systolic.dram<8x8xf32>, !systolic.sram<input, {shape}xf32>\n"
)


def test_buffers_alive_together_do_not_overlap() -> None:
    text = allocate(
        "    %a = systolic.alloc : !systolic.sram<input, 40xf32>\n"
        "    %b = systolic.alloc : !systolic.sram<input, 40xf32>\n"
        + LOAD.format(b="a", shape="40")
        + LOAD.format(b="b", shape="40")
        + LOAD.format(b="a", shape="40")
    )
    assert "alloc at 0 :" in text and "alloc at 40 :" in text


def test_dead_space_is_reused() -> None:
    text = allocate(
        "    %a = systolic.alloc : !systolic.sram<input, 60xf32>\n"
        + LOAD.format(b="a", shape="60")
        + "    %b = systolic.alloc : !systolic.sram<input, 60xf32>\n"
        + LOAD.format(b="b", shape="60")
    )
    assert text.count("alloc at 0 :") == 2


def test_a_buffer_used_in_a_loop_lives_to_its_end() -> None:
    text = allocate(
        "    %a = systolic.alloc : !systolic.sram<input, 40xf32>\n"
        "    systolic.chunk_loop 2 {\n"
        + LOAD.format(b="a", shape="40")
        + "      %b = systolic.alloc : !systolic.sram<input, 40xf32>\n"
        + LOAD.format(b="b", shape="40")
        + "    }\n"
    )
    assert "alloc at 0 :" in text and "alloc at 40 :" in text


def test_a_full_bank_is_an_error_at_the_buffer() -> None:
    with pytest.raises(EpochError, match=r"alloc.mlir:\d+:\d+.*bank 'input' cannot hold"):
        allocate(
            "    %a = systolic.alloc : !systolic.sram<input, 60xf32>\n"
            "    %b = systolic.alloc : !systolic.sram<input, 60xf32>\n"
            + LOAD.format(b="a", shape="60")
            + LOAD.format(b="b", shape="60")
        )
