"""A ProDF S4D layer: y = ssm.scan(u, Abar, Bbar, C, D) streamed through the LIMA-PEs.

Rows hold state modes and columns hold channels. When N is smaller than the array's rows, several
channels share a column in segments of S >= N rows (channel packing); when N is larger, the modes
fold and the partial outputs accumulate; when H is larger than a fold holds, the channels fold.
Within a fold the sequence streams in SRAM-sized chunks, double-buffered so that the DMA of the next
chunk overlaps the stream of this one, while the states stay in the PEs.
"""

from __future__ import annotations

import numpy as np

from epoch_mlir.dataflows import ProdfMapping, folds
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.fields import Mem
from epoch_mlir.isa.program import Program
from epoch_mlir.isa.table import coefficient_block_words
from epoch_mlir.machine import Machine

U_REG, Y_REG = 1, 2  # address registers walking the sequence in DRAM


def choose_mapping(length: int, channels: int, modes: int, machine: Machine) -> ProdfMapping:
    """The packing of dataflows.ProdfMapping and the longest chunk two buffers of each stream
    bank hold (at most 4096 steps): the kernel has no cost model."""
    segment, per_fold, per_mode_fold = ProdfMapping.packing(
        channels, modes, machine.rows, machine.cols
    )
    bank_words = min(machine.bank("input").words, machine.bank("output").words)
    chunk = max(1, min(length, 4096, bank_words // (2 * per_fold)))
    return ProdfMapping(segment, per_fold, per_mode_fold, chunk)


def s4d_program(
    length: int, channels: int, modes: int, machine: Machine, mapping: ProdfMapping | None = None
) -> Program:
    """Args u (L x H f32), Abar, Bbar, C (H x N c64), D (H f32); result y (L x H f32)."""
    mapping = mapping or choose_mapping(length, channels, modes, machine)
    builder = ProgramBuilder()
    emit = builder.emit
    u = builder.arg("u", (length, channels))
    planes = [builder.arg(name, (channels, modes), "c64") for name in ("abar", "bbar", "c")]
    d = builder.arg("d", (channels,))
    y = builder.result("y", (length, channels))
    per_fold, chunk = mapping.channels_per_fold, mapping.chunk
    zeros = builder.const("zeros", np.zeros(per_fold, np.float32))

    input_base = machine.bank("input").base
    output_base = machine.bank("output").base
    u_buffers = [
        builder.sram(f"u_buf{i}", input_base + i * chunk * per_fold, (chunk, per_fold))
        for i in range(2)
    ]
    y_buffers = [
        builder.sram(f"y_buf{i}", output_base + i * chunk * per_fold, (chunk, per_fold))
        for i in range(2)
    ]
    coefficient_words = coefficient_block_words(per_fold, mapping.modes_per_fold)
    weight_base = machine.bank("weight").base
    coefficient_buffers = [
        builder.sram(f"coef{i}", weight_base + i * coefficient_words, (coefficient_words,))
        for i in range(2)
    ]

    emit("cfg", "lima", "prodf", mapping.segment_rows)
    slot = 0
    for h0, nch in folds(channels, per_fold):
        for n0, nm in folds(modes, mapping.modes_per_fold):
            buffer = coefficient_buffers[slot].address
            for index, plane in enumerate(planes):
                emit(
                    "load",
                    buffer + index * 2 * nch * nm,
                    plane.address + 2 * (h0 * modes + n0),
                    nch,
                    2 * nm,
                    2 * nm,
                    2 * modes,
                )
            # D enters once per channel fold: later mode folds add zeros
            d_source = d.address + h0 if n0 == 0 else zeros.address
            d_address = buffer + coefficient_block_words(nch, nm) - nch  # D ends the block
            emit("load", d_address, d_source, 1, nch, nch, nch)
            emit("ldc", slot, buffer, nch, nm)
            _stream(
                builder,
                slot,
                u.address + h0,
                y.address + h0,
                length,
                channels,
                nch,
                chunk,
                accumulate=n0 > 0,
                u_buffers=u_buffers,
                y_buffers=y_buffers,
            )
            slot ^= 1
    emit("halt")
    return builder.build()


def _stream(
    builder: ProgramBuilder,
    slot: int,
    u_address: int,
    y_address: int,
    length: int,
    channels: int,
    nch: int,
    chunk: int,
    *,
    accumulate: bool,
    u_buffers: list,
    y_buffers: list,
) -> None:
    """Stream the whole sequence of one fold, chunk by chunk, two buffers alternating.

    Software-pipelined: the DMA loads chunk i+1 while the array streams chunk i, and stores chunk i
    while the array streams chunk i+1. Chunk 0 resets the PE states. The steady state is a hardware
    loop over pairs of chunks (one per buffer) whose DRAM addresses advance through the loop's
    register strides; the last chunks are unrolled.
    """
    emit = builder.emit
    step_words = chunk * channels  # DRAM distance between consecutive chunks
    full, tail = divmod(length, chunk)  # chunk <= length, so full >= 1
    sizes = [chunk] * full + ([tail] if tail else [])

    def load(index: int, base: int) -> None:
        buffer, offset = index % 2, (index - base) * step_words
        emit("load", u_buffers[buffer], Mem(U_REG, offset), sizes[index], nch, nch, channels)
        if accumulate:
            emit("load", y_buffers[buffer], Mem(Y_REG, offset), sizes[index], nch, nch, channels)

    def compute(index: int, base: int) -> None:
        buffer, offset = index % 2, (index - base) * step_words
        u_buf, y_buf = u_buffers[buffer], y_buffers[buffer]
        emit(
            "lima",
            slot,
            y_buf,
            u_buf,
            sizes[index],
            nch,
            nch,
            reset=int(index == 0),
            acc=int(accumulate),
        )
        emit("store", Mem(Y_REG, offset), y_buf, sizes[index], nch, channels, nch)

    emit("li", U_REG, u_address)
    emit("li", Y_REG, y_address)
    load(0, 0)
    if len(sizes) > 1:
        load(1, 0)
    compute(0, 0)
    if len(sizes) == 1:
        return
    emit("addi", U_REG, U_REG, step_words)
    emit("addi", Y_REG, Y_REG, step_words)
    pairs = max(0, (full - 2) // 2)  # iterations whose chunks i, i+1 and i+2 are all full
    if pairs:
        with builder.loop(pairs, U_REG, 2 * step_words, Y_REG, 2 * step_words):
            load(2, 1)
            compute(1, 1)
            load(3, 1)
            compute(2, 1)
    base = 1 + 2 * pairs  # the registers now point at this chunk, already loaded
    for index in range(base, len(sizes)):
        if index + 1 < len(sizes):
            load(index + 1, base)
        compute(index, base)
