"""The bundled pass pipeline of `epoch compile`, as a pass-spec string a user can print and edit."""

from __future__ import annotations

from epoch_mlir.errors import EpochError
from epoch_mlir.machine import Machine
from epoch_mlir.machine.vocabulary import DATAFLOWS, LIMA, PRODF

MAC_DATAFLOW = "ws"  # SPEC: the default on a MAC-only machine
PRODF_GEMM_DATAFLOW = "ws"  # GEMMs under prodf run weight-stationary (docs/compiler.md)


def default_dataflow(machine: Machine) -> str:
    """SPEC: prodf on a LIMA-PE machine, ws on a MAC-only one."""
    return PRODF if machine.pe == LIMA else MAC_DATAFLOW


def check_dataflow(machine: Machine, dataflow: str) -> None:
    if dataflow not in DATAFLOWS:
        raise EpochError(f"unknown dataflow '{dataflow}' (one of {', '.join(DATAFLOWS)})")
    if dataflow == PRODF and machine.pe != LIMA:
        raise EpochError(
            f"--dataflow prodf needs LIMA PEs; machine '{machine.name}' has MAC-only PEs "
            "(use ws, os or is)"
        )


def default_pipeline(hw: str, dataflow: str) -> str:
    """ssm/nn -> systolic -> epoch for machine spec `hw` (a preset or TOML path), one pass per
    line, as `epoch compile --print-pipeline` shows it and `-p` takes it back."""
    gemm = PRODF_GEMM_DATAFLOW if dataflow == PRODF else dataflow
    quoted = hw.replace("\\", "\\\\").replace('"', '\\"')
    return ",\n".join(
        [
            f'epoch-set-machine{{hw="{quoted}"}}',
            "ssm-discretize",
            "nn-split-batch",
            "nn-fuse-elementwise",
            "convert-func-to-systolic",
            # scans first: a scan's lowering computes the nn.add it was marked for
            f"convert-ssm-to-systolic{{dataflow={dataflow}}}",
            f"convert-nn-to-systolic{{dataflow={gemm}}}",
            "reconcile-unrealized-casts",
            "systolic-fold-views",
            "systolic-allocate-sram",
            "convert-systolic-to-epoch",
        ]
    )
