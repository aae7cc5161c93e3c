#!/usr/bin/env python3
"""Generate SCALE-Sim v3 ground truth for GEMM compute cycles.

Run with the *SCALE-Sim virtualenv's* interpreter (SCALE-Sim is not a
dependency of epoch-mlir; see benchmarks/scalesim/README.md):

    /work/scalesim-venv/bin/python benchmarks/scalesim/run_scalesim.py

For every GEMM case (A is MxK, B is KxN) and every dataflow (ws/os/is) and
array size it writes a SCALE-Sim config / GEMM topology / layout file into a
temporary directory, runs SCALE-Sim through its Python API
(``scalesim.scale_sim.scalesim`` with ``save_disk_space=True`` and
``input_type_gemm=True``), and records the "Total Cycles" column of
COMPUTE_REPORT.csv.  The memory system runs in CALC (estimate-bandwidth)
mode with large SRAMs, so reads never stall and the write buffer never
stalls; the script asserts ``Stall Cycles == 0`` so that the recorded
number is pure compute cycles.

Output: tests/data/scalesim_v3_gemm.json (path configurable with --out).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib import metadata

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "scalesim_v3_gemm.json")

DATAFLOWS = ("ws", "os", "is")
ARRAYS = ((4, 4), (8, 4), (4, 8), (8, 8), (32, 32))  # (rows, cols)
# (M, N, K): exact multiples, partial folds, dims smaller than the array,
# and degenerate T == 1 / Sc == 1 / Sr == 1 cases for each dataflow.
SHAPES = (
    (1, 1, 1),
    (4, 4, 4),
    (8, 8, 8),
    (32, 32, 32),
    (3, 5, 17),
    (17, 33, 5),
    (100, 1, 64),  # N == 1
    (1, 64, 100),  # M == 1
    (33, 100, 1),  # K == 1
    (64, 100, 33),
)

SRAM_KB = 4096  # per operand SRAM; large => no write-buffer stalls
REPORT_FIELD = (
    "COMPUTE_REPORT.csv column 'Total Cycles' (== 'Compute cycles' printed in verbose mode; "
    "single_layer_sim.get_compute_report_items()[1]; memory_system.get_total_compute_cycles())"
)

CONFIG_TEMPLATE = """[general]
run_name = {run_name}

[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False

[architecture_presets]
ArrayHeight = {rows}
ArrayWidth = {cols}
IfmapSramSzkB = {sram}
FilterSramSzkB = {sram}
OfmapSramSzkB = {sram}
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Dataflow = {df}
Bandwidth = 10
ReadRequestBuffer = 32
WriteRequestBuffer = 32

[layout]
IfmapCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterCustomLayout = False
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = false
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 8
RandomNumberGeneratorSeed = 40
"""


def paper_mapping(M: int, N: int, K: int, df: str) -> tuple[int, int, int]:
    """(Sr, Sc, T) of the SCALE-Sim paper for GEMM A[MxK] @ B[KxN]."""
    if df == "os":
        return M, N, K
    if df == "ws":
        return K, N, M
    if df == "is":
        return K, M, N
    raise ValueError(df)


def formula(M: int, N: int, K: int, rows: int, cols: int, df: str) -> dict:
    Sr, Sc, T = paper_mapping(M, N, K, df)
    folds = math.ceil(Sr / rows) * math.ceil(Sc / cols)
    per_fold = rows + cols + T - 2 if df == "os" else 2 * rows + cols + T - 2
    return {
        "Sr": Sr,
        "Sc": Sc,
        "T": T,
        "folds": folds,
        "per_fold": per_fold,
        "cycles": folds * per_fold - 1,
    }


def _write_inputs(d: str, M: int, N: int, K: int, rows: int, cols: int, df: str):
    cfg = os.path.join(d, "scale.cfg")
    topo = os.path.join(d, "gemm.csv")
    layout = os.path.join(d, "layout.csv")
    with open(cfg, "w") as f:
        f.write(CONFIG_TEMPLATE.format(run_name="gemm", rows=rows, cols=cols, df=df, sram=SRAM_KB))
    with open(topo, "w") as f:
        # GEMM topology: header, then "name, M, N, K," -- the trailing comma
        # matters: SCALE-Sim drops the last comma-separated field.
        f.write("Layer, M, N, K,\n")
        f.write(f"gemm0, {M}, {N}, {K},\n")
    with open(layout, "w") as f:
        # Header only: custom layouts are disabled in the config, but
        # SCALE-Sim still opens the file.
        f.write("Layer name, IFMAP Height Intraline Factor,\n")
    return cfg, topo, layout


def run_case(M: int, N: int, K: int, rows: int, cols: int, df: str) -> dict:
    """Run one SCALE-Sim GEMM simulation; return cycles and SCALE-Sim internals."""
    from scalesim.scale_sim import scalesim  # imported lazily (worker processes)

    with tempfile.TemporaryDirectory(prefix="scalesim_") as d:
        cfg, topo, layout = _write_inputs(d, M, N, K, rows, cols, df)
        t0 = time.perf_counter()
        sim = scalesim(
            save_disk_space=True,
            verbose=False,
            config=cfg,
            topology=topo,
            layout=layout,
            input_type_gemm=True,
        )
        sim.run_scale(top_path=os.path.join(d, "out"))
        wall = time.perf_counter() - t0

        with open(os.path.join(d, "out", "gemm", "COMPUTE_REPORT.csv")) as f:
            rows_csv = [[c.strip() for c in r] for r in csv.reader(f)]
        header, data = rows_csv[0], rows_csv[1]
        total_cycles = int(data[header.index("Total Cycles")])
        stall_cycles = int(data[header.index("Stall Cycles")])

        layer = sim.runner.single_layer_sim_object_list[0]
        cs = layer.compute_system
        row_fold = getattr(cs, "row_fold_demand_matrices", cs.row_fold)  # WS uses this one
        folds = int(row_fold * cs.col_fold)
        demand_lines = int(cs.ofmap_demand_matrix.shape[0])
        assert cs.ifmap_demand_matrix.shape[0] == demand_lines
        assert cs.filter_demand_matrix.shape[0] == demand_lines
        assert demand_lines % folds == 0
        assert layer.get_compute_report_items()[1] == total_cycles
        return {
            "scalesim_cycles": total_cycles,
            "stall_cycles": stall_cycles,
            "folds": folds,
            "per_fold": demand_lines // folds,
            "Sr": int(cs.Sr),
            "Sc": int(cs.Sc),
            "T": int(cs.T),
            "wall_s": wall,
        }


def _case_record(args) -> dict:
    M, N, K, rows, cols, df = args
    r = run_case(M, N, K, rows, cols, df)
    f = formula(M, N, K, rows, cols, df)
    return {
        "M": M,
        "N": N,
        "K": K,
        "rows": rows,
        "cols": cols,
        "dataflow": df,
        "scalesim_cycles": r["scalesim_cycles"],
        "folds": r["folds"],
        "per_fold": r["per_fold"],
        "Sr": r["Sr"],
        "Sc": r["Sc"],
        "T": r["T"],
        "stall_cycles": r["stall_cycles"],
        "formula_cycles": f["cycles"],
        "matches_formula": (
            r["scalesim_cycles"] == f["cycles"]
            and r["folds"] == f["folds"]
            and r["per_fold"] == f["per_fold"]
            and (r["Sr"], r["Sc"], r["T"]) == (f["Sr"], f["Sc"], f["T"])
        ),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument(
        "--timing-runs",
        type=int,
        default=3,
        help="runs per dataflow for the 512^3 / 32x32 wall time (0 = skip)",
    )
    ap.add_argument("--timing-dataflows", default="ws,os,is")
    args = ap.parse_args(argv)

    version = metadata.version("scalesim")
    cases = [(M, N, K, r, c, df) for df in DATAFLOWS for (r, c) in ARRAYS for (M, N, K) in SHAPES]
    t0 = time.perf_counter()
    with mp.Pool(args.jobs) as pool:
        records = pool.map(_case_record, cases, chunksize=1)
    sweep_s = time.perf_counter() - t0
    bad = [r for r in records if not r["matches_formula"] or r["stall_cycles"] != 0]
    print(
        f"{len(records)} cases in {sweep_s:.1f} s; "
        f"{len(bad)} deviate from folds*per_fold-1 or stalled",
        file=sys.stderr,
    )
    for r in bad:
        print("  DEVIATION:", r, file=sys.stderr)

    # Wall time: sequential, nothing else running.
    timing = {}
    if args.timing_runs > 0:
        for df in args.timing_dataflows.split(","):
            df = df.strip()
            runs, cyc = [], None
            for _ in range(args.timing_runs):
                r = run_case(512, 512, 512, 32, 32, df)
                runs.append(r["wall_s"])
                cyc = r["scalesim_cycles"]
                assert r["stall_cycles"] == 0
            timing[df] = {
                "median_s": round(statistics.median(runs), 3),
                "runs_s": [round(x, 3) for x in runs],
                "scalesim_cycles": cyc,
                "formula_cycles": formula(512, 512, 512, 32, 32, df)["cycles"],
            }
            print(
                f"512^3 {df} 32x32: median {statistics.median(runs):.2f} s, cycles {cyc}",
                file=sys.stderr,
            )

    out = {
        "scalesim_version": version,
        "report_field": REPORT_FIELD,
        "note": (
            "Generated by benchmarks/scalesim/run_scalesim.py with "
            f"SCALE-Sim {version} (PyPI 'scalesim'), "
            "Python API scalesim.scale_sim.scalesim(save_disk_space=True, input_type_gemm=True). "
            "GEMM A[MxK] @ B[KxN]; topology row 'name, M, N, K,'. "
            "scalesim_cycles = 'Total Cycles' of COMPUTE_REPORT.csv (compute cycles, stall cycles "
            "asserted 0; NOT 'Total Cycles (incl. prefetch)', which adds DRAM prefetch time). "
            "Memory: InterfaceBandwidth=CALC (estimate-bandwidth mode, stall-free reads), "
            f"{SRAM_KB} kB ifmap/filter/ofmap SRAM, no custom layout, no sparsity. "
            "folds and per_fold are read from SCALE-Sim's compute object (row_fold*col_fold and "
            "demand-matrix lines per fold)."
        ),
        "convention": (
            "scalesim_cycles == folds * per_fold - 1, where (Sr, Sc, T) = "
            "OS:(M,N,K), WS:(K,N,M), IS:(K,M,N); "
            "folds = ceil(Sr/rows) * ceil(Sc/cols); per_fold = 2*rows + cols + T - 2 (WS, IS) or "
            "rows + cols + T - 2 (OS), always with the FULL array rows/cols (partial folds and "
            "dims smaller than the array are padded, never shortened). The -1 is because SCALE-Sim "
            "reports the 0-based cycle index of the last OFMAP demand line, "
            "i.e. (number of demand lines) - 1."
        ),
        "config": {
            "InterfaceBandwidth": "CALC",
            "sram_kb_each": SRAM_KB,
            "ReadRequestBuffer": 32,
            "WriteRequestBuffer": 32,
            "custom_layout": False,
            "sparsity": False,
        },
        "host": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "all_cases_match_formula": not bad,
        "sweep_wall_s": round(sweep_s, 1),
    }
    if "ws" in timing:
        out["wall_time_512_ws_32x32_s"] = timing["ws"]["median_s"]
    if timing:
        out["wall_time_512_32x32"] = {
            "what": (
                "median wall time (s) of scalesim(...) construction + run_scale() for one GEMM "
                "M=N=K=512 on a 32x32 array, save_disk_space=True, verbose=False; "
                "excludes interpreter start-up and imports; inputs pre-written to a temp dir"
            ),
            **timing,
        }
    out["cases"] = records

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
