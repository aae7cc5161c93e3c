"""One op per row of the instruction table, grouped by unit in table order.

Each class only names its mnemonic: `instruction_op` adds the row's fields as properties and the
row's summary and semantics as the docstring, so nothing here repeats the table. The classes are
written out (not generated in a loop) so that they can be imported, named in patterns
(`@op_type_rewrite_pattern` on `LoadOp`) and seen by pyright; tests/dialects/test_epoch.py
checks that they are exactly the table's rows.
"""

from __future__ import annotations

from epoch_mlir.dialects.epoch.formats import InstructionOp, LoopInstructionOp, instruction_op

# region control


@instruction_op
class HaltOp(InstructionOp):
    name = "epoch.halt"


@instruction_op
class SyncOp(InstructionOp):
    name = "epoch.sync"


@instruction_op
class LiOp(InstructionOp):
    name = "epoch.li"


@instruction_op
class AddiOp(InstructionOp):
    name = "epoch.addi"


@instruction_op
class LoopOp(LoopInstructionOp):
    name = "epoch.loop"


# endregion

# region dma


@instruction_op
class LoadOp(InstructionOp):
    name = "epoch.load"


@instruction_op
class StoreOp(InstructionOp):
    name = "epoch.store"


@instruction_op
class GatherOp(InstructionOp):
    name = "epoch.gather"


# endregion

# region array


@instruction_op
class CfgOp(InstructionOp):
    name = "epoch.cfg"


@instruction_op
class LdwOp(InstructionOp):
    name = "epoch.ldw"


@instruction_op
class LdcOp(InstructionOp):
    name = "epoch.ldc"


@instruction_op
class MmOp(InstructionOp):
    name = "epoch.mm"


@instruction_op
class LimaOp(InstructionOp):
    name = "epoch.lima"


@instruction_op
class LselOp(InstructionOp):
    name = "epoch.lsel"


@instruction_op
class LdxOp(InstructionOp):
    name = "epoch.ldx"


@instruction_op
class StxOp(InstructionOp):
    name = "epoch.stx"


@instruction_op
class LdsOp(InstructionOp):
    name = "epoch.lds"


@instruction_op
class StsOp(InstructionOp):
    name = "epoch.sts"


# endregion

# region vector


@instruction_op
class VaddOp(InstructionOp):
    name = "epoch.vadd"


@instruction_op
class VsubOp(InstructionOp):
    name = "epoch.vsub"


@instruction_op
class VmulOp(InstructionOp):
    name = "epoch.vmul"


@instruction_op
class VdivOp(InstructionOp):
    name = "epoch.vdiv"


@instruction_op
class VcmulOp(InstructionOp):
    name = "epoch.vcmul"


@instruction_op
class VcdivOp(InstructionOp):
    name = "epoch.vcdiv"


@instruction_op
class VexpOp(InstructionOp):
    name = "epoch.vexp"


@instruction_op
class VgeluOp(InstructionOp):
    name = "epoch.vgelu"


@instruction_op
class VgelutOp(InstructionOp):
    name = "epoch.vgelut"


@instruction_op
class VsiluOp(InstructionOp):
    name = "epoch.vsilu"


@instruction_op
class VsigmoidOp(InstructionOp):
    name = "epoch.vsigmoid"


@instruction_op
class VsoftplusOp(InstructionOp):
    name = "epoch.vsoftplus"


@instruction_op
class VreluOp(InstructionOp):
    name = "epoch.vrelu"


@instruction_op
class VcopyOp(InstructionOp):
    name = "epoch.vcopy"


@instruction_op
class VrevOp(InstructionOp):
    name = "epoch.vrev"


@instruction_op
class VcexpOp(InstructionOp):
    name = "epoch.vcexp"


@instruction_op
class VdexpOp(InstructionOp):
    name = "epoch.vdexp"


@instruction_op
class VaddiOp(InstructionOp):
    name = "epoch.vaddi"


@instruction_op
class VmuliOp(InstructionOp):
    name = "epoch.vmuli"


@instruction_op
class VrsqrtOp(InstructionOp):
    name = "epoch.vrsqrt"


@instruction_op
class VrsumOp(InstructionOp):
    name = "epoch.vrsum"


@instruction_op
class VcsumOp(InstructionOp):
    name = "epoch.vcsum"


# endregion

INSTRUCTION_OPS: tuple[type[InstructionOp | LoopInstructionOp], ...] = (
    HaltOp,
    SyncOp,
    LiOp,
    AddiOp,
    LoopOp,
    LoadOp,
    StoreOp,
    GatherOp,
    CfgOp,
    LdwOp,
    LdcOp,
    MmOp,
    LimaOp,
    LselOp,
    LdxOp,
    StxOp,
    LdsOp,
    StsOp,
    VaddOp,
    VsubOp,
    VmulOp,
    VdivOp,
    VcmulOp,
    VcdivOp,
    VexpOp,
    VgeluOp,
    VgelutOp,
    VsiluOp,
    VsigmoidOp,
    VsoftplusOp,
    VreluOp,
    VcopyOp,
    VrevOp,
    VcexpOp,
    VdexpOp,
    VaddiOp,
    VmuliOp,
    VrsqrtOp,
    VrsumOp,
    VcsumOp,
)
