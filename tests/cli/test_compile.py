"""`epoch compile`: outputs, the printable pipeline, and one-line user errors."""

from __future__ import annotations

from pathlib import Path

from epoch_mlir.isa.program import read_program
from tests.cli.process import assert_user_error, epoch

MODEL = Path(__file__).parents[2] / "examples" / "models" / "s4d_block.mlir"


def test_binary_assembly_and_ir_outputs(tmp_path: Path) -> None:
    program = tmp_path / "block.epb"
    assert epoch("compile", MODEL, "-o", program).returncode == 0
    assert read_program(program).args  # a valid program with its entry's arguments
    asm = epoch("compile", MODEL, "--emit", "asm")
    assert asm.returncode == 0 and "lima" in asm.stdout and ".arg arg0" in asm.stdout
    ir = epoch("compile", MODEL, "--emit", "mlir")
    assert ir.returncode == 0 and "epoch.program" in ir.stdout


def test_the_default_pipeline_can_be_printed_and_edited(tmp_path: Path) -> None:
    printed = epoch("compile", "--print-pipeline", "--hw", "small").stdout.strip()
    assert printed.startswith('epoch-set-machine{hw="small"},\nssm-discretize,')  # as in the docs
    assert 'hw="small"' in printed and "convert-ssm-to-systolic{dataflow=prodf}" in printed
    edited = printed.replace("dataflow=prodf", "dataflow=prodf chunk=16")
    program = tmp_path / "p.epb"
    assert epoch("compile", MODEL, "--hw", "small", "-p", edited, "-o", program).returncode == 0


def test_the_printed_pipeline_follows_hw_and_dataflow_without_a_source() -> None:
    tpu = epoch("compile", "--print-pipeline", "--hw", "tpu")
    assert tpu.returncode == 0, tpu.stderr
    assert "convert-ssm-to-systolic{dataflow=ws}" in tpu.stdout and 'hw="tpu"' in tpu.stdout
    os_ = epoch("compile", "--print-pipeline", "--hw", "tpu", "--dataflow", "os").stdout
    assert "convert-nn-to-systolic{dataflow=os}" in os_
    assert_user_error(epoch("compile", "--print-pipeline", "--hw", "tpu", "--dataflow", "prodf"))
    missing = epoch("compile", "-o", "x.epb")
    assert missing.returncode == 2 and "Missing argument 'SOURCE'" in missing.stderr


def test_the_pipeline_may_be_spread_over_lines_with_spaces(tmp_path: Path) -> None:
    pipeline = """
        ssm-discretize ,
        epoch-set-machine{ hw="small" } ,
        convert-func-to-systolic ,
        convert-nn-to-systolic{dataflow=ws},
        convert-ssm-to-systolic{
            dataflow=prodf
            chunk=16
        },
        reconcile-unrealized-casts,
        systolic-fold-views,
        systolic-allocate-sram,
        convert-systolic-to-epoch
    """
    program = tmp_path / "p.epb"
    process = epoch("compile", MODEL, "--hw", "small", "-p", pipeline, "-o", program)
    assert process.returncode == 0, process.stderr
    malformed = epoch(
        "compile", MODEL, "-p", "ssm-discretize,\n,convert-func-to-systolic", "-o", program
    )
    assert_user_error(malformed, "malformed pass pipeline 'ssm-discretize,,convert")


def test_prodf_on_a_mac_machine_is_a_user_error() -> None:
    process = epoch("compile", MODEL, "--hw", "tpu", "--dataflow", "prodf", "-o", "x.epb")
    assert_user_error(process, "prodf", "MAC")


def test_unknown_pass_names_close_matches() -> None:
    process = epoch("compile", MODEL, "-p", "convert-ssm-to-systolc", "-o", "x.epb")
    assert_user_error(process, "convert-ssm-to-systolc", "did you mean")


def test_an_op_that_cannot_be_mapped_is_an_error_at_the_op(tmp_path: Path) -> None:
    out = tmp_path / "keep.epb"
    out.write_bytes(b"precious")
    flat = tmp_path / "flat.toml"  # the recurrent mode of ssm.scan nests two loop levels
    flat.write_text('base = "tpu"\nname = "flat"\n[control]\nloop_depth = 1\n')
    process = epoch("compile", MODEL, "--hw", flat, "-o", out)
    assert_user_error(process, f"{MODEL}:", "ssm.scan")
    assert out.read_bytes() == b"precious"


def test_a_module_dumped_mid_pipeline_keeps_its_machine(tmp_path: Path) -> None:
    """The machine travels in the IR: finishing a dumped module gives the compiled program."""
    machine = tmp_path / "mine.toml"
    machine.write_text('base = "small"\nname = "mine"\ncols = 8\n')
    compiled = tmp_path / "whole.epb"
    assert epoch("compile", MODEL, "--hw", machine, "-o", compiled).returncode == 0
    passes = epoch("compile", "--print-pipeline", "--hw", machine).stdout.split(",\n")
    head, tail = ",".join(passes[:4]), ",".join(p.strip() for p in passes[4:])
    dumped = tmp_path / "systolic.mlir"
    assert epoch("opt", MODEL, "-p", head, "-o", dumped).returncode == 0
    machine.unlink()  # the rest of the pipeline reads no file
    finished = tmp_path / "finished.epb"
    process = epoch("opt", dumped, "-p", tail, "-t", "epoch-bin", "-o", finished)
    assert process.returncode == 0, process.stderr
    assert finished.read_bytes() == compiled.read_bytes()
