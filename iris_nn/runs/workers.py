"""Worker processes that share independent tasks (the folds of ``cv``, the networks of ``seeds``).

One mechanism for every command that fans out, so that an interrupt is handled once: Ctrl-C (which
reaches the whole process group) is ignored by the workers and handled by the parent alone; the
parent then terminates every worker at once instead of waiting for their tasks to finish. Workers
also die with the parent if it is killed outright, and use one BLAS thread each, as the processes
already fill the cores. Results come back in task order, so they are the same for every ``jobs``.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]

_limits: list[Any] = []  # keeps each worker's thread limit alive
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _init_worker() -> None:
    # Workers already fill the cores: BLAS threads on top of them only fight for them (logistic
    # regression's fit went from 2 ms to 97 ms per fold with two workers).
    try:
        from threadpoolctl import threadpool_limits  # comes with scikit-learn
    except ImportError:  # pragma: no cover - only a speed-up
        pass
    else:
        _limits.append(threadpool_limits(limits=1))
    # Ctrl-C reaches the whole process group: the parent alone decides what it means. SIGTERM
    # keeps its default, so that the parent's terminate() ends a worker mid-task.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform == "linux":  # die with the parent, even if it is killed outright
        with contextlib.suppress(OSError, AttributeError):  # only a safety net
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _call(job: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    function, index, task = job
    return index, function(task)


def run_tasks(
    function: Callable[[Task], Result],
    tasks: Sequence[Task],
    jobs: int,
    progress: Progress | None = None,
) -> list[Result]:
    """Return ``[function(task) for task in tasks]``, computed by ``jobs`` processes.

    ``function`` must be a module-level function (it is pickled to the workers);
    ``progress(done, total)`` is called as tasks finish. An exception in a task, or a signal
    handler's exception in the parent, terminates every worker before it propagates.
    """
    n = len(tasks)
    if jobs <= 1 or n <= 1:
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(function(task))
            if progress:
                progress(done, n)
        return results
    out: list[Any] = [None] * n
    pool = multiprocessing.get_context().Pool(min(jobs, n), initializer=_init_worker)
    try:
        jobs_list = [(function, i, task) for i, task in enumerate(tasks)]
        for done, (index, result) in enumerate(pool.imap_unordered(_call, jobs_list), start=1):
            out[index] = result
            if progress:
                progress(done, n)
        pool.close()
    except BaseException:
        pool.terminate()  # SIGTERM to every worker: their tasks end now, not when done
        raise
    finally:
        pool.join()
    return out
