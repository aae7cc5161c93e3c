"""The systolic dialect from Python: builders make IR the verifier accepts, and its rules bite."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BytesAttr,
    ComplexType,
    DenseIntOrFPElementsAttr,
    ModuleOp,
    TensorType,
    f32,
)
from xdsl.ir import Operation
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.systolic import (
    OWN_OP_VECTOR_INSTRUCTIONS,
    SYSTOLIC,
    TARGET_ATTRIBUTE,
    VECTOR_FUNCTIONS,
    AllocCoefficientsOp,
    AllocDramOp,
    AllocOp,
    ArrayConfigAttr,
    ChunkLoopOp,
    ConfigureOp,
    ConstantOp,
    DramType,
    LoadOp,
    MatmulTileOp,
    PreloadCoefficientsOp,
    PreloadTileOp,
    SramType,
    StoreOp,
    StreamOp,
    TargetAttr,
    VectorOp,
    find_target,
)
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.isa.table import INSTRUCTIONS
from epoch_mlir.machine import load_machine

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "tests" / "filecheck" / "dialects" / "systolic" / "examples.mlir"
DOCS = REPO / "docs" / "systolic.md"


def module_for(target: TargetAttr | None, *ops: Operation) -> ModuleOp:
    """A module holding `ops` in one function, with `target` on the module when given."""
    function = func.FuncOp("f", ((), ()))
    function.body.block.add_ops([*ops, func.ReturnOp()])
    module = ModuleOp([function])
    if target is not None:
        module.attributes[TARGET_ATTRIBUTE] = target
    return module


def small() -> TargetAttr:
    return TargetAttr.from_machine(load_machine("small"))


# -- types and attributes ----------------------------------------------------------------------


def test_memory_types_compare_by_every_parameter() -> None:
    # Regression: parameters declared only on a shared base class escaped equality.
    assert DramType([2]) != DramType([4])
    assert DramType([2], ComplexType(f32)) != DramType([2])
    assert SramType("input", [4, 4]) != SramType("output", [4, 4])
    assert SramType("input", [4, 4]) != SramType("input", [4, 8])
    assert hash(SramType("input", [4, 4])) == hash(SramType("input", [4, 4]))


def test_words_count_complex_elements_twice_and_1d_shapes_are_one_row() -> None:
    assert SramType("input", [64, 16]).words == 1024
    assert SramType("weight", [8, 4], ComplexType(f32)).words == 64
    assert DramType([12]).matrix == (1, 12)


def test_array_config_segments() -> None:
    packed = ArrayConfigAttr("lima", "prodf", 4)
    assert (packed.segment_rows(8), packed.segments(8)) == (4, 2)
    whole = ArrayConfigAttr("mac", "ws")
    assert (whole.segment_rows(128), whole.segments(128)) == (128, 1)


@pytest.mark.parametrize(
    ("mode", "dataflow", "seg", "message"),
    [
        ("mac", "prodf", 0, "dataflow prodf needs PE mode lima, got mac"),
        ("lima", "is", 0, "dataflow is needs PE mode mac, got lima"),
        ("mac", "ws", 2, "seg packs channels for prodf only, got seg 2 with ws"),
    ],
)
def test_array_config_refuses_impossible_combinations(
    mode: str, dataflow: str, seg: int, message: str
) -> None:
    with pytest.raises(VerifyException, match=re.escape(message)):
        ArrayConfigAttr(mode, dataflow, seg)


def test_target_from_a_machine_preset() -> None:
    target = TargetAttr.from_machine(load_machine("tpu"))
    assert (target.rows.data, target.cols.data, target.pe.data) == (128, 128, "mac")
    assert target.banks == [("input", 2097152), ("weight", 1048576), ("output", 2097152)]
    assert target.bank_base("output") == 2097152 + 1048576
    assert target.bank_size("scratch") is None
    text = str(small())
    assert text == (
        '#systolic.target<"small", 8x4, lima, loop_depth 4, '
        "banks [input 262144, weight 131072, output 262144]>"
    )


def test_vector_functions_are_the_isa_vector_instructions() -> None:
    """All but those with an op of their own (vdexp: systolic.selective_discretize)."""
    vector_rows = {row.mnemonic for row in INSTRUCTIONS if row.unit == "vector"}
    assert OWN_OP_VECTOR_INSTRUCTIONS == ("vdexp",)
    assert {f"v{name}" for name in VECTOR_FUNCTIONS} == vector_rows - {"vdexp"}


# -- builders ----------------------------------------------------------------------------------


def test_builders_make_a_verified_prodf_layer() -> None:
    u = SramType("input", [64, 8])
    y = SramType("output", [64, 8])
    u_buf, y_buf = AllocOp(u, address=0), AllocOp(y)
    block = AllocCoefficientsOp("weight", channels=8, modes=4, address=0)
    dram = AllocDramOp(DramType([256, 8]))
    assert block.words == 6 * 8 * 4 + 8
    stream = StreamOp(u_buf, y_buf, (64, 8), 0)
    loop = ChunkLoopOp(
        4,
        [
            LoadOp(dram, u_buf, (64, 8), src_step=(64, 0)),
            stream,
            StoreOp(y_buf, dram, (64, 8), dst_step=(64, 0)),
        ],
        estimated_cycles=256,
    )
    configure = ConfigureOp(ArrayConfigAttr("lima", "prodf", 4))
    with ImplicitBuilder(configure.body):
        PreloadCoefficientsOp(block, 0)
    configure.body.block.add_op(loop)
    module = module_for(small(), u_buf, y_buf, block, dram, configure)
    module.verify()
    assert find_target(stream) == small()
    assert loop.estimated_cycles is not None and loop.estimated_cycles.value.data == 256
    assert stream.reset is None and stream.accumulate is None


def test_builders_make_verified_gemm_folds_in_every_dataflow() -> None:
    x = AllocOp(SramType("input", [16, 16]))
    w = AllocOp(SramType("weight", [8, 16]))
    y = AllocOp(SramType("output", [16, 8]))
    ws = ConfigureOp(
        ArrayConfigAttr("mac", "ws"),
        [
            PreloadTileOp(w, (4, 8), 0, transpose=True),
            MatmulTileOp(y, 16, 4, 8, a=x, slot=0),
            PreloadTileOp(w, (4, 8), 1, offsets=(0, 8), transpose=True),
            MatmulTileOp(y, 16, 4, 8, a=x, slot=1, a_offsets=(0, 8), accumulate=True),
        ],
    )
    is_ = ConfigureOp(
        ArrayConfigAttr("mac", "is"),
        [
            PreloadTileOp(x, (4, 8), 0, transpose=True),
            MatmulTileOp(y, 4, 8, 8, b=w, slot=0),
        ],
    )
    os = ConfigureOp(
        ArrayConfigAttr("mac", "os"),
        [MatmulTileOp(y, 8, 4, 16, a=x, b=w, transpose_out=True)],
    )
    module = module_for(small(), x, w, y, ws, is_, os)
    module.verify()
    assert PreloadTileOp(w, (4, 8), 0, transpose=True).tile == (8, 4)


def test_vector_builder_and_its_instruction() -> None:
    x = AllocOp(SramType("input", [16, 8]))
    mean = AllocOp(SramType("weight", [16, 1]))
    rsum = VectorOp("rsum", x, mean, (16, 8), imm=1 / 8)
    sub = VectorOp("sub", x, x, (16, 8), b=mean, b_broadcast="col")
    module_for(small(), x, mean, rsum, sub).verify()
    assert rsum.instruction.mnemonic == "vrsum"
    assert sub.b is not None and sub.b_broadcast.data == "col"


def test_constant_builder_takes_its_type_from_the_value() -> None:
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    dense = DenseIntOrFPElementsAttr(TensorType(f32, [2, 3]), BytesAttr(values.tobytes()))
    constant = ConstantOp(dense)
    constant.verify()
    assert constant.tensor.type == DramType([2, 3])


# -- verifier rules from Python ------------------------------------------------------------------


def test_machine_checks_run_only_with_a_target() -> None:
    huge = AllocOp(SramType("weight", [1024, 1024]))
    module_for(None, huge).verify()  # machine-independent rules only
    with pytest.raises(VerifyException, match='does not fit bank "weight" of 131072 words'):
        module_for(small(), AllocOp(SramType("weight", [1024, 1024]))).verify()


def test_a_window_is_checked_at_the_last_loop_iteration() -> None:
    dram = AllocDramOp(DramType([100, 8]))
    buf = AllocOp(SramType("input", [16, 8]))
    load = LoadOp(dram, buf, (16, 8), src_step=(16, 0))
    module_for(small(), dram, buf, ChunkLoopOp(6, [load])).verify()  # rows 80..95 still fit
    dram, buf = AllocDramOp(DramType([100, 8])), AllocOp(SramType("input", [16, 8]))
    load = LoadOp(dram, buf, (16, 8), src_step=(16, 0))
    last = r"at \[96, 0\] of size \[16, 8\] at iteration 7 of 7"
    with pytest.raises(VerifyException, match=last):
        module_for(small(), dram, buf, ChunkLoopOp(7, [load])).verify()


def test_lima_on_the_mac_only_baseline_is_refused() -> None:
    tpu = TargetAttr.from_machine(load_machine("tpu"))
    with pytest.raises(VerifyException, match='target "tpu" has mac PEs'):
        module_for(tpu, ConfigureOp(ArrayConfigAttr("lima", "prodf"))).verify()


def test_a_stream_must_match_the_coefficients_in_its_slot() -> None:
    u, y = AllocOp(SramType("input", [64, 8])), AllocOp(SramType("output", [64, 8]))
    block = AllocCoefficientsOp("weight", channels=8, modes=4)
    configure = ConfigureOp(
        ArrayConfigAttr("lima", "prodf", 4),
        [PreloadCoefficientsOp(block, 1), StreamOp(u, y, (64, 6), 1, reset=True)],
    )
    with pytest.raises(VerifyException, match="streams 6 channels but slot 1 holds"):
        module_for(small(), u, y, block, configure).verify()


def test_a_preload_inside_the_loop_hides_the_slot_from_the_check() -> None:
    # The stream's first iteration sees the 8-channel block, later ones the 4-channel block:
    # the straight-line check cannot tell, so it stays silent rather than guess.
    u, y = AllocOp(SramType("input", [64, 8])), AllocOp(SramType("output", [64, 8]))
    wide = AllocCoefficientsOp("weight", channels=8, modes=4)
    narrow = AllocCoefficientsOp("weight", channels=4, modes=4, address=200)
    loop = ChunkLoopOp(2, [StreamOp(u, y, (64, 4), 0), PreloadCoefficientsOp(narrow, 0)])
    configure = ConfigureOp(
        ArrayConfigAttr("lima", "prodf", 4), [PreloadCoefficientsOp(wide, 0), loop]
    )
    module_for(small(), u, y, wide, narrow, configure).verify()


# -- the docs' examples --------------------------------------------------------------------------


def test_docs_quote_the_verified_examples() -> None:
    """Every mlir block of docs/systolic.md is a module of examples.mlir, which lit verifies."""
    blocks = re.findall(r"```mlir\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    examples = EXAMPLES.read_text(encoding="utf-8")
    modules = [block for block in blocks if block.lstrip().startswith("#small")]
    assert len(modules) >= 2  # at least the S4D layer and the GEMM
    for block in modules:
        assert block in examples, block.splitlines()[2]
        parse_module(make_context(), SourceText("docs/systolic.md", block)).verify()


def test_op_classes_follow_the_naming_conventions() -> None:
    operations = list(SYSTOLIC.operations)
    assert len(operations) == 21
    for op in operations:
        assert op.__name__.endswith("Op")
        assert op.name.startswith("systolic.")
        assert op.__doc__ and op.__doc__.strip()
