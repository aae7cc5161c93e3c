"""A program that records its machine runs on that machine only, unless the caller forces it."""

from __future__ import annotations

import pytest

from epoch_mlir.emulator.core import Emulator
from epoch_mlir.errors import MachineMismatchError
from epoch_mlir.isa.encoding import encode
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import load_machine


def test_the_emulator_refuses_another_machine_unless_forced() -> None:
    tpu, epochcore = load_machine("tpu"), load_machine("epochcore")
    program = Program((encode("halt", {}),), machine=tpu.record)
    assert Emulator(program, tpu).run().stats.hw["digest"] == tpu.digest
    with pytest.raises(MachineMismatchError, match="compiled for machine 'tpu'"):
        Emulator(program, epochcore)
    forced = Emulator(program, epochcore, force_machine=True).run()
    assert forced.stats.hw["name"] == "epochcore"
    unrecorded = Program((encode("halt", {}),))
    assert Emulator(unrecorded, epochcore).run().stats.hw["name"] == "epochcore"
