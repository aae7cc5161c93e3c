"""The ProDF mapping of `ssm.scan` onto LIMA-PEs.

The ProDF logic is epoch_mlir/kernels/s4d.py's, written as systolic IR instead of instructions:
rows hold state modes and columns hold channels; with N < rows, channels are packed into column
segments of S = N rows (G = rows // S channels per column); with N > rows the modes fold and the
later mode folds accumulate into the outputs (D only in the first); with H > G * cols the
channels fold, the full folds as one loop whose windows step across the channels. Within a fold
the sequence streams in double-buffered chunks: the DMA loads chunk
i+1 while the array streams chunk i, the first chunk resets the PE states, and the steady state
is a `systolic.chunk_loop` over pairs of chunks whose DRAM windows step by two chunks.

The packing is dataflows.ProdfMapping's, shared with the kernel; the chunks are chunking.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import ComplexType, f32
from xdsl.ir import Operation, SSAValue

from epoch_mlir.conversions.convert_ssm_to_systolic.chunking import (
    ChunkPlan,
    ChunkStep,
    choose_plan,
    stream_chunks,
)
from epoch_mlir.conversions.convert_ssm_to_systolic.discretize import (
    alloc,
    narrow_plane,
    widen_plane,
)
from epoch_mlir.conversions.convert_ssm_to_systolic.operands import Scan
from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles
from epoch_mlir.conversions.systolic_common.folding import fold_loop, nest_steps
from epoch_mlir.dataflows import ProdfMapping, folds
from epoch_mlir.dialects.systolic import (
    AllocCoefficientsOp,
    AllocDramOp,
    ArrayConfigAttr,
    DramType,
    LimaStateOp,
    LoadOp,
    PreloadCoefficientsOp,
    StoreOp,
    StreamOp,
)
from epoch_mlir.isa.table import coefficient_block_words
from epoch_mlir.machine import Machine
from epoch_mlir.machine.vocabulary import LIMA, PRODF

STREAM_DEPTHS = (2, 3, 4, 6)  # rotating buffers per ProDF stream the cost model tries


def choose_prodf(
    scan: Scan, machine: Machine, bank_limit: int, requested_chunk: int = 0
) -> ProdfMapping:
    """Packing, folds and chunk for `scan`; `bank_limit` words of each stream bank are usable.

    Raises ValueError (with the limit) when not even one timestep of a fold fits, or the
    requested chunk does not.
    """
    rows, cols = machine.rows, machine.cols
    segment, per_fold, modes_per_fold = ProdfMapping.packing(scan.channels, scan.modes, rows, cols)
    # two buffers (double buffering) of chunk x channels on each side
    limit = bank_limit // (2 * per_fold)
    if limit < 1:
        raise ValueError(
            f"two buffers of one timestep of {per_fold} channels need {2 * per_fold} words"
        )
    config = ArrayConfigAttr(LIMA, PRODF, 0 if segment == rows else segment)
    accumulate = scan.modes > segment

    def transfer(steps: int) -> int:
        return instruction_cycles("load", machine, rows=steps, cols=per_fold)

    def load(steps: int) -> int:
        return transfer(steps) * (2 if accumulate else 1)

    def compute(steps: int, first: bool) -> int:
        return instruction_cycles("lima", machine, config, steps=steps, reset=int(first))

    plan = choose_plan(
        scan.length,
        {depth: bank_limit // (depth * per_fold) for depth in STREAM_DEPTHS},
        load,
        compute,
        transfer,
        "array",
        requested_chunk,
        machine.dram_latency_cycles,
    )
    return ProdfMapping(segment, per_fold, modes_per_fold, plan.chunk, segment == rows, plan)


def emit_prodf(
    ops: OpList,
    scan: Scan,
    mapping: ProdfMapping,
    planes: Sequence[SSAValue],
    loop_depth: int,
    weight_words: int,
) -> None:
    """The ProDF program of `scan`; `planes` are complex DRAM tensors of Abar, Bbar and C;
    `weight_words` is the size of the bank the coefficient blocks go to.

    The channel folds are a loop (systolic_common/folding.py) when the target has a loop level
    for it around the chunk loop of each fold's pass over the sequence.
    """
    per_fold, chunk = mapping.channels_per_fold, mapping.chunk
    plan = mapping.plan or ChunkPlan(scan.length, chunk)
    mode_folds = folds(scan.modes, mapping.modes_per_fold)
    block_words = coefficient_block_words(per_fold, mapping.modes_per_fold)
    zeros = ops.constant(np.zeros(per_fold, np.float32), "zeros") if len(mode_folds) > 1 else None
    buffers = min(plan.depth, len(plan.sizes()))
    u_buffers = [ops.alloc("input", (chunk, per_fold), f"u{i}") for i in range(buffers)]
    y_buffers = [ops.alloc("output", (chunk, per_fold), f"y{i}") for i in range(buffers)]
    # a fold's block of the state s0 on its way into the PEs (lds), and of s_last out (sts)
    held, s0, s_last = None, scan.s0, scan.s_last
    if s0 is not None and s_last is not None:
        held = alloc(ops, "input", (per_fold, mapping.modes_per_fold), "state", ComplexType(f32))
        if not scan.complex:  # the PEs hold complex states: widen s0, narrow s_last after
            s0 = widen_plane(ops, s0, scan.channels, scan.modes, weight_words)
            wide_last = AllocDramOp(DramType([scan.channels, scan.modes], ComplexType(f32)))
            wide_last.tensor.name_hint = "wide_last"
            ops.add(wide_last)
            s_last = wide_last.tensor

    # The loop's coefficient blocks (a loop holds no alloc): one per mode fold for the even
    # folds and one for the odd ones when the weight bank holds both, so that the DMA fills
    # the next fold's block while the array still preloads this one's, as unrolled folds do
    # with their own blocks; else the folds share one (the load then waits for the preload).
    hoisted: dict[tuple[int, int], AllocCoefficientsOp] = {}
    sets = 2 if 2 * len(mode_folds) * block_words <= weight_words else 1

    def channel_fold(h0: int, nch: int, step: int, slot: int) -> list[Operation]:
        """Every mode fold of channels h0..h0+nch-1; windows move `step` channels per
        iteration of the channel loop."""
        with ops.collect() as fold:
            for n0, nm in mode_folds:
                key = (h0 // per_fold % sets, n0)
                block = hoisted.get(key) if step else None
                if block is None:
                    block = AllocCoefficientsOp("weight", nch, nm)
                    for result, name in zip(block.results, ("abar", "bbar", "c", "d"), strict=True):
                        result.name_hint = f"{name}_h{h0}_n{n0}"
                    if step:
                        hoisted[key] = block
                    else:
                        ops.add(block)
                for plane, buffer in zip(planes, block.results[:3], strict=True):
                    ops.add(
                        LoadOp(plane, buffer, (nch, nm), src_offsets=(h0, n0), src_step=(step, 0))
                    )
                if n0 == 0:  # D enters once per channel fold: later mode folds add zeros
                    d = LoadOp(scan.d, block.d, (1, nch), src_offsets=(0, h0), src_step=(0, step))
                    ops.add(d)
                else:
                    assert zeros is not None
                    ops.add(LoadOp(zeros, block.d, (1, nch)))
                ops.add(PreloadCoefficientsOp(block, slot))
                state = (nch, nm)
                if held is not None and s0 is not None:  # the PEs start from s0's block
                    ops.add(LoadOp(s0, held, state, src_offsets=(h0, n0), src_step=(step, 0)))
                    ops.add(LimaStateOp("load", held, state, slot))
                passes = _Passes(scan, h0, nch, step, u_buffers, y_buffers, held is not None)
                passes.stream(ops, slot, n0 > 0, plan)
                if held is not None and s_last is not None:  # and hand their last on
                    ops.add(LimaStateOp("store", held, state, slot))
                    ops.add(StoreOp(held, s_last, state, dst_offsets=(h0, n0), dst_step=(step, 0)))
                slot ^= 1
        return fold

    with ops.configure(ArrayConfigAttr(*mapping.mode, mapping.seg)):
        # the channel loop holds each fold's chunk loop: two levels
        looped = loop_depth >= 2
        channel_folds = fold_loop(
            scan.channels, per_fold, channel_fold, len(mode_folds), 0, looped, pairs=sets == 2
        )
        for op in [*hoisted.values(), *channel_folds]:
            ops.add(op)
    if not scan.complex and scan.s_last is not None and s_last is not None:
        narrow_plane(ops, s_last, scan.s_last, scan.channels, scan.modes, weight_words)


@dataclass(frozen=True)
class _Passes:
    """The windows of one channel fold's passes over the sequence: channels h0..h0+nch-1 of u
    and y, moving `channel_step` channels per iteration of the channel loop (0: none)."""

    scan: Scan
    h0: int
    nch: int
    channel_step: int
    u_buffers: Sequence[SSAValue]
    y_buffers: Sequence[SSAValue]
    held: bool = False  # the PEs start from a loaded state (lds), not from reset

    def steps(self, at: ChunkStep) -> tuple[int, ...]:
        """The DRAM windows' steps: down the sequence in the chunk loop, across the channels in
        the channel loop around it (innermost first)."""
        levels = [[(at.step, 0)], [(0, self.channel_step)]]
        return nest_steps(levels, [bool(at.step), bool(self.channel_step)])[0]

    def stream(self, ops: OpList, slot: int, accumulate: bool, plan: ChunkPlan) -> None:
        """One pass over the sequence; later mode folds add to what the earlier ones stored."""
        scan, size = self.scan, self.nch

        def load(at: ChunkStep) -> None:
            buffer, step = at.buffer, self.steps(at)
            window = {"src_offsets": (at.row, self.h0), "src_step": step}
            ops.add(LoadOp(scan.u, self.u_buffers[buffer], (at.rows, size), **window))
            if accumulate:
                ops.add(LoadOp(scan.y, self.y_buffers[buffer], (at.rows, size), **window))

        def compute(at: ChunkStep) -> None:
            buffer = at.buffer
            ops.add(
                StreamOp(
                    self.u_buffers[buffer],
                    self.y_buffers[buffer],
                    (at.rows, size),
                    slot,
                    reset=at.index == 0 and not self.held,
                    accumulate=accumulate,
                )
            )
            ops.add(
                StoreOp(
                    self.y_buffers[buffer],
                    scan.y,
                    (at.rows, size),
                    dst_offsets=(at.row, self.h0),
                    dst_step=self.steps(at),
                )
            )

        stream_chunks(ops, scan.length, plan.chunk, load, compute, plan)


# endregion
