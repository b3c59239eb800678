"""Read workbooks from outside in worker processes, so that no file can take the run down.

The reader is native code: a file it chokes on may make it abort, panic or ask for more
memory than the machine has — none of which Python can catch in its own process. Each
workbook is therefore read in a worker process (all cores, the workers kept for the
whole run). On Linux and macOS a worker's address space is capped at
``limits.memory_mb``, so a runaway allocation fails at once instead of swapping the PC to
a halt; on Windows, where no such cap exists in the standard library, an allocation the
machine cannot give still ends only the worker. When a worker dies, the files it was
reading are read again one by one in fresh workers, so only the file that kills its
reader is reported (as 无法读取), and every other file is read as usual.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from .guard import DEFAULT_LIMITS, MB, Limits
from .raw import RawWorkbook, SourceProblem
from .xlsx import read_workbook

Progress = Callable[[int, int], None]
CRASHED = ("读取这个文件时读取程序异常退出（{why}），文件未读入。常见原因是文件中有异常巨大的内容"
           "（例如远处单元格里的空格）或文件已损坏：请在 Excel/WPS 中删除多余的行列、"
           "重新“另存为 .xlsx”后再报送")


@dataclass(frozen=True)
class ReadJob:
    """One file to read: where it is, the name to report it by, which sheets to keep."""

    path: Path
    name: str
    keep: Callable[[str], bool] | None = None  # must be picklable (a module-level callable)
    digest: str = ""  # the file's sha256, when the caller has it: a read handed over is taken


# Workbooks read whole earlier in this run (the mailbox reads each attachment before it
# takes it), by sha256 and limits: a later read of the same bytes takes one instead of
# reading again, once. A few at most are held (each can be tens of MB of cells).
_HANDED: OrderedDict[tuple[str, Limits], RawWorkbook] = OrderedDict()
HANDED = 4


def hand_over(book: RawWorkbook, limits: Limits) -> None:
    """Keep a workbook read whole for a later read of the same bytes in this run."""
    if book.digest:
        _HANDED[(book.digest, limits)] = book
        _HANDED.move_to_end((book.digest, limits))
        while len(_HANDED) > HANDED:
            _HANDED.popitem(last=False)


def drop_handed() -> None:
    _HANDED.clear()


def read_workbooks(jobs: list[ReadJob], limits: Limits = DEFAULT_LIMITS,
                   progress: Progress | None = None) -> list[RawWorkbook | SourceProblem]:
    """Read every job in worker processes; a file that fails becomes its SourceProblem."""
    return list(iter_workbooks(jobs, limits, progress))


def iter_workbooks(jobs: list[ReadJob], limits: Limits = DEFAULT_LIMITS,
                   progress: Progress | None = None) -> Reads:
    """Each job's result in job order, read in worker processes a few files ahead of the
    caller: at most one file per worker (and one more) is held in memory at a time, so a
    district of large workbooks is taken in one at a time. Reading begins at this call (the
    caller may do other work before asking for the first result); ``close()`` stops the
    reads not taken.

    When a worker dies, every file its pool was reading is read again alone in a fresh
    worker, so only the file that kills its reader is reported."""
    return Reads(jobs, limits, progress)


class Reads(Iterator[RawWorkbook | SourceProblem]):
    """The results of :func:`iter_workbooks`, in job order."""

    def __init__(self, jobs: list[ReadJob], limits: Limits, progress: Progress | None):
        self.jobs, self.limits, self.progress = jobs, limits, progress
        # a read under way, one handed over, or None: read alone (its pool broke)
        self.pending: dict[int, Future | RawWorkbook | None] = {}
        self.submitted = 0
        self.index = 0
        self._hand_out()

    def _hand_out(self) -> None:
        """Submit jobs up to one per worker and one more beyond the next result."""
        while self.submitted < len(self.jobs) and self.submitted <= self.index + _workers():
            job = self.jobs[self.submitted]
            handed = _handed(job, self.limits)
            self.pending[self.submitted] = handed if handed is not None else _submit(job, self.limits)
            if self.pending[self.submitted] is None:
                _mark_alone(self.pending)
            self.submitted += 1

    def __next__(self) -> RawWorkbook | SourceProblem:
        if self.index >= len(self.jobs):
            self.close()
            raise StopIteration
        self._hand_out()
        future = self.pending.pop(self.index)
        result: RawWorkbook | SourceProblem | None = future if isinstance(future, RawWorkbook) else None
        if isinstance(future, Future):
            try:
                result = future.result()
            except BrokenProcessPool:
                _mark_alone(self.pending)
        if result is None:
            result = _read_alone(self.jobs[self.index], self.limits)
        self.index += 1
        if self.progress:
            self.progress(self.index, len(self.jobs))
        return result

    def close(self) -> None:
        """Cancel the reads not taken (one a worker has begun runs to its end)."""
        for future in self.pending.values():
            if isinstance(future, Future):
                future.cancel()
        self.pending.clear()
        self.index = self.submitted = len(self.jobs)


def _handed(job: ReadJob, limits: Limits) -> RawWorkbook | None:
    """A read handed over for this file's bytes (named as this job names it), or None."""
    book = _HANDED.pop((job.digest, limits), None) if job.digest and job.keep is None else None
    return None if book is None else dataclasses.replace(book, source=job.name)


def _submit(job: ReadJob, limits: Limits) -> Future | None:
    try:
        return _pool(limits).submit(_read, job, limits)
    except BrokenProcessPool:  # broken before it could take the job
        return None


def _mark_alone(pending: dict[int, Future | RawWorkbook | None]) -> None:
    """The pool broke: drop it, and read each file it held alone."""
    _discard_pool()
    for i, future in pending.items():
        if isinstance(future, RawWorkbook) or future is not None and future.done() \
                and not future.cancelled() and future.exception() is None:
            continue  # read before the pool broke
        pending[i] = None


def read_contained(path: Path, *, name: str | None = None,
                   keep: Callable[[str], bool] | None = None,
                   limits: Limits = DEFAULT_LIMITS) -> RawWorkbook:
    """One workbook, read as :func:`read_workbooks` does; raises its SourceProblem."""
    result = read_workbooks([ReadJob(path, name or path.name, keep)], limits)[0]
    if isinstance(result, SourceProblem):
        raise result
    return result


def _read(job: ReadJob, limits: Limits) -> RawWorkbook | SourceProblem:
    try:
        return read_workbook(job.path, name=job.name, keep=job.keep, limits=limits)
    except SourceProblem as problem:
        return problem
    except MemoryError:
        return SourceProblem(job.name, CRASHED.format(why=f"内存超过 {limits.memory_mb} MB"))
    except RecursionError:
        return SourceProblem(job.name, CRASHED.format(why="结构嵌套过深"))


def _read_alone(job: ReadJob, limits: Limits) -> RawWorkbook | SourceProblem:
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(1, mp_context=context, initializer=_cap_memory,
                                 initargs=(limits.memory_mb,)) as pool:
            return pool.submit(_read, job, limits).result()
    except BrokenProcessPool:
        return SourceProblem(job.name, CRASHED.format(why=_why_died(limits)))


def _why_died(limits: Limits) -> str:
    if _can_cap():
        return f"所需内存超过 {limits.memory_mb} MB 或程序崩溃"
    return "内存不足或程序崩溃"


# -- the worker pool, kept for the run ----------------------------------------------------

_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(limits: Limits) -> ProcessPoolExecutor:
    pool = _POOLS.get(limits.memory_mb)
    if pool is None:
        workers = _workers()
        # spawn, not fork: polars' threads make fork unsafe, and Windows only spawns
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_cap_memory, initargs=(limits.memory_mb,))
        _POOLS[limits.memory_mb] = pool
    return pool


def start_readers(limits: Limits = DEFAULT_LIMITS) -> None:
    """Start the workers now, so that they are ready when the first file is read (a worker
    takes ≈ 0.1 s to start; the caller has other work meanwhile)."""
    pool = _pool(limits)
    with contextlib.suppress(BrokenProcessPool, RuntimeError):
        for _ in range(_workers()):
            pool.submit(_ready)


def _ready() -> None:
    """A job that only makes its worker start."""


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _discard_pool() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=False, cancel_futures=True)
    _POOLS.clear()


atexit.register(_discard_pool)


def _can_cap() -> bool:
    try:
        import resource  # noqa: F401 - not on Windows
    except ImportError:
        return False
    return True


def _cap_memory(memory_mb: int) -> None:
    """In a worker: cap its address space (where the platform allows it), and send the
    native reader's own crash report (a Rust backtrace) nowhere: the run reports the file."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    try:
        import resource
    except ImportError:  # Windows: no cap; a failed allocation still ends only this worker
        return
    limit = memory_mb * MB
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
