"""Independent work on all cores: worker processes, a few items in flight per worker.

``spawn`` workers, never ``fork`` (polars' threads make fork unsafe; Windows only spawns).
Few items, or one core, run here in the calling process. ``finished(item, result)`` is
called in the caller as each item ends; ``result()`` returns what the work returned or
raises what it raised. A worker that dies raises ``BrokenProcessPool`` to the caller.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
Result = Callable[[], Any]


def each(work: Callable[[T], Any], items: Iterable[T], *, workers: int,
         finished: Callable[[T, Result], None], in_flight: int = 4) -> None:
    """Run ``work(item)`` for every item (``work`` must be a module-level function)."""
    items = list(items)
    if workers <= 1 or len(items) <= 2:
        for item in items:
            finished(item, lambda item=item: work(item))
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(items)), mp_context=context) as pool:
        queue = iter(items)
        pending: dict[Future, T] = {}
        for item in queue:
            pending[pool.submit(work, item)] = item
            if len(pending) >= workers * in_flight:
                break
        while pending:
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                finished(pending.pop(future), future.result)
                nxt = next(queue, None)
                if nxt is not None:
                    pending[pool.submit(work, nxt)] = nxt
