"""`epoch report`: a run's stats JSON (and Chrome trace) turned into a markdown summary and plots.

Everything is read and checked, and every file's content built in memory, before anything is
written; each file is then written atomically, so a bad input leaves an existing report as it
was. Plots need matplotlib (the `plot` extra); without it the markdown is written alone.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from epoch_mlir.errors import InputError, OutputError
from epoch_mlir.io import atomic_write_bytes, atomic_write_text
from epoch_mlir.stats import Stats, is_number

PLOT_HINT = "plots need matplotlib: pip install 'epoch-mlir[plot]'"
TIMELINE_BINS = 1500  # a track with more slices than this is drawn as its busy fraction per bin
UNIT_ORDER = ("dma", "array", "vector", "preload")


@dataclass
class Track:
    """One unit's slices: start and duration (cycles) and the mnemonic of each."""

    name: str
    starts: np.ndarray
    durations: np.ndarray
    names: list[str]


@dataclass
class Run:
    """One stats file, with its trace if one was given."""

    path: Path
    stats: Stats
    label: str = ""
    trace_path: Path | None = None
    tracks: list[Track] = field(default_factory=list)

    @property
    def cycles(self) -> int:
        return int(self.stats.cycles)

    @property
    def latency_us(self) -> float | None:
        if self.stats.latency_us is not None:
            return self.stats.latency_us
        clock = self.stats.hw.get("clock_ghz")
        return self.cycles / (clock * 1e3) if is_number(clock) and clock > 0 else None


@dataclass
class Report:
    """The files of a report, by name, and what was left out."""

    files: dict[str, str | bytes]
    plots_skipped: bool


# --- reading ----------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("cannot read: no such file", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("cannot read: is a directory", where=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", where=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not JSON: not UTF-8 text", where=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{path}:{error.lineno}:{error.colno}"
        raise InputError(f"not JSON: {error.msg}", where=where) from None


def is_trace(document: object) -> bool:
    """Whether a JSON document is a Chrome trace (an object with traceEvents, or an event list)."""
    return (isinstance(document, dict) and "traceEvents" in document) or isinstance(document, list)


def check_trace(document: object, path: Path) -> list[Track]:
    """The tracks of a Chrome trace (complete 'X' events, tracks named by thread_name)."""

    def fail(message: str) -> InputError:
        return InputError(f"not a Chrome trace: {message}", where=str(path))

    events = document["traceEvents"] if isinstance(document, dict) else document
    if not isinstance(events, list):
        raise fail("'traceEvents' must be a list")
    thread_names: dict[tuple[object, object], str] = {}
    slices: dict[tuple[object, object], tuple[list[float], list[float], list[str]]] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict) or "ph" not in event:
            raise fail(f"event {index} is not an object with a 'ph' field")
        key = (event.get("pid"), event.get("tid"))
        if event["ph"] == "M" and event.get("name") == "thread_name":
            name = (event.get("args") or {}).get("name")
            thread_names[key] = str(name)
        elif event["ph"] == "X":
            start, duration = event.get("ts"), event.get("dur", 0)
            if not is_number(start) or not is_number(duration) or duration < 0:
                raise fail(f"event {index} needs numeric 'ts' and non-negative 'dur'")
            starts, durations, names = slices.setdefault(key, ([], [], []))
            starts.append(float(start))
            durations.append(float(duration))
            names.append(str(event.get("name", "")))
    tracks = []
    for key, (starts, durations, names) in slices.items():
        name = thread_names.get(key) or f"tid {key[1]}"
        tracks.append(Track(name, np.asarray(starts), np.asarray(durations), names))

    def order(track: Track) -> tuple[int, str]:
        rank = UNIT_ORDER.index(track.name) if track.name in UNIT_ORDER else len(UNIT_ORDER)
        return rank, track.name

    return sorted(tracks, key=order)


def load_runs(paths: Sequence[Path]) -> list[Run]:
    """Stats files, each optionally followed by the trace of the same run."""
    runs: list[Run] = []
    for path in paths:
        document = _read_json(path)
        if is_trace(document):
            if not runs:
                raise InputError(
                    "a trace must follow the stats file of its run (give STATS.json first)",
                    where=str(path),
                )
            if runs[-1].trace_path is not None:
                raise InputError(
                    f"a second trace for {runs[-1].path.name} (one trace per stats file)",
                    where=str(path),
                )
            runs[-1].trace_path = path
            runs[-1].tracks = check_trace(document, path)
        else:
            runs.append(Run(path, Stats.from_json(document, str(path))))
    _label(runs)
    return runs


def _label(runs: list[Run]) -> None:
    """Short unique names: the file stem, the machine's name when stems repeat."""
    stems = [run.path.stem for run in runs]
    for index, run in enumerate(runs):
        label = run.path.stem
        if stems.count(label) > 1:
            label = f"{label} ({run.stats.hw['name']})"
        if [r.label for r in runs[:index]].count(label):
            label = f"{label} #{index + 1}"
        run.label = label


# --- markdown ---------------------------------------------------------------------------------


def _integer(value: float) -> str:
    return f"{int(value):,}"


def _bytes(value: float) -> str:
    if value >= 2**20:
        return f"{value / 2**20:,.2f} MiB"
    if value >= 2**10:
        return f"{value / 2**10:,.2f} KiB"
    return f"{int(value)} B"


def _energy(picojoules: float) -> str:
    for unit, scale in (("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3)):
        if abs(picojoules) >= scale:
            return f"{picojoules / scale:,.4g} {unit}"
    return f"{picojoules:,.4g} pJ"


def _machine(stats: Stats) -> str:
    hw = stats.hw
    text = f"`{hw['name']}` ({hw['rows']}x{hw['cols']} {hw['pe']} PEs"
    if is_number(hw.get("clock_ghz")):
        text += f", {hw['clock_ghz']:g} GHz"
    return text + ")"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: int = 1) -> list[str]:
    """A markdown table; columns from `right` on are right-aligned."""
    align = ["---" if i < right else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _where_time_goes(stats: Stats, cycles: int) -> list[str]:
    """Each unit's busy cycles by instruction, largest first: where an architect looks first."""
    if not stats.unit_busy_cycles_by_mnemonic:
        return []
    rows = [
        [unit, f"`{name}`", _integer(busy), f"{busy / cycles:.1%}"]
        for unit, by_name in stats.unit_busy_cycles_by_mnemonic.items()
        for name, busy in sorted(by_name.items(), key=lambda item: (-item[1], item[0]))
    ]
    header = ["unit", "instruction", "busy cycles", "of all cycles"]
    return ["", "### Busy cycles by instruction", "", *_table(header, rows)]


def _summary_rows(run: Run) -> list[tuple[str, str]]:
    stats = run.stats
    rows = [("machine", _machine(stats)), ("cycles", _integer(stats.cycles))]
    if run.latency_us is not None:
        rows.append(("latency", f"{run.latency_us:,.3f} us"))
    rows += [
        ("instructions", _integer(stats.instructions)),
        ("MACs", _integer(stats.macs)),
        ("PE utilization (MACs per PE-cycle)", f"{stats.pe_utilization:.4f}"),
    ]
    if stats.pe_occupancy is not None:
        rows.append(("PE occupancy (busy PE-cycles)", f"{stats.pe_occupancy:.2%}"))
    rows += [
        (
            "DRAM read / written",
            f"{_bytes(stats.dram_read_bytes)} / {_bytes(stats.dram_write_bytes)}",
        ),
        (
            "SRAM read / written",
            f"{_bytes(stats.sram_read_bytes)} / {_bytes(stats.sram_write_bytes)}",
        ),
        ("energy", _energy(stats.energy_pj)),
    ]
    if stats.macs:
        rows.append(("energy per MAC", f"{stats.energy_pj / stats.macs:.3g} pJ"))
    if stats.ideal_memory is not None:
        rows.append(("ideal memory", "yes" if stats.ideal_memory else "no"))
    return rows


def _single_markdown(run: Run, plots: Sequence[str]) -> list[str]:
    stats = run.stats
    lines = [f"# Run report: {run.label}", ""]
    lines += [
        f"From `{run.path.name}`"
        + (f" and the trace `{run.trace_path.name}`." if run.trace_path else "."),
        "",
    ]
    lines += _table(["", "value"], [list(row) for row in _summary_rows(run)])
    lines += ["", "## Energy", ""]
    breakdown = stats.energy_breakdown_pj
    total = max(float(stats.energy_pj), 1e-30)
    if breakdown:
        rows = [
            [part, f"{value:,.0f}", f"{value / total:.1%}"]
            for part, value in sorted(breakdown.items(), key=lambda item: -item[1])
        ]
        rows.append(["**total**", f"**{stats.energy_pj:,.0f}**", "100%"])
        lines += _table(["component", "pJ", "share"], rows)
    else:
        lines.append(f"Total {_energy(stats.energy_pj)} (the stats file has no breakdown).")
    if "energy.png" in plots:
        lines += ["", "![energy breakdown](energy.png)"]
    lines += ["", "## Units", ""]
    cycles = max(run.cycles, 1)
    rows = [
        [unit, _integer(busy), f"{busy / cycles:.1%}"]
        for unit, busy in stats.unit_busy_cycles.items()
    ]
    lines += _table(["unit", "busy cycles", "busy / cycles"], rows)
    if "busy.png" in plots:
        lines += ["", "![busy cycles per unit](busy.png)"]
    lines += _where_time_goes(stats, cycles)
    by_mnemonic = stats.instructions_by_mnemonic
    if by_mnemonic:
        lines += ["", "## Instructions by mnemonic", ""]
        executed = max(sum(by_mnemonic.values()), 1)
        rows = [
            [f"`{name}`", _integer(count), f"{count / executed:.1%}"]
            for name, count in sorted(by_mnemonic.items(), key=lambda item: (-item[1], item[0]))
        ]
        lines += _table(["mnemonic", "executed", "share"], rows)
    if run.tracks:
        lines += _trace_section(run, "timeline.png" if "timeline.png" in plots else None)
    return lines


def _trace_section(run: Run, image: str | None) -> list[str]:
    lines = ["", "## Trace", ""]
    rows = []
    for track in run.tracks:
        end = float(np.max(track.starts + track.durations, initial=0.0))
        rows.append(
            [
                track.name,
                _integer(len(track.starts)),
                _integer(float(np.sum(track.durations))),
                _integer(end),
            ]
        )
    lines += _table(["track", "slices", "busy cycles", "last slice ends"], rows)
    if image:
        lines += ["", f"![timeline per unit]({image})"]
    return lines


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "n/a"
    return f"{numerator / denominator:,.3g}x"


def _compare_markdown(runs: Sequence[Run], plots: Sequence[str]) -> list[str]:
    base = runs[0]
    labels = [run.label for run in runs]
    lines = ["# Run comparison", ""]
    lines += [
        f"Baseline: `{base.label}` (the first stats file). Speedup = the baseline's latency / "
        "the run's (cycles when a clock is unknown); energy ratio = the baseline's energy / "
        "the run's (above 1: the run uses less energy).",
        "",
    ]
    metrics: list[tuple[str, Any]] = [
        ("machine", lambda r: _machine(r.stats)),
        ("cycles", lambda r: _integer(r.cycles)),
        ("latency", lambda r: f"{r.latency_us:,.3f} us" if r.latency_us is not None else "n/a"),
        ("speedup vs baseline", lambda r: _speedup(base, r)),
        ("energy", lambda r: _energy(r.stats.energy_pj)),
        (
            "energy ratio vs baseline",
            lambda r: _ratio(base.stats.energy_pj, r.stats.energy_pj),
        ),
        ("instructions", lambda r: _integer(r.stats.instructions)),
        ("MACs", lambda r: _integer(r.stats.macs)),
        ("PE utilization", lambda r: f"{r.stats.pe_utilization:.4f}"),
        (
            "PE occupancy",
            lambda r: f"{r.stats.pe_occupancy:.2%}" if r.stats.pe_occupancy is not None else "n/a",
        ),
        ("DRAM read", lambda r: _bytes(r.stats.dram_read_bytes)),
        ("DRAM written", lambda r: _bytes(r.stats.dram_write_bytes)),
        ("SRAM read", lambda r: _bytes(r.stats.sram_read_bytes)),
        ("SRAM written", lambda r: _bytes(r.stats.sram_write_bytes)),
    ]
    rows = [[name, *(str(value(run)) for run in runs)] for name, value in metrics]
    units = _union(run.stats.unit_busy_cycles for run in runs)
    for unit in units:
        rows.append(
            [
                f"{unit} busy",
                *(
                    f"{_integer(run.stats.unit_busy_cycles.get(unit, 0))} "
                    f"({run.stats.unit_busy_cycles.get(unit, 0) / max(run.cycles, 1):.0%})"
                    for run in runs
                ),
            ]
        )
    lines += _table(["", *(f"`{label}`" for label in labels)], rows)
    parts = _union((run.stats.energy_breakdown_pj) for run in runs)
    if parts:
        lines += ["", "## Energy breakdown (pJ)", ""]
        rows = [
            [
                part,
                *(f"{run.stats.energy_breakdown_pj.get(part, 0):,.0f}" for run in runs),
            ]
            for part in parts
        ]
        lines += _table(["component", *(f"`{label}`" for label in labels)], rows)
    for image, alt in (
        ("comparison.png", "latency and energy relative to the baseline"),
        ("energy.png", "energy breakdown per run"),
        ("busy.png", "busy cycles per unit and run"),
    ):
        if image in plots:
            lines += ["", f"![{alt}]({image})"]
    mnemonics = _union((run.stats.instructions_by_mnemonic) for run in runs)
    if mnemonics:
        lines += ["", "## Instructions by mnemonic", ""]
        rows = [
            [
                f"`{name}`",
                *(_integer((run.stats.instructions_by_mnemonic).get(name, 0)) for run in runs),
            ]
            for name in sorted(mnemonics)
        ]
        lines += _table(["mnemonic", *(f"`{label}`" for label in labels)], rows)
    for index, run in enumerate(runs):
        if run.tracks:
            image = _timeline_name(runs, index)
            section = _trace_section(run, image if image in plots else None)
            section[1] = f"## Trace of `{run.label}`"
            lines += section
    return lines


def _speedup(base: Run, run: Run) -> str:
    if base.latency_us is not None and run.latency_us is not None:
        return _ratio(base.latency_us, run.latency_us)
    return _ratio(base.cycles, run.cycles)


def _union(mappings: Any) -> list[str]:
    keys: list[str] = []
    for mapping in mappings:
        keys += [key for key in mapping if key not in keys]
    return keys


def _timeline_name(runs: Sequence[Run], index: int) -> str:
    if len(runs) == 1:
        return "timeline.png"
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", runs[index].label).strip("_") or "run"
    return f"timeline-{index + 1}-{slug}.png"


# --- plots ------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def energy_plot(runs: Sequence[Run]) -> bytes:
    """One run: a bar per energy component with its share; several: stacked bars per run."""
    breakdowns = [run.stats.energy_breakdown_pj or {"total": run.stats.energy_pj} for run in runs]
    if len(runs) == 1:
        parts = sorted(breakdowns[0].items(), key=lambda item: item[1])
        figure = _figure(6.0, 1.2 + 0.4 * len(parts))
        axes = figure.add_subplot()
        total = max(float(runs[0].stats.energy_pj), 1e-30)
        values = [value / 1e6 for _, value in parts]
        bars = axes.barh([name for name, _ in parts], values, color="C3")
        labels = [f"{_energy(value)} ({value / total:.1%})" for _, value in parts]
        axes.bar_label(bars, labels, fontsize="small", padding=3)
        axes.set_xlim(0, max(values, default=1.0) * 1.45 or 1.0)
        axes.set_xlabel("energy (uJ)")
        axes.set_title(f"energy breakdown: {_energy(total)} in total")
        return _png(figure)
    figure = _figure(2.6 + 1.3 * len(runs), 3.6)
    axes = figure.add_subplot()
    bottom = np.zeros(len(runs))
    for part in _union(breakdowns):
        values = np.array([breakdown.get(part, 0.0) for breakdown in breakdowns]) / 1e6
        axes.bar([run.label for run in runs], values, bottom=bottom, label=part)
        bottom += values
    axes.set_ylabel("energy (uJ)")
    axes.set_title("energy breakdown")
    axes.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    if len(runs) > 2:
        axes.tick_params(axis="x", labelrotation=20)
    return _png(figure)


def busy_plot(runs: Sequence[Run]) -> bytes:
    """Grouped bars: busy cycles per unit (and, for one run, the share of the run's cycles)."""
    units = _union(run.stats.unit_busy_cycles for run in runs)
    figure = _figure(max(4.0, 1.2 + 0.5 * len(units) * len(runs)), 3.6)
    axes = figure.add_subplot()
    width = 0.8 / len(runs)
    positions = np.arange(len(units))
    for index, run in enumerate(runs):
        values = [run.stats.unit_busy_cycles.get(unit, 0) for unit in units]
        bars = axes.bar(
            positions + (index - (len(runs) - 1) / 2) * width, values, width, label=run.label
        )
        if len(runs) == 1:
            shares = [f"{value / max(run.cycles, 1):.0%}" for value in values]
            axes.bar_label(bars, shares, fontsize="small")
    if len(runs) == 1:
        axes.axhline(runs[0].cycles, color="grey", linestyle="--", linewidth=1)
        axes.annotate(
            "run cycles",
            (positions[-1] + 0.4, runs[0].cycles),
            fontsize="small",
            color="grey",
            ha="right",
            va="bottom",
        )
    else:
        axes.set_yscale("log")
        axes.legend(fontsize="small")
    axes.set_xticks(positions, units)
    axes.set_ylabel("busy cycles")
    axes.set_title("busy cycles per unit")
    return _png(figure)


def comparison_plot(runs: Sequence[Run]) -> bytes:
    """Latency and energy of each run relative to the baseline (log scale)."""
    figure = _figure(2.0 + 1.4 * len(runs), 3.6)
    axes = figure.add_subplot()
    base = runs[0]

    def latency(run: Run) -> float:
        latency_us = run.latency_us
        both = base.latency_us is not None and latency_us is not None
        return float(latency_us if both and latency_us is not None else run.cycles)

    base_latency = max(latency(base), 1e-30)
    base_energy = max(float(base.stats.energy_pj), 1e-30)
    positions = np.arange(len(runs))
    for offset, name, values in (
        (-0.2, "latency", [latency(run) / base_latency for run in runs]),
        (0.2, "energy", [float(run.stats.energy_pj) / base_energy for run in runs]),
    ):
        bars = axes.bar(positions + offset, values, 0.4, label=name)
        axes.bar_label(bars, [f"{value:.3g}" for value in values], fontsize="small")
    axes.set_yscale("log")
    axes.set_xticks(positions, [run.label for run in runs])
    axes.set_ylabel(f"relative to {base.label}")
    axes.set_title("latency and energy (lower is better)")
    axes.legend(fontsize="small")
    return _png(figure)


def busy_fraction(track: Track, edges: np.ndarray) -> np.ndarray:
    """The fraction of each bin [edges[i], edges[i+1]) the track is busy, without a Python loop.

    busy(t) = sum_i (min(t, end_i) - start_i) over slices starting before t
            = sum_{end_i < t} end_i + t * (#start_i < t - #end_i < t) - sum_{start_i < t} start_i
    """
    starts = np.sort(track.starts)
    ends = np.sort(track.starts + track.durations)
    start_sums = np.concatenate([[0.0], np.cumsum(starts)])
    end_sums = np.concatenate([[0.0], np.cumsum(ends)])
    started = np.searchsorted(starts, edges, side="left")
    ended = np.searchsorted(ends, edges, side="left")
    busy = end_sums[ended] + edges * (started - ended) - start_sums[started]
    return np.clip(np.diff(busy) / np.maximum(np.diff(edges), 1e-30), 0.0, 1.0)


def timeline_plot(run: Run) -> bytes:
    """A Gantt chart, one lane per unit; long tracks are drawn as busy fraction per time bin."""
    tracks = run.tracks
    figure = _figure(10.0, 0.9 + 0.55 * len(tracks))
    axes = figure.add_subplot()
    end = max((float(np.max(t.starts + t.durations, initial=0.0)) for t in tracks), default=0.0)
    end = max(end, float(run.cycles), 1.0)
    colors = {}
    from matplotlib import colormaps

    palette = list(cast(Any, colormaps["tab20"]).colors)  # a ListedColormap; stubs: Colormap
    binned = False
    for lane, track in enumerate(tracks):
        y = len(tracks) - 1 - lane
        if len(track.starts) <= TIMELINE_BINS:
            for mnemonic in dict.fromkeys(track.names):
                colors.setdefault(mnemonic, palette[len(colors) % len(palette)])
            axes.broken_barh(
                list(zip(track.starts, np.maximum(track.durations, end / 2000), strict=True)),
                (y - 0.4, 0.8),
                facecolors=[colors[name] for name in track.names],
                linewidth=0,
            )
        else:
            binned = True
            edges = np.linspace(0.0, end, TIMELINE_BINS + 1)
            fraction = busy_fraction(track, edges)
            height = 0.8 * np.append(fraction, fraction[-1])
            axes.fill_between(
                edges, y - 0.4, y - 0.4 + height, step="post", color="0.35", linewidth=0
            )
            axes.plot([0, end], [y - 0.4, y - 0.4], color="grey", linewidth=0.3)
    axes.set_yticks(range(len(tracks)), [t.name for t in reversed(tracks)])
    axes.set_xlim(0, end)
    axes.set_ylim(-0.6, len(tracks) - 0.4)
    axes.set_xlabel("cycle")
    title = f"timeline: {run.label}"
    if binned:
        title += f" (long tracks: busy fraction in {TIMELINE_BINS} bins)"
    axes.set_title(title, fontsize="medium")
    if colors and len(colors) <= 20:
        from matplotlib.patches import Patch

        handles = [Patch(color=c, label=n) for n, c in colors.items()]
        if binned:
            handles.append(Patch(color="0.35", label="busy fraction"))
        axes.legend(
            handles=handles,
            fontsize="x-small",
            ncols=1 + len(handles) // 12,
            loc="center left",
            bbox_to_anchor=(1.005, 0.5),
            frameon=False,
        )
    return _png(figure)


# --- the report -------------------------------------------------------------------------------


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        return False
    return True


def build_report(runs: Sequence[Run], plots: bool = True) -> Report:
    """The report's files (name -> text or PNG bytes), built in memory."""
    files: dict[str, str | bytes] = {}
    can_plot = plots and _have_matplotlib()
    if can_plot:
        if len(runs) > 1:
            files["comparison.png"] = comparison_plot(runs)
        files["energy.png"] = energy_plot(runs)
        files["busy.png"] = busy_plot(runs)
        for index, run in enumerate(runs):
            if run.tracks:
                files[_timeline_name(runs, index)] = timeline_plot(run)
    names = list(files)
    lines = _single_markdown(runs[0], names) if len(runs) == 1 else _compare_markdown(runs, names)
    if plots and not can_plot:
        lines += ["", f"_No plots: {PLOT_HINT}._"]
    files = {"report.md": "\n".join(lines) + "\n", **files}
    return Report(files, plots_skipped=plots and not can_plot)


def write_report(report: Report, directory: Path) -> list[Path]:
    """Create `directory` if needed and write every file atomically."""
    if directory.exists() and not directory.is_dir():
        raise OutputError("cannot write the report: not a directory", where=str(directory))
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot create: {error.strerror or error}", where=str(directory)
        ) from None
    written = []
    for name, content in report.files.items():
        path = directory / name
        if isinstance(content, str):
            atomic_write_text(path, content)
        else:
            atomic_write_bytes(path, content)
        written.append(path)
    return written
