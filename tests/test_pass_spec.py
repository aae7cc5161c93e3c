"""Pipeline strings: every mistake is one PipelineError naming the culprit and a likely fix."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from epoch_mlir.errors import PipelineError
from epoch_mlir.pass_spec import build_pipeline, close_matches, normalize_spec


@dataclass(frozen=True)
class TileLoopsPass(ModulePass):
    """A stand-in with options of several types (our real passes have none yet)."""

    name = "tile-loops"

    tile_size: int = 16
    dataflow: str = "ws"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        """Changes nothing: only its options matter here."""


@dataclass(frozen=True)
class FlattenPass(ModulePass):
    name = "flatten"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        """Changes nothing: only its name matters here."""


AVAILABLE = {"tile-loops": lambda: TileLoopsPass, "flatten": lambda: FlattenPass}


def test_a_valid_pipeline_builds_its_passes_in_order() -> None:
    pipeline = build_pipeline("flatten,tile-loops{tile-size=32 dataflow=os}", AVAILABLE)
    assert pipeline.passes == (FlattenPass(), TileLoopsPass(tile_size=32, dataflow="os"))


def test_the_empty_pipeline_is_valid() -> None:
    assert build_pipeline("", AVAILABLE).passes == ()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("flaten", "unknown pass 'flaten'; did you mean 'flatten'?"),
        ("zzz", "unknown pass 'zzz' (see `epoch opt --help`)"),
        (
            "tile-loops{tile-sise=8}",
            "unknown option 'tile-sise' for pass 'tile-loops'; did you mean 'tile-size'?",
        ),
        (
            "tile-loops{colour=red}",
            "unknown option 'colour' for pass 'tile-loops' (options: tile-size, dataflow)",
        ),
        ("flatten{depth=2}", "pass 'flatten' takes no options, got 'depth'"),
        ("tile-loops{tile-size=big}", "bad options for pass 'tile-loops': "),
        ("flatten{", "malformed pass pipeline 'flatten{': at column 9: Expected argument name"),
    ],
    ids=["pass", "pass-no-match", "option", "option-no-match", "no-options", "type", "syntax"],
)
def test_mistakes_are_one_line_with_a_hint(spec: str, message: str) -> None:
    with pytest.raises(PipelineError) as caught:
        build_pipeline(spec, AVAILABLE)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_close_matches_lists_the_similar_names_best_first() -> None:
    candidates = ["canonicalize-dmp", "cse", "canonicalize"]
    assert close_matches("canonicalise", candidates) == (
        "; did you mean 'canonicalize' or 'canonicalize-dmp'?"
    )
    assert close_matches("xyz", candidates) == ""


@pytest.mark.parametrize(
    ("spec", "normal"),
    [
        ("a,b", "a,b"),
        ("\n  a ,\n\tb\n", "a,b"),
        ("a{ x=1   y=2 }", "a{x=1 y=2}"),
        ("a{\n  x=1\n  y=2\n}", "a{x=1 y=2}"),
        ('a{x="two  spaces, a comma" y=1}', 'a{x="two  spaces, a comma" y=1}'),
        ('a{x="an \\" escaped } quote"}', 'a{x="an \\" escaped } quote"}'),
        ("a{x=1,2}", "a{x=1,2}"),
    ],
)
def test_whitespace_between_passes_and_options_is_layout(spec: str, normal: str) -> None:
    assert normalize_spec(spec) == normal


def test_a_pipeline_spread_over_lines_builds_the_same_passes() -> None:
    one_line = build_pipeline("tile-loops{tile-size=4 dataflow=os},flatten", AVAILABLE)
    spread = build_pipeline(
        "\n  tile-loops{\n    tile-size=4\n    dataflow=os\n  },\n  flatten\n", AVAILABLE
    )
    assert spread.passes == one_line.passes
