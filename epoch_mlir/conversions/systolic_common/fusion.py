"""What a producer's lowering computes besides its own result, as `nn-fuse-elementwise` marked it.

The GEMM and scan lowerings build their ops as usual, replace their op by the DRAM tensor they
wrote, then hand that tensor to `Fusion.apply`: first the add the producer accumulates
(accumulate.py), then the activation applied to its chunks before they are stored
(epilogue.py). Each step leaves the IR as it was when it does not recognise the ops.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from epoch_mlir.conversions.systolic_common.accumulate import FusedAdd, fuse_add, fused_add
from epoch_mlir.conversions.systolic_common.epilogue import fuse_epilogue, marked_epilogue


@dataclass(frozen=True)
class Fusion:
    """The marked consumers of one producer: an add it accumulates, an activation it applies."""

    add: FusedAdd | None
    epilogue: Operation | None

    @staticmethod
    def of(producer: Operation) -> Fusion:
        """Read the marks before the producer is replaced (its result's users are known then)."""
        add = fused_add(producer)
        last = add.add.y if add is not None else producer.results[0]
        return Fusion(add, marked_epilogue(last))

    def apply(self, tensor: SSAValue, rewriter: PatternRewriter) -> bool:
        """Rewrite the producer's lowered ops, which wrote `tensor`; False when a marked add
        stays its own op (then `tensor` holds the producer's result, not the sum)."""
        if self.add is not None:
            fused = fuse_add(self.add, tensor, rewriter)
            if fused is None:
                return False  # the add stays its own op, and so does whatever reads it
            tensor = fused
        if self.epilogue is not None:
            fuse_epilogue(self.epilogue, tensor, rewriter)
        return True
