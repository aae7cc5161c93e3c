"""convert-ssm-to-systolic: map `ssm.scan` onto the array (ProDF) or the vector unit (conventional).

`dataflow=prodf` streams the sequence through LIMA-PEs that hold the state modes (scan_prodf.py,
the logic of kernels/s4d.py); `dataflow=ws|os|is` is what a TPU-like array of MAC PEs must do
instead: the faster (by the cost model) of the recurrence on the vector unit
(scan_conventional.py) and a Toeplitz matmul per channel on the array (scan_convolution.py),
both figures and the choice written into the IR. docs/compiler.md ("ssm.scan lowering")
describes both mappings and the attributes they leave.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import (
    ComplexType,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.conversions.convert_ssm_to_systolic.discretize import (
    LowerSsmDiscretize,
    widen_plane,
)
from epoch_mlir.conversions.convert_ssm_to_systolic.operands import Plane, Scan
from epoch_mlir.conversions.convert_ssm_to_systolic.scan_conventional import (
    RecurrentLayout,
    emit_recurrent,
    split_block,
)
from epoch_mlir.conversions.convert_ssm_to_systolic.scan_convolution import (
    convolution_cycles,
    convolution_kernel,
    emit_convolution,
    unsupported,
)
from epoch_mlir.conversions.convert_ssm_to_systolic.scan_prodf import choose_prodf, emit_prodf
from epoch_mlir.conversions.convert_ssm_to_systolic.selective_scan import LowerSelectiveScan
from epoch_mlir.conversions.systolic_common.accumulate import fused_add
from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.conversions.systolic_common.cost import estimate_cycles
from epoch_mlir.conversions.systolic_common.fusion import Fusion
from epoch_mlir.conversions.systolic_common.lowering import (
    MODE_ATTRIBUTE,
    KeepSourceLocation,
    LoweringError,
    bank_words,
    dram_operand,
    machine_of,
    replace_with_dram,
    target_of,
)
from epoch_mlir.dialects import ssm
from epoch_mlir.dialects.systolic import (
    DATAFLOWS,
    AllocDramOp,
    ConfigureOp,
    ConstantOp,
    DramType,
)
from epoch_mlir.isa.table import coefficient_block_words
from epoch_mlir.machine import Machine

MODES = ("auto", "recurrent", "convolution")  # the conventional mapping's `mode` option
ESTIMATES_ATTRIBUTE = "ssm.estimates"  # the cost model's cycles of each conventional mode


def _constant_value(tensor: SSAValue) -> np.ndarray | None:
    """The contents of a DRAM tensor that is a `systolic.constant`, else None."""
    owner = tensor.owner
    if not isinstance(owner, ConstantOp):
        return None
    value = cast(DenseIntOrFPElementsAttr, owner.value)
    element = value.get_element_type()
    dtype = np.complex64 if isinstance(element, ComplexType) else np.float32
    shape = tuple(value.get_shape())
    data = np.frombuffer(value.data.data, dtype)
    if data.size == 1 and math.prod(shape) != 1:  # a splat stores one element
        return np.full(shape, data[0], dtype)
    return data.reshape(shape).copy()


@dataclass
class LowerSsmScan(RewritePattern):
    """`ssm.scan` -> ProDF streams (prodf) or the vector-unit recurrence (ws, os, is)."""

    dataflow: str
    chunk: int = 0  # timesteps per chunk; 0: the cost model chooses
    mode: str = "auto"  # conventional mapping: auto (the faster), recurrent or convolution

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ssm.ScanOp, rewriter: PatternRewriter) -> None:
        target = target_of(op)
        machine = machine_of(op)
        if self.dataflow == "prodf" and target.pe.data != "lima":
            raise LoweringError.at(
                op,
                f"dataflow prodf needs LIMA-PEs, but target '{target.machine.data}' has "
                f"{target.pe.data} PEs: use dataflow ws, os or is",
            )
        length, channels = cast(TensorType, op.u.type).get_shape()
        modes = cast(TensorType, op.Abar.type).get_shape()[1]
        y = AllocDramOp(DramType([length, channels]))
        y.tensor.name_hint = "y"
        abar_type = cast(TensorType, op.Abar.type)
        s_last = None
        if op.s0 is not None:
            s_last = AllocDramOp(DramType([channels, modes], abar_type.element_type))
            s_last.tensor.name_hint = "s_last"
        planes = []
        for name, value in (("Abar", op.Abar), ("Bbar", op.Bbar), ("C", op.C)):
            tensor = dram_operand(value, rewriter, op)
            planes.append(Plane(name, tensor, _constant_value(tensor)))
        scan = Scan(
            u=dram_operand(op.u, rewriter, op),
            abar=planes[0],
            bbar=planes[1],
            c=planes[2],
            d=dram_operand(op.D, rewriter, op),
            y=y.tensor,
            length=length,
            channels=channels,
            modes=modes,
            complex=isinstance(abar_type.element_type, ComplexType),
            s0=None if op.s0 is None else dram_operand(op.s0, rewriter, op),
            s_last=None if s_last is None else s_last.tensor,
        )
        ops = OpList(machine)
        if self.dataflow == "prodf":
            self._prodf(op, scan, ops)
        else:
            self._conventional(op, scan, ops, target.loop_depth.data)
        fusion = Fusion.of(op)  # what nn-fuse-elementwise asked the streams to compute too
        results = [y.tensor] if s_last is None else [y.tensor, s_last.tensor]
        allocs = [y] if s_last is None else [y, s_last]
        replace_with_dram(op, results, rewriter, [*allocs, *ops.ops])
        fusion.apply(y.tensor, rewriter)

    def _prodf(self, op: ssm.ScanOp, scan: Scan, ops: OpList) -> None:
        machine = ops.machine
        stream_words = min(bank_words(op, machine, "input"), bank_words(op, machine, "output"))
        if scan.s0 is not None:  # a fold's block of the state (complex) beside the u buffers
            stream_words -= 2 * machine.rows * machine.cols
        try:
            mapping = choose_prodf(scan, machine, stream_words, self.chunk)
        except ValueError as error:
            raise LoweringError.at(op, _stream_limit(error, stream_words)) from None
        block = coefficient_block_words(mapping.channels_per_fold, mapping.modes_per_fold)
        weight = bank_words(op, machine, "weight")
        if block > weight:
            raise LoweringError.at(
                op,
                f"a coefficient block of {mapping.channels_per_fold} channels x "
                f"{mapping.modes_per_fold} modes needs {block} words, more than the {weight} "
                "words of bank 'weight'",
            )
        planes = []
        widened: dict[SSAValue, SSAValue] = {}  # a tensor passed as several planes: widen once
        for plane in scan.planes:  # ProDF preloads complex planes: widen real ones
            if scan.complex:
                planes.append(plane.dram)
            elif plane.value is not None:  # at compile time
                planes.append(ops.constant(plane.value.astype(np.complex64), plane.name))
            else:  # on chip (discretize.py)
                if plane.dram not in widened:
                    try:
                        widened[plane.dram] = widen_plane(
                            ops, plane.dram, scan.channels, scan.modes, weight
                        )
                    except ValueError as error:
                        raise LoweringError.at(op, f"cannot widen {plane.name}: {error}") from None
                planes.append(widened[plane.dram])
        emit_prodf(ops, scan, mapping, planes, target_of(op).loop_depth.data, weight)
        for configure in ops.ops:
            if isinstance(configure, ConfigureOp):
                configure.attributes[MODE_ATTRIBUTE] = StringAttr("prodf")

    def _conventional(self, op: ssm.ScanOp, scan: Scan, ops: OpList, loop_depth: int) -> None:
        """The faster of the recurrent and the convolution mode (or the one `mode` forces)."""
        machine = ops.machine
        d_value = _constant_value(scan.d)
        banks = {bank.name: bank.words for bank in machine.sram_banks}
        convolution = convolution_cycles(scan, machine, self.dataflow, d_value is not None)
        why_not = unsupported(scan, machine, banks, loop_depth)
        if why_not is None and scan.s0 is not None:
            why_not = "it starts from a zero state (the scan has a state operand)"
        if self.mode == "convolution" and why_not is not None:
            raise LoweringError.at(op, f"cannot use the convolution mode: {why_not}")
        recurrent: OpList | None = None
        try:
            recurrent = self._recurrent(op, scan, machine, loop_depth)
        except LoweringError:
            if self.mode == "recurrent" or (self.mode == "auto" and why_not is not None):
                raise
        estimates = {"convolution": IntegerAttr(convolution, i64)}
        if recurrent is not None:
            estimates["recurrent"] = IntegerAttr(estimate_cycles(recurrent.ops, machine), i64)
        use_convolution = self.mode == "convolution" or (
            self.mode == "auto"
            and why_not is None
            and (recurrent is None or convolution < estimates["recurrent"].value.data)
        )
        annotated: list[Operation]
        if use_convolution:
            abar, bbar, c = (cast(np.ndarray, plane.value) for plane in scan.planes)
            kernel = convolution_kernel(abar, bbar, c, d_value, scan.length)
            emit_convolution(ops, scan, self.dataflow, kernel, d_value is not None)
            for discarded in reversed(recurrent.ops if recurrent is not None else []):
                discarded.erase(safe_erase=False)  # drops its uses of the scan's tensors
            annotated = [*ops.loops, *(o for o in ops.ops if isinstance(o, ConfigureOp))]
        else:
            assert recurrent is not None
            for emitted in recurrent.ops:
                ops.add(emitted)
            annotated = list(recurrent.loops)
        mode = StringAttr("convolution" if use_convolution else "recurrent")
        # recurrent first, as before the convolution mode was emitted
        attribute = DictionaryAttr(dict(sorted(estimates.items(), reverse=True)))
        for emitted in annotated:
            emitted.attributes[MODE_ATTRIBUTE] = mode
            emitted.attributes[ESTIMATES_ATTRIBUTE] = attribute

    def _recurrent(self, op: ssm.ScanOp, scan: Scan, machine: Machine, loop_depth: int) -> OpList:
        """The recurrent mode's ops (not yet in the function), or a LoweringError."""
        if loop_depth < 2:
            raise LoweringError.at(
                op,
                f"the recurrent mode nests two chunk loops (chunks, timesteps), but the target "
                f"has {loop_depth} hardware loop level",
            )
        layout = RecurrentLayout(scan.modes, scan.complex, fused_add(op) is not None)
        weight = bank_words(op, machine, "weight")
        needed = layout.sram_words(scan.channels)
        if scan.s0 is not None:  # the state's way in and out (upper bounds of the buffers)
            block = min(machine.rows, machine.cols, scan.channels)
            words = scan.channels * scan.modes
            needed += (12 * words + 3 * block * block) if scan.complex else 2 * words
            needed += block * block
        if scan.complex and any(plane.value is None for plane in scan.planes):
            block = split_block(machine, scan.modes)
            # one plane at a time: loaded (H x N complex) and its words (H x 2N), and the
            # three selection matrices
            needed += 4 * scan.channels * scan.modes + 3 * (block // 2) * block
        elif any(plane.value is None for plane in scan.planes):
            block = min(machine.rows, machine.cols, scan.modes)
            needed += 3 * scan.channels * scan.modes + block * block  # staged planes, identity
        if needed > weight:
            raise LoweringError.at(
                op,
                f"the recurrent mode keeps {needed} words of planes and state on chip, more "
                f"than the {weight} words of bank 'weight'",
            )
        stream_words = min(bank_words(op, machine, "input"), bank_words(op, machine, "output"))
        if 2 * scan.channels > stream_words:
            raise LoweringError.at(
                op,
                f"two buffers of one timestep of {scan.channels} channels need "
                f"{2 * scan.channels} words, more than the {stream_words} words of the smaller "
                "of banks 'input' and 'output'",
            )
        ops = OpList(machine)
        try:
            emit_recurrent(ops, scan, layout, self.dataflow, stream_words, self.chunk)
        except ValueError as error:
            raise LoweringError.at(op, _stream_limit(error, stream_words)) from None
        return ops


def _stream_limit(error: ValueError, words: int) -> str:
    return (
        f"cannot stream the sequence: {error} (banks 'input' and 'output' give each side "
        f"{words} words)"
    )


@dataclass(frozen=True)
class ConvertSsmToSystolicPass(ModulePass):
    """Lower `ssm.scan` to systolic IR: ProDF on LIMA-PEs, or the conventional recurrence.

    #### Input invariant
    `convert-func-to-systolic` has run (the module names its target); `ssm.scan` ops read
    tensors bridged to DRAM by `builtin.unrealized_conversion_cast`.
    #### Output IR
    Each `ssm.scan` becomes an `alloc_dram` for y and the ops that fill it, its users reading y
    through a cast. `prodf`: one `systolic.configure <lima, prodf[, seg S]>` (`ssm.mode =
    "prodf"`) holding per fold a coefficient block, its loads and preload, and the chunk
    pipeline. `ws|os|is`: per `mode` (auto: the lower estimate) either the vector-unit
    recurrence in nested chunk loops, each carrying `ssm.mode = "recurrent"` and
    `ssm.estimates = {recurrent, convolution}`, or the convolution mode (constant
    coefficients): a `systolic.configure` with a loop over the channels of Toeplitz GEMM folds,
    carrying `ssm.mode = "convolution"` and the same estimates. SRAM buffers have
    no address yet (`systolic-allocate-sram`); chunk loops carry `estimated_cycles`.
    """

    name = "convert-ssm-to-systolic"

    dataflow: str = "prodf"
    chunk: int = 0  # timesteps per chunk; 0 lets the cost model choose
    mode: str = "auto"  # ws|os|is: auto (the lower estimate), recurrent or convolution

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.dataflow not in DATAFLOWS:
            raise LoweringError(
                f"convert-ssm-to-systolic: dataflow must be one of {', '.join(DATAFLOWS)}, "
                f"got '{self.dataflow}'"
            )
        if self.chunk < 0:
            raise LoweringError(f"convert-ssm-to-systolic: chunk must be >= 0, got {self.chunk}")
        if self.mode not in MODES:
            raise LoweringError(
                f"convert-ssm-to-systolic: mode must be one of {', '.join(MODES)}, "
                f"got '{self.mode}'"
            )
        patterns = [
            LowerSsmDiscretize(),
            LowerSsmScan(self.dataflow, self.chunk, self.mode),
            LowerSelectiveScan(self.dataflow, self.chunk),
        ]
        located: list[RewritePattern] = [KeepSourceLocation(pattern) for pattern in patterns]
        PatternRewriteWalker(GreedyRewritePatternApplier(located)).rewrite_module(op)
