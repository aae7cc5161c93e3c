"""Where tasks run: in this process (`serial`), a local process pool (`pool`), or Ray (`ray`).

Each backend takes the tasks and yields rows as they finish; the order of arrival does not
matter (the results are keyed and sorted by point id). `serial` and `pool` yield each point as
soon as it has run, and so does `ray` (a Ray generator task per compile task).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import logging
import multiprocessing
import queue
import signal
import sys
from collections.abc import Iterator
from typing import Any

from epoch_mlir.errors import EpochError
from epoch_mlir.sweep.spec import Task
from epoch_mlir.sweep.worker import iter_task

BACKENDS = ("pool", "ray", "serial")


def run_serial(tasks: list[Task]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield from iter_task(task)


_ROWS: Any = None  # a pool worker's queue back to the driver (set by the initializer)


def _set_queue(rows: Any) -> None:
    global _ROWS
    _ROWS = rows
    _single_threaded_blas()
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: a worker gets SIGTERM when the driver dies (killed), instead of lingering."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# the `set_num_threads` entry points of the OpenBLAS builds numpy ships or links
_BLAS_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def _single_threaded_blas() -> None:
    """One BLAS thread per pool worker: the workers are the parallelism.

    A forked worker inherits the driver's multi-threaded OpenBLAS, and N workers with a pool of
    (spinning) BLAS threads each oversubscribe the cores: on 2 cores a timing-only sweep ran
    at 1.3 points/s instead of 2.0. Ray sets OMP_NUM_THREADS=1 in its workers for the same
    reason. Best effort, Linux: the loaded OpenBLAS is found in /proc/self/maps.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            libraries = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return
    for path in sorted(libraries):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _BLAS_SETTERS:
            if hasattr(library, name):
                getattr(library, name)(1)
                break


def _stream_task(task: Task) -> int:
    """In a pool worker: send each row to the driver as soon as its point has run."""
    count = 0
    for row in iter_task(task):
        _ROWS.put(row)
        count += 1
    return count


def run_pool(tasks: list[Task], jobs: int) -> Iterator[dict[str, Any]]:
    """A local process pool; rows stream back through a queue, one per finished point."""
    if jobs <= 1 or len(tasks) <= 1:
        yield from run_serial(tasks)
        return
    context = multiprocessing.get_context()
    rows = context.Queue()
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=context,
        initializer=_set_queue,
        initargs=(rows,),
    )
    try:
        futures = [executor.submit(_stream_task, task) for task in tasks]
        remaining = sum(len(task.points) for task in tasks)
        while remaining:
            try:
                row = rows.get(timeout=0.2)
            except queue.Empty:
                row = None
            if row is not None:
                remaining -= 1
                yield row
                continue
            for future in futures:
                error = future.exception() if future.done() else None
                if error is not None:
                    raise error  # a worker died (e.g. killed): stop, the rows so far are saved
    finally:
        # on Ctrl-C or an error: drop the queued tasks, do not wait for the running ones
        executor.shutdown(wait=False, cancel_futures=True)
        rows.cancel_join_thread()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EpochError(
            "--backend ray needs Ray: pip install 'epoch_mlir[ray]' (or pip install ray)"
        ) from None
    return ray


def run_ray(tasks: list[Task], jobs: int | None, address: str | None) -> Iterator[dict[str, Any]]:
    """Run on Ray: join the cluster at `address`, else start a local instance with `jobs` CPUs.

    The workers import epoch_mlir: on a cluster it must be installed on every node.
    """
    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.ERROR,
        }
        try:
            if address is not None:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=jobs, **options)
        except Exception as error:  # ConnectionError, RuntimeError, ...: one line for the user
            where = f"at {address}" if address else "locally"
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise EpochError(
                f"cannot start Ray {where}: {type(error).__name__} {message}"
            ) from None
        started = True
    # a Ray generator task per compile task: each row streams back as its point finishes
    remote = ray.remote(num_cpus=1, max_retries=0)(iter_task)
    pending = [remote.remote(task) for task in tasks]
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for generator in ready:
                try:
                    reference = next(generator)
                except StopIteration:
                    continue  # the task is done
                pending.append(generator)
                yield ray.get(reference)
    finally:
        for generator in pending:
            with contextlib.suppress(Exception):  # already finished, or the cluster is gone
                ray.cancel(generator, force=True)
        if started:
            ray.shutdown()
