"""Chrome trace-event output (opens in Perfetto and chrome://tracing): one track per unit.

Timestamps and durations are in cycles (the format's microsecond field carries cycles, so one
"microsecond" in the viewer is one cycle).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from epoch_mlir.emulator.timing import TIMELINES
from epoch_mlir.io import atomic_write_text

Slice = tuple[int, str, str, int, int]  # (pc, mnemonic, timeline, start, duration)


def trace_events(slices: list[Slice], program_name: str) -> dict[str, Any]:
    track = {name: index + 1 for index, name in enumerate(TIMELINES)}
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": 0, "args": {"name": program_name}},
    ]
    for name, tid in track.items():
        events.append(
            {"name": "thread_name", "ph": "M", "pid": 0, "tid": tid, "args": {"name": name}}
        )
        events.append(
            {
                "name": "thread_sort_index",
                "ph": "M",
                "pid": 0,
                "tid": tid,
                "args": {"sort_index": tid},
            }
        )
    for pc, mnemonic, timeline, start, duration in slices:
        events.append(
            {
                "name": mnemonic,
                "cat": timeline,
                "ph": "X",
                "pid": 0,
                "tid": track[timeline],
                "ts": start,
                "dur": duration,
                "args": {"pc": pc},
            }
        )
    return {
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"time_unit": "cycles", "program": program_name},
    }


def write_trace(path: str | Path, slices: list[Slice], program_name: str) -> None:
    atomic_write_text(path, json.dumps(trace_events(slices, program_name)))
