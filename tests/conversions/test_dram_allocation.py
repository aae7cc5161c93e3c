"""DRAM placement of intermediates by liveness (passes/utils/dram_allocation.py and its use in
convert-systolic-to-epoch): the allocator on intervals, lifetimes read from systolic IR, and
compiled models that share DRAM, run correctly and now fit where they did not."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file, pipeline_for
from epoch_mlir.conversions.convert_systolic_to_epoch.dram_allocation import (
    Interval,
    allocate,
    intermediates,
    live_ranges,
    peak_live_words,
    pool_words,
    regions,
)
from epoch_mlir.conversions.convert_systolic_to_epoch.layout import (
    ADDRESS_REGISTER_LIMIT,
    DRAM_ALIGNMENT,
)
from epoch_mlir.conversions.systolic_common.lowering import LoweringError
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.entry import find_entry
from epoch_mlir.errors import EpochError
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, load_module, make_context, parse_module
from epoch_mlir.isa.asm import assemble
from epoch_mlir.isa.disasm import disassemble
from epoch_mlir.isa.program import Program, SymbolKind
from epoch_mlir.machine import load_machine
from epoch_mlir.models import s4d_coefficients, s4d_model
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import get_all_passes, get_upstream_passes
from epoch_mlir.targets.epoch_program import module_to_program, program_to_module


def _check_placement(intervals: list[Interval], offsets: list[int], alignment: int) -> None:
    """Aligned, and no two tensors live at the same time share a word."""
    assert all(offset % alignment == 0 and offset >= 0 for offset in offsets)
    for (a, oa), (b, ob) in itertools.combinations(zip(intervals, offsets, strict=True), 2):
        if a.overlaps(b):
            assert oa + a.words <= ob or ob + b.words <= oa, (a, oa, b, ob)


# region the allocator on intervals


def test_tensors_with_disjoint_lifetimes_share_space() -> None:
    intervals = [Interval(0, 1, 100), Interval(2, 3, 100), Interval(4, 5, 100)]
    assert allocate(intervals) == [0, 0, 0]
    assert pool_words(intervals, [0, 0, 0]) == 112  # 100 rounded up to 16


def test_a_chain_alternates_two_slots() -> None:
    # x -> a -> b -> c -> d: each op reads one tensor and writes the next (inclusive ends)
    intervals = [Interval(i, i + 1, 64) for i in range(4)]
    offsets = allocate(intervals)
    assert offsets == [0, 64, 0, 64]
    assert pool_words(intervals, offsets) == 128 == peak_live_words(intervals)


def test_lifetimes_that_touch_at_one_op_do_not_share() -> None:
    # the op at position 3 reads the first tensor and writes the second
    assert allocate([Interval(0, 3, 32), Interval(3, 5, 32)]) == [0, 32]


def test_first_fit_takes_a_freed_gap() -> None:
    intervals = [Interval(0, 1, 32), Interval(0, 9, 16), Interval(2, 3, 16), Interval(2, 3, 48)]
    offsets = allocate(intervals)
    # the first tensor's 32 words are free from position 2: the 16-word tensor fits there,
    # the 48-word one does not and goes above the long-lived tensor
    assert offsets == [0, 32, 0, 48]
    _check_placement(intervals, offsets, 16)


def test_alignment_rounds_every_offset_up() -> None:
    intervals = [Interval(0, 2, 5), Interval(1, 2, 5), Interval(2, 2, 5)]
    assert allocate(intervals, alignment=4) == [0, 8, 16]
    assert allocate(intervals, alignment=1) == [0, 5, 10]
    with pytest.raises(ValueError, match="alignment"):
        allocate(intervals, alignment=0)


def test_random_intervals_never_overlap_while_live_and_are_deterministic() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        count = int(rng.integers(1, 25))
        intervals = []
        for _ in range(count):
            first = int(rng.integers(0, 30))
            intervals.append(
                Interval(first, first + int(rng.integers(0, 8)), int(rng.integers(1, 200)))
            )
        offsets = allocate(intervals)
        _check_placement(intervals, offsets, 16)
        assert allocate(list(intervals)) == offsets
        assert pool_words(intervals, offsets) >= peak_live_words(intervals)
        assert pool_words(intervals, offsets) <= sum(-(-i.words // 16) * 16 for i in intervals)


def test_regions_group_tensors_whose_addresses_overlap() -> None:
    intervals = [Interval(0, 0, 64), Interval(1, 1, 32), Interval(0, 1, 16)]
    offsets = allocate(intervals)
    assert offsets == [0, 0, 64]
    found = regions(intervals, offsets)
    assert [(r.start, r.end, r.members) for r in found] == [(0, 64, (0, 1)), (64, 80, (2,))]
    # a later 80-word tensor spans both regions' addresses: one region then
    intervals.append(Interval(2, 2, 80))
    offsets = allocate(intervals)
    assert offsets == [0, 0, 64, 0]
    assert [(r.start, r.end, r.members) for r in regions(intervals, offsets)] == [
        (0, 80, (0, 1, 3, 2))
    ]


# endregion

# region lifetimes in systolic IR

T = "!systolic.dram<64x16xf32>"
B = "!systolic.sram<input, 16x16xf32>"
COPIES = f"""
#small = #systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, weight 131072, output 262144]>
builtin.module attributes {{systolic.target = #small}} {{
  func.func @main(%x: {T}) -> {T} {{
    %a = systolic.alloc_dram : {T}
    %b = systolic.alloc_dram : {T}
    %unused = systolic.alloc_dram : !systolic.dram<8xf32>
    %y = systolic.alloc_dram : {T}
    %xb = systolic.alloc : {B}
    systolic.chunk_loop 4 {{
      systolic.load %x[0, 0] step [16, 0] -> %xb[0, 0] sizes [16, 16] : {T}, {B}
      systolic.store %xb[0, 0] -> %a[0, 0] step [16, 0] sizes [16, 16] : {B}, {T}
    }}
    systolic.chunk_loop 4 {{
      systolic.load %a[0, 0] step [16, 0] -> %xb[0, 0] sizes [16, 16] : {T}, {B}
      systolic.store %xb[0, 0] -> %b[0, 0] step [16, 0] sizes [16, 16] : {B}, {T}
    }}
    systolic.chunk_loop 4 {{
      systolic.load %b[0, 0] step [16, 0] -> %xb[0, 0] sizes [16, 16] : {T}, {B}
      systolic.store %xb[0, 0] -> %y[0, 0] step [16, 0] sizes [16, 16] : {B}, {T}
    }}
    func.return %y : {T}
  }}
}}
"""


def test_lifetimes_count_loop_bodies_at_the_loop() -> None:
    module = parse_module(make_context(), SourceText("copies.mlir", COPIES))
    entry = find_entry(module)
    allocs = intermediates(entry)  # the result %y is not an intermediate
    assert [op.tensor.name_hint for op in allocs] == ["a", "b", "unused"]
    intervals = live_ranges(entry.body.block, [op.tensor for op in allocs])
    # positions: the allocs 0-3, %xb 4, the three loops 5, 6, 7; unused: at its definition
    assert intervals == [Interval(5, 6, 1024), Interval(6, 7, 1024), Interval(2, 2, 8)]


def test_copies_share_dram_and_compute_the_identity() -> None:
    ctx = make_context()
    module = parse_module(ctx, SourceText("copies.mlir", COPIES))
    build_pipeline("systolic-allocate-sram,convert-systolic-to-epoch", get_all_passes()).apply(
        ctx, module
    )
    program = module_to_program(module)
    dram = _dram_symbols(program)
    # %unused and %a share one region (a's 1024 words); %b has its own
    assert [(s.name, s.shape) for s in dram if s.kind is SymbolKind.DRAM] == [
        ("t2", (1024,)),
        ("t3", (64, 16)),
    ]
    assert program.dram_words == 4 * 1024
    x = np.random.default_rng(0).normal(size=(64, 16)).astype(np.float32)
    result = Emulator(program, load_machine("small")).run({"arg0": x})
    np.testing.assert_array_equal(result.outputs["res0"], x)


# endregion

# region compiled models

LENGTH, CHANNELS, MODES = 96, 12, 4


def _dram_symbols(program: Program) -> list:  # type: ignore[type-arg]
    """The DRAM symbols, checked to be disjoint (the symbol table names regions honestly)."""
    dram = sorted((s for s in program.symbols if s.in_dram), key=lambda s: s.address)
    for before, after in itertools.pairwise(dram):
        assert before.end <= after.address, (before, after)
    return dram


def _intervals(path: Path, machine_name: str) -> tuple[list[Interval], int]:
    """The lifetimes of the model's DRAM intermediates (the pipeline up to the last pass)."""
    intervals, count, _ = _intervals_and_program(path, machine_name)
    return intervals, count


def _intervals_and_program(path: Path, machine_name: str) -> tuple[list[Interval], int, Program]:
    """The intermediates' lifetimes before the last pass, and the program after it (one compile)."""
    spec = pipeline_for(load_machine(machine_name), machine_name, None)
    passes = [p.strip() for p in spec.split(",")]
    assert passes[-1] == "convert-systolic-to-epoch"
    ctx = make_context()
    module = load_module(path, ctx)
    available = {**get_upstream_passes(), **get_all_passes()}
    build_pipeline(",".join(passes[:-1]), available).apply(ctx, module)
    entry = find_entry(module)
    allocs = intermediates(entry)
    intervals = live_ranges(entry.body.block, [op.tensor for op in allocs])
    build_pipeline(passes[-1], available).apply(ctx, module)
    return intervals, len(allocs), module_to_program(module)


def _aligned(words: int) -> int:
    return -(-words // DRAM_ALIGNMENT) * DRAM_ALIGNMENT


def _inputs(layers: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    values = [rng.normal(size=(LENGTH, CHANNELS))]
    for _ in range(layers):
        values += [
            1 + 0.1 * rng.normal(size=CHANNELS),
            0.1 * rng.normal(size=CHANNELS),
            rng.normal(size=(CHANNELS, CHANNELS)) / np.sqrt(CHANNELS),
            0.1 * rng.normal(size=CHANNELS),
        ]
    return {f"arg{i}": v.astype(np.float32) for i, v in enumerate(values)}


@pytest.mark.parametrize("hw", ["small", "epochcore"])
def test_a_multi_layer_model_shares_dram_and_matches_the_reference(tmp_path: Path, hw: str) -> None:
    rng = np.random.default_rng(11)
    layers = 3
    constants = [s4d_coefficients(CHANNELS, MODES, rng) for _ in range(layers)]
    path = tmp_path / "s4d.mlir"
    path.write_text(s4d_model(layers, LENGTH, CHANNELS, MODES, constants))
    machine = load_machine(hw)
    program = compile_file(path, machine, hw, None, None).program
    intervals, count = _intervals(path, hw)
    # four tensors per block (n, f, g, y): the two reversals are views, the backward scan
    # computes the sum and its gelu, the linear the residual add; the last one is the result
    assert count == 4 * layers - 1
    pool = [s for s in _dram_symbols(program) if s.kind is SymbolKind.DRAM]
    fixed = min(s.address for s in pool)
    # what one region per intermediate needed, against the shared pool
    assert program.dram_words < fixed + sum(_aligned(i.words) for i in intervals)
    assert program.dram_words - fixed <= 2 * peak_live_words(intervals)
    assert len(pool) < count

    inputs = _inputs(layers, rng)
    result = Emulator(program, machine).run(inputs)
    assert "match" in check_against(result.outputs, run_reference(load_module(path), inputs))

    # the symbol table still round-trips, through the disassembler and through the IR
    data = program.to_bytes()
    assert assemble(disassemble(program)).to_bytes() == data
    assert module_to_program(program_to_module(program)).to_bytes() == data
    assert compile_file(path, machine, hw, None, None).program.to_bytes() == data


def test_a_model_beyond_32_bit_addresses_without_reuse_now_compiles(tmp_path: Path) -> None:
    # 9 layers, 35 intermediates of L x H words: 2.3 G words one region each, beyond what a
    # 32-bit address register reaches (the compiler used to stop there); a few live at once
    layers, length, channels, modes = 9, 1 << 23, 8, 4
    path = tmp_path / "long.mlir"
    path.write_text(s4d_model(layers, length, channels, modes))
    machine = load_machine("epochcore")
    intervals, _, program = _intervals_and_program(path, "epochcore")
    assert sum(_aligned(i.words) for i in intervals) >= ADDRESS_REGISTER_LIMIT
    assert program.dram_words <= machine.dram_words
    _dram_symbols(program)


def test_a_model_that_does_not_fit_is_an_error_at_the_tensor(tmp_path: Path) -> None:
    # tiny has 64 MiB (16 Mi words): x and y take 7 Mi words, the live intermediates 14 Mi
    path = tmp_path / "long.mlir"
    path.write_text(s4d_model(1, 458752, 8, 4))
    with pytest.raises(LoweringError) as error:
        compile_file(path, load_machine("tiny"), "tiny", None, None)
    message = str(error.value)
    assert "long.mlir:8:" in message  # the gelu the backward scan applies, 3 intermediates live
    assert "'systolic.alloc_dram' op needs DRAM words up to" in message
    assert "beyond the 16777216 words (64 MiB) of 'tiny'" in message


def test_arguments_that_do_not_fit_are_an_error_at_the_function(tmp_path: Path) -> None:
    path = tmp_path / "long.mlir"
    path.write_text(s4d_model(1, 1 << 20, 8, 4))
    with pytest.raises(LoweringError, match=r"'func.func' op needs \d+ words of DRAM for its "):
        compile_file(path, load_machine("tiny"), "tiny", None, None)


# endregion


def test_a_tensor_larger_than_dram_is_refused_before_lowering(tmp_path: Path) -> None:
    """convert-func-to-systolic checks tensor sizes first: no lowering of a 10^8-step layer."""
    path = tmp_path / "huge.mlir"
    path.write_text(s4d_model(1, 10**8, 16, 4))
    with pytest.raises(EpochError) as caught:
        compile_file(path, load_machine("tiny"), "tiny", None, None)
    assert "a 100000000x16 tensor needs 1600000000 words of DRAM" in str(caught.value)
    assert "huge.mlir:1:1" in str(caught.value)
