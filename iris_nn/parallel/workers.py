"""Worker processes that share independent tasks (the folds of ``cv``, the networks of ``seeds``).

One mechanism for every command that fans out, so that an interrupt is handled once: Ctrl-C (which
reaches the whole process group) is ignored by the workers and handled by the parent alone; the
parent then terminates every worker at once instead of waiting for their tasks to finish.

Each worker has a pipe of its own to the parent and nothing else: no lock or queue is shared, so a
worker killed at any moment (SIGTERM to the whole group, the kernel's out-of-memory killer) cannot
leave a lock held that the parent then waits for forever, as ``multiprocessing.Pool`` can. Workers
start with SIGINT and SIGTERM blocked (a signal in between would run the parent's handler in the
child), die with the parent if it is killed outright, and use one BLAS thread each, as the
processes already fill the cores. Results come back in task order, so they are the same for every
``jobs``. What every task needs (the data) is ``shared``: it reaches each worker once, when the
worker starts (a forked worker inherits it without a copy; a spawned one unpickles it once),
instead of travelling with every task.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, NoReturn, TypeVar

from iris_nn.core.errors import CannotUseError

Task = TypeVar("Task")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]

_limits: list[Any] = []  # keeps each worker's thread limit alive
PR_SET_PDEATHSIG = 1  # linux/prctl.h
SIGNALS = {signal.SIGINT, signal.SIGTERM}


class WorkerLostError(CannotUseError):
    """A worker process ended without finishing its task (killed, or out of memory)."""


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back inside the block (processes started in it inherit the mask);
    one that came meanwhile is delivered at its end."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)  # blocked by the parent until now
    if sys.platform == "linux":  # die with the parent, even if it is killed outright
        with contextlib.suppress(OSError, AttributeError):  # only a safety net
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _serve(conn: Connection, shared: Any) -> None:
    """Run the tasks the parent sends over ``conn`` until it sends None or goes away."""
    _init_worker()
    with contextlib.suppress(EOFError, OSError):  # the parent has gone: so do we
        while (job := conn.recv()) is not None:
            function, index, task = job
            try:
                result = (index, True, _call(function, shared, task))
            except Exception as e:  # the parent raises it, as if the task had run there
                result = (index, False, e)
            try:
                conn.send(result)
            except (TypeError, AttributeError, ValueError) as e:  # it does not pickle
                conn.send((index, False, RuntimeError(f"{type(e).__name__}: {e}")))


_NOTHING_SHARED = object()


def _call(function: Callable[..., Any], shared: Any, task: Any) -> Any:
    return function(task) if shared is _NOTHING_SHARED else function(shared, task)


def run_tasks(
    function: Callable[..., Result],
    tasks: Sequence[Task],
    jobs: int,
    progress: Progress | None = None,
    shared: Any = _NOTHING_SHARED,
) -> list[Result]:
    """Return ``[function(task) for task in tasks]``, computed by ``jobs`` processes.

    With ``shared``, each call is ``function(shared, task)``, and ``shared`` is sent to each worker
    once, not with every task. ``function`` must be a module-level function (it is pickled to the
    workers); ``progress(done, total)`` is called as tasks finish. An exception in a task, or a signal
    handler's exception in the parent, terminates every worker before it propagates; a worker
    that dies raises WorkerLostError.
    """
    n = len(tasks)
    if jobs <= 1 or n <= 1:
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(_call(function, shared, task))
            if progress:
                progress(done, n)
        return results
    context = multiprocessing.get_context()
    out: list[Any] = [None] * n
    workers: dict[Connection, Any] = {}  # the parent's end of each pipe -> its process
    try:
        with _signals_blocked():
            for _ in range(min(jobs, n)):
                mine, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs, shared), daemon=True)
                process.start()
                theirs.close()
                workers[mine] = process
        pending = iter(enumerate(tasks))
        busy: dict[Any, Connection] = {}  # a busy worker's sentinel -> its pipe

        def give(conn: Connection) -> None:
            job = next(pending, None)
            try:
                conn.send(None if job is None else (function, *job))  # None: the worker returns
            except OSError:  # it died since its last result
                _lost(workers[conn])
            if job is not None:
                busy[workers[conn].sentinel] = conn

        for conn in workers:
            give(conn)
        done = 0
        while busy:
            for ready in wait([*busy.values(), *busy]):
                if isinstance(ready, Connection):
                    try:
                        index, succeeded, value = ready.recv()
                    except EOFError:  # the worker died mid-task: its pipe closed with it
                        _lost(workers[ready])
                    if not succeeded:
                        raise value
                    del busy[workers[ready].sentinel]
                    out[index] = value
                    done += 1
                    if progress:
                        progress(done, n)
                    give(ready)
                elif ready in busy and not busy[ready].poll():
                    _lost(next(p for p in workers.values() if p.sentinel == ready))
        for process in workers.values():
            process.join()
    finally:
        for process in workers.values():
            if process.exitcode is None:
                process.terminate()  # SIGTERM: its task ends now, not when done
        for process in workers.values():
            process.join()
        for conn in workers:
            conn.close()
    return out


def _lost(process: Any) -> NoReturn:
    """Raise WorkerLostError for a worker that ended mid-task. A worker killed by SIGINT or
    SIGTERM was most likely hit together with the parent (a signal to the whole group): wait a
    moment, so that the parent's own signal handler runs first and decides the exit."""
    process.join()
    code = process.exitcode
    if code is not None and -code in SIGNALS:
        time.sleep(0.5)  # interruptible: the parent's pending signal handler runs here
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    raise WorkerLostError(
        f"a worker process ended before finishing its task ({how}); perhaps it ran out of "
        "memory: try fewer --jobs"
    )
