"""Running a small module through the reference interpreter, as the tests of each op do."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, make_context, parse_module, verify_module

RunMlir = Callable[..., list[np.ndarray]]


@pytest.fixture
def run_mlir() -> RunMlir:
    """`run_mlir(text, *arrays)`: parse and verify `text`, run @main on the arrays, in order.

    Arrays are passed as `arg0, arg1, ...` and the results come back as a list `res0, ...`.
    """

    def run(text: str, *arrays: np.ndarray) -> list[np.ndarray]:
        source = SourceText("test.mlir", text)
        module = parse_module(make_context(), source)
        verify_module(module, source)
        outputs = run_reference(module, {f"arg{i}": array for i, array in enumerate(arrays)})
        return [outputs[f"res{i}"] for i in range(len(outputs))]

    return run
