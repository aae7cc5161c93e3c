"""Compare two commits' compiler output: program bytes and run statistics, example by example.

A refactor of the compiler must not change what it produces. For every `.mlir` under
examples/, every machine asked for (default: epochcore, tpu, small) and every dataflow the
machine accepts (prodf only on LIMA-PE machines), each commit compiles the program with its
own code (a detached git worktree on PYTHONPATH) and runs it with `epoch run --timing-only
--stats`. The script prints one row per case: whether the bytes are identical and whether the
stats agree (every key but the wall-clock ones), and exits 1 if any case differs. With
`--figures` it compares an optimisation instead: cycles, DRAM traffic and energy before ->
after, exiting 1 if any got worse.

    python benchmarks/compare_programs.py BASE_REF NEW_REF [--hw epochcore tpu small] [-j 2]
    python benchmarks/compare_programs.py BASE_REF NEW_REF --figures   # an optimisation

NEW_REF may be `WORKTREE` for the uncommitted state of this checkout. Results are cached per
commit under --cache (default /tmp/epoch-compare), so the baseline is computed once.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIMA_MACHINES = {"epochcore", "small", "tiny"}
DATAFLOWS = ("prodf", "ws", "os", "is")
VOLATILE_STATS = {"wall_s", "emulator_wall_s"}  # keys that are wall-clock times, if any


@dataclass(frozen=True)
class Case:
    example: Path  # relative to the repository
    hw: str
    dataflow: str

    @property
    def name(self) -> str:
        stem = str(self.example.with_suffix("")).replace("/", "_")
        return f"{stem}.{self.hw}.{self.dataflow}"


def cases(hws: list[str], examples: list[Path]) -> list[Case]:
    return [
        Case(example, hw, dataflow)
        for example in examples
        for hw in hws
        for dataflow in DATAFLOWS
        if dataflow != "prodf" or hw in LIMA_MACHINES
    ]


def checkout(ref: str, cache: Path) -> tuple[str, Path]:
    """(commit id, source tree) of `ref`: a detached worktree, or this checkout for WORKTREE."""
    if ref == "WORKTREE":  # one results directory per checkout: several may compare at once
        return f"WORKTREE-{hashlib.sha256(str(REPO).encode()).hexdigest()[:8]}", REPO
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", ref], capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = cache / "trees" / commit
    if not tree.exists():
        tree.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), commit],
            capture_output=True,
            check=True,
        )
    return commit, tree


def run_case(case: Case, tree: Path, out: Path) -> dict[str, object]:
    """Compile and time-run one case with the code in `tree`; the result row (cached on disk)."""
    row_file = out / f"{case.name}.json"
    if row_file.exists() and tree != REPO:
        return json.loads(row_file.read_text())
    # from the tree itself: `python -m` puts the working directory before PYTHONPATH
    env = {**os.environ, "PYTHONPATH": str(tree)}
    program, stats = out / f"{case.name}.epb", out / f"{case.name}.stats.json"
    command = [sys.executable, "-m", "epoch_mlir.cli.main"]
    source = str(REPO / case.example)
    started = time.perf_counter()
    compiled = subprocess.run(
        [
            *command,
            "compile",
            source,
            "--hw",
            case.hw,
            "--dataflow",
            case.dataflow,
            "-o",
            str(program),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        check=False,
    )
    row: dict[str, object] = {"compile_s": round(time.perf_counter() - started, 2)}
    if compiled.returncode != 0:
        row["error"] = compiled.stderr.strip().splitlines()[-1:]
    else:
        data = program.read_bytes()
        row |= {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        ran = subprocess.run(
            [*command, "run", str(program), "--timing-only", "--stats", str(stats)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tree,
            check=False,
        )
        if ran.returncode != 0:
            row["error"] = ran.stderr.strip().splitlines()[-1:]
        else:
            figures = json.loads(stats.read_text())
            row["stats"] = {k: v for k, v in figures.items() if k not in VOLATILE_STATS}
        program.unlink(missing_ok=True)
    row_file.write_text(json.dumps(row, sort_keys=True))
    return row


def results(ref: str, todo: list[Case], cache: Path, jobs: int) -> dict[Case, dict]:
    commit, tree = checkout(ref, cache)
    out = cache / "results" / commit
    out.mkdir(parents=True, exist_ok=True)
    print(f"{ref}: {commit} ({len(todo)} cases, {tree})", file=sys.stderr)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {case: pool.submit(run_case, case, tree, out) for case in todo}
        return {case: future.result() for case, future in futures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--hw", nargs="+", default=["epochcore", "tpu", "small"])
    parser.add_argument("--examples", nargs="+", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/epoch-compare"))
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument(
        "--figures",
        action="store_true",
        help="an optimisation, not a refactor: compare cycles, DRAM traffic and energy instead, "
        "and exit 1 if any case got worse",
    )
    args = parser.parse_args()
    examples = args.examples or sorted(
        path.relative_to(REPO) for path in (REPO / "examples").rglob("*.mlir")
    )
    todo = cases(args.hw, examples)
    base = results(args.base, todo, args.cache, args.jobs)
    new = results(args.new, todo, args.cache, args.jobs)
    if args.figures:
        return figures(todo, base, new, args.base, args.new)
    differ = 0
    print(f"| case | bytes | program | stats | compile s ({args.base} -> {args.new}) |")
    print("|---|---|---|---|---|")
    for case in todo:
        a, b = base[case], new[case]
        if "error" in a or "error" in b:
            same_program = same_stats = a.get("error") == b.get("error")
            program = (
                "same error" if same_program else f"error: {a.get('error')} / {b.get('error')}"
            )
            stats = ""
        else:
            same_program = a["sha256"] == b["sha256"]
            same_stats = a["stats"] == b["stats"]
            program = "identical" if same_program else "DIFFERENT"
            stats = "same" if same_stats else "DIFFERENT"
        differ += not (same_program and same_stats)
        print(
            f"| {case.name} | {b.get('bytes', '-')} | {program} | {stats} "
            f"| {a['compile_s']} -> {b['compile_s']} |"
        )
    print(f"\n{len(todo) - differ} of {len(todo)} cases identical; {differ} differ")
    return 1 if differ else 0


FIGURES = (  # (label, stats keys summed); lower is better for each
    ("cycles", ("cycles",)),
    ("DRAM MiB", ("dram_read_bytes", "dram_write_bytes")),
    ("energy uJ", ("energy_pj",)),
)
FIGURE_SCALE = {"cycles": 1.0, "DRAM MiB": 2.0**-20, "energy uJ": 1e-6}
FIGURE_DIGITS = {"cycles": 0, "DRAM MiB": 2, "energy uJ": 1}


def figures(todo: list[Case], base: dict, new: dict, base_ref: str, new_ref: str) -> int:
    """Each case's cycles, DRAM traffic and energy before -> after; 1 if any got worse."""
    labels = [label for label, _ in FIGURES]
    print(f"| case ({base_ref} -> {new_ref}) | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    worse = 0
    for case in todo:
        a, b = base[case], new[case]
        if "error" in a or "error" in b:
            same = a.get("error") == b.get("error")
            worse += not same and "error" in b
            print(f"| {case.name} | " + ("same error |" if same else f"{b.get('error')} |"))
            continue
        cells = []
        for label, keys in FIGURES:
            before = sum(a["stats"][key] for key in keys) * FIGURE_SCALE[label]
            after = sum(b["stats"][key] for key in keys) * FIGURE_SCALE[label]
            flag = " (worse)" if after > before * (1 + 1e-9) else ""
            worse += bool(flag)
            digits = FIGURE_DIGITS[label]
            cells.append(f"{before:,.{digits}f} -> {after:,.{digits}f}{flag}")
        print(f"| {case.name} | " + " | ".join(cells) + " |")
    print(f"\n{worse} figures worse over {len(todo)} cases")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
