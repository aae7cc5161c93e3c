"""Turning a `-p` pipeline string into passes, with one-line errors that suggest a fix.

xDSL answers a misspelt pass with a traceback (`ValueError: Unrecognized passes`) and a
malformed string with a multi-line BaseException. Every tool that takes a pipeline goes
through `build_pipeline` instead, which names the unknown pass or option and its close matches.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Mapping

from xdsl.passes import ModulePass, PassPipeline, PassPipelineCallbackType
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError

from epoch_mlir.errors import PipelineError

PassFactories = Mapping[str, Callable[[], type[ModulePass]]]


def build_pipeline(
    spec: str,
    available: PassFactories,
    callback: PassPipelineCallbackType | None = None,
) -> PassPipeline:
    """The pipeline `spec` asks for (`"pass-a,pass-b{opt=v}"`), checked against `available`.

    Raises PipelineError for a malformed string, an unknown pass, an unknown option or a value
    of the wrong type.
    """
    pass_specs = parse_spec(spec)
    passes = tuple(_instantiate(pass_spec, available) for pass_spec in pass_specs)
    return PassPipeline(passes, callback)


def parse_spec(spec: str) -> list[ArgSpec]:
    """The `name{options}` entries of a pipeline string, or PipelineError on bad syntax.

    Whitespace and newlines may surround the passes and their options, as in the pipeline
    `epoch compile --print-pipeline` prints one pass per line.
    """
    spec = normalize_spec(spec)
    try:
        return list(parse_pipeline(spec))
    except ArgSpecParseError as error:  # a BaseException: a plain `except Exception` misses it
        raise PipelineError(f"malformed pass pipeline '{spec}': {_parse_problem(error)}") from None


def normalize_spec(spec: str) -> str:
    """`spec` with no whitespace between passes and one space between options.

    xDSL's pipeline syntax separates options by one space and allows none elsewhere; quoted
    strings keep their text.
    """
    out: list[str] = []
    depth, quoted, escaped, pending_space = 0, False, False, False
    for char in spec:
        if quoted:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            else:
                quoted = char != '"'
            continue
        if char.isspace():
            pending_space = depth > 0
            continue
        if pending_space and char != "}" and out and out[-1] != "{":
            out.append(" ")
        pending_space = False
        depth += {"{": 1, "}": -1}.get(char, 0)
        quoted = char == '"'
        out.append(char)
    return "".join(out)


def close_matches(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'a' or 'b'?` for the candidates that resemble `word`, else ``."""
    matches = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    quoted = [f"'{match}'" for match in matches]
    spelled = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
    return f"; did you mean {spelled}?"


def _instantiate(pass_spec: ArgSpec, available: PassFactories) -> ModulePass:
    factory = available.get(pass_spec.name)
    if factory is None:
        hint = close_matches(pass_spec.name, available) or " (see `epoch opt --help`)"
        raise PipelineError(f"unknown pass '{pass_spec.name}'{hint}")
    pass_class = factory()
    options = _option_names(pass_class)
    for given in pass_spec.normalize_parameter_names().parameters:
        if given in options:
            continue
        spelled = given.replace("_", "-")
        if not options:
            raise PipelineError(f"pass '{pass_spec.name}' takes no options, got '{spelled}'")
        valid = [option.replace("_", "-") for option in options]
        hint = close_matches(spelled, valid) or f" (options: {', '.join(valid)})"
        raise PipelineError(f"unknown option '{spelled}' for pass '{pass_spec.name}'{hint}")
    try:
        return pass_class.from_pass_spec(pass_spec)
    except (ValueError, TypeError) as error:
        raise PipelineError(f"bad options for pass '{pass_spec.name}': {error}") from None


def _option_names(pass_class: type[ModulePass]) -> list[str]:
    """The dataclass fields a pass takes as options (`base_addr` for `base-addr=...`)."""
    return [field.name for field in dataclasses.fields(pass_class) if field.init]


def _parse_problem(error: ArgSpecParseError) -> str:
    """`at column N: <what>` from xDSL's multi-line rendering (location, text, caret, message)."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    message = lines[-1].strip() if lines else "syntax error"
    location = next((line for line in lines if line.startswith("pass-pipeline:")), None)
    if location is None:
        return message
    column = location.rsplit(":", 1)[-1]
    return f"at column {column}: {message}"
