"""The machine description: presets, inheritance, and every kind of bad machine file."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from epoch_mlir.errors import MachineError, MachineMismatchError
from epoch_mlir.machine import load_machine, machine_from_description, preset_names


def write(tmp_path: Path, text: str, name: str = "hw.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_presets_load() -> None:
    assert {"epochcore", "tpu", "tiny", "small"} <= set(preset_names())
    epochcore = load_machine("epochcore")
    assert (epochcore.rows, epochcore.cols, epochcore.pe) == (128, 128, "lima")
    assert epochcore.clock_ghz == 1.0
    assert epochcore.vector_lanes == 128  # defaults to one lane per column
    assert epochcore.energy.fp_mul_pj == 3.7 and "Horowitz" in epochcore.energy.source


def test_default_is_epochcore() -> None:
    assert load_machine(None).name == "epochcore"


def test_tpu_is_epochcore_with_mac_pes() -> None:
    tpu, epochcore = load_machine("tpu"), load_machine("epochcore")
    assert tpu.pe == "mac"
    assert (tpu.rows, tpu.cols, tpu.sram_banks, tpu.energy) == (
        epochcore.rows,
        epochcore.cols,
        epochcore.sram_banks,
        epochcore.energy,
    )


def test_banks_are_contiguous_and_named() -> None:
    machine = load_machine("tiny")
    banks = machine.sram_banks
    assert [bank.name for bank in banks] == ["input", "weight", "output"]
    assert banks[0].base == 0
    assert all(a.end == b.base for a, b in itertools.pairwise(banks))
    assert machine.bank_at(banks[1].base) == banks[1]
    assert machine.bank_at(machine.sram_words) is None


def test_file_overrides_base(tmp_path: Path) -> None:
    path = write(tmp_path, 'base = "tpu"\nname = "wide"\ncols = 256\n[dram]\nlatency_cycles = 7\n')
    machine = load_machine(path)
    assert (machine.name, machine.rows, machine.cols, machine.pe) == ("wide", 128, 256, "mac")
    assert machine.dram_latency_cycles == 7
    assert machine.dram_bandwidth_bytes_per_cycle == 2048.0  # rest of the table inherited
    assert machine.vector_lanes == 256  # lanes follow the columns unless set


def test_file_without_base_inherits_epochcore_only_if_named(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "x"\nrows = 4\n')
    with pytest.raises(MachineError, match="missing key"):
        load_machine(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('base = "tiny"\nrowz = 4\n', "unknown key 'rowz'"),
        ('base = "tiny"\n[dram]\nspeed = 1\n', "unknown key 'dram.speed'"),
        ('base = "tiny"\nrows = "4"\n', "'rows' must be an integer in 1..65535, got string"),
        ('base = "tiny"\nrows = 0\n', "'rows' must be an integer in 1..65535, got 0"),
        ('base = "tiny"\ncols = -3\n', "'cols' must be"),
        ('base = "tiny"\npe = "systolic"\n', "'pe' must be one of 'lima', 'mac'"),
        ('base = "tiny"\nclock_ghz = 0\n', "'clock_ghz' must be a positive number"),
        ('base = "tiny"\n[array]\npreload_overlap = 1\n', "'array.preload_overlap' must be true"),
        ('base = "tiny"\n[dram]\nbandwidth_bytes_per_cycle = -1.0\n', "bandwidth_bytes_per_cycle"),
        ('base = "tiny"\nrows = true\n', "got boolean"),
        ('base = "tiny"\n[[sram.banks]]\nname = "a"\n', "lacks 'kib'"),
        ('base = "tiny"\n[[sram.banks]]\nname = "a"\nkib = 0\n', "'sram.banks[0].kib' must be"),
        ('base = "nosuch"\n', "unknown base preset 'nosuch'"),
        ('base = "tiny"\n[energy]\nfp_add_pj = -1\n', "'energy.fp_add_pj' must be"),
        ('base = "tiny"\nvector = 3\n', "'vector' must be a table"),
        ("rows = [\n", "TOML syntax error"),
    ],
)
def test_bad_files_name_the_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MachineError, match=re.escape(message)) as info:
        load_machine(path)
    assert str(info.value).startswith(str(path))


def test_unknown_preset_lists_presets() -> None:
    with pytest.raises(MachineError, match=r"unknown machine preset 'nope'.*epochcore"):
        load_machine("nope")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MachineError, match="machine file not found"):
        load_machine(tmp_path / "absent.toml")


def test_duplicate_bank_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'base = "tiny"\n[[sram.banks]]\nname = "a"\nkib = 1\n[[sram.banks]]\nname = "a"\nkib = 1\n',
    )
    with pytest.raises(MachineError, match="duplicate SRAM bank name 'a'"):
        load_machine(path)


def test_a_machine_is_described_once_whatever_the_spelling(tmp_path: Path) -> None:
    """The digest that programs record depends on the machine, not on how its file says it."""
    spelled_out = write(
        tmp_path,
        'base = "epochcore"\nclock_ghz = 1\n[vector]\nlanes = 128\n',
        "spelled.toml",
    )
    assert load_machine(spelled_out).digest == load_machine("epochcore").digest
    faster = write(tmp_path, 'base = "epochcore"\nclock_ghz = 2.0\n', "faster.toml")
    assert load_machine(faster).digest != load_machine("epochcore").digest
    assert load_machine("tpu").digest != load_machine("epochcore").digest


def test_a_recorded_description_rebuilds_the_machine(tmp_path: Path) -> None:
    path = write(tmp_path, 'base = "small"\nname = "mine"\nrows = 16\n[dram]\nmib = 256\n')
    machine = load_machine(path)
    record = machine.record
    path.unlink()  # the record needs no file
    rebuilt = record.machine("the record")
    assert rebuilt == machine
    assert (rebuilt.name, rebuilt.rows, rebuilt.source) == ("mine", 16, str(path))
    assert record.label() == f"'mine' (sha256 {machine.digest[:8]})"


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("{", "machine description is not JSON"),
        ("[1]", "machine description is not a table"),
        ('{"base": "epochcore"}', "names no 'base'"),
        ('{"name": "x", "rows": 0}', "'rows' must be an integer in 1..65535"),
        ('{"name": "x"}', "missing key"),
    ],
)
def test_an_invalid_recorded_description_is_a_machine_error(description: str, message: str) -> None:
    with pytest.raises(MachineError, match=re.escape(message)):
        machine_from_description(description, "epochcore", "prog.epb")


def test_a_program_runs_only_on_the_machine_it_records() -> None:
    tpu = load_machine("tpu").record
    tpu.check_runs_on(load_machine("tpu"))
    with pytest.raises(MachineMismatchError, match=r"compiled for machine 'tpu' \(sha256 "):
        tpu.check_runs_on(load_machine("epochcore"), "epochcore")
