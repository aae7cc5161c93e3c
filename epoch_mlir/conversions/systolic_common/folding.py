"""Folds as a hardware loop: the tiles of a dimension the array holds a piece of at a time.

A layer wider than the array folds: a GEMM over its n (or m) dimension, a ProDF scan over its
channels. Each fold is the same ops on windows one tile further on, so the full folds are one
`chunk_loop` whose windows step a tile per iteration and the program grows with the layer, not
with its tiles (a small array's 256-wide layer has dozens of folds); the last, partial fold is
peeled. The array's stationary operand alternates two slots, so the next fold's preload can
overlap this one's work: a fold with an odd number of preloads leaves the next one starting on
the other slot, and the loop body then holds two folds so that every iteration starts alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.ir import Operation

from epoch_mlir.dialects.systolic import ChunkLoopOp

# fold(offset, size, step, slot): the ops of one fold of `size` rows (or columns) starting
# `offset` in, whose windows move `step` per loop iteration, using slots from `slot` on
Fold = Callable[[int, int, int, int], list[Operation]]


def fold_loop(
    size: int,
    tile: int,
    fold: Fold,
    preloads: int,
    first_slot: int,
    looped: bool,
    *,
    pairs: bool = False,
) -> list[Operation]:
    """All folds of a dimension of `size` cut into `tile`s: the full ones as one loop (when
    `looped` and there are at least two iterations; unrolled otherwise), then the rest.
    `preloads` is how many stationary tiles one fold loads; `pairs` asks for two folds per
    iteration whatever the slots need (so that they can use two sets of buffers)."""
    full, tail = divmod(size, tile)
    flip = preloads % 2  # whether one fold changes the slot the next one starts on
    group = 2 if flip or pairs else 1  # folds per loop iteration
    iterations = full // group if looped else 0
    ops: list[Operation] = []
    if iterations >= 2:
        body: list[Operation] = []
        for index in range(group):
            body += fold(index * tile, tile, group * tile, first_slot ^ (index * flip % 2))
        ops.append(ChunkLoopOp(iterations, body))
    else:
        iterations = 0  # one iteration is as short unrolled
    for index in range(iterations * group, full):
        ops += fold(index * tile, tile, 0, first_slot ^ (index * flip % 2))
    if tail:
        ops += fold(full * tile, tail, 0, first_slot ^ (full * flip % 2))
    return ops


Pair = tuple[int, int]


def nest_steps(levels: Sequence[Sequence[Pair]], looped: Sequence[bool]) -> list[tuple[int, ...]]:
    """Each window's `step` (one [row, col] pair per enclosing loop, innermost first) when the
    ops may sit in several nested loops: `levels[i][j]` is how far window j moves per
    iteration of candidate loop i (innermost first), `looped[i]` whether that loop exists; the
    levels of loops that do not exist are left out."""
    windows = len(levels[0])
    steps: list[list[int]] = [[] for _ in range(windows)]
    for pairs, exists in zip(levels, looped, strict=True):
        if exists:
            for window, pair in enumerate(pairs):
                steps[window] += pair
    for step in steps:
        while len(step) > 2 and not any(step[-2:]):
            del step[-2:]  # nothing moves it in the outer loops
        step += [0, 0] if not step else []
    return [tuple(step) for step in steps]
