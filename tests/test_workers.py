"""The one worker mechanism: results in task order, errors raised in the parent, no worker left."""

import multiprocessing
import os
import signal

import numpy as np
import pytest

from iris_nn.core.errors import BadInputError
from iris_nn.parallel.workers import WorkerLostError, run_tasks


def square(x):
    return x * x


def fail_on_three(x):
    if x == 3:
        raise BadInputError(f"task {x} is bad")
    return x


def die_on_two(x):
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return x


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_back_in_task_order_for_every_jobs(jobs):
    seen = []
    assert run_tasks(square, list(range(7)), jobs, lambda d, n: seen.append((d, n))) == [
        x * x for x in range(7)
    ]
    assert seen == [(d, 7) for d in range(1, 8)]
    assert multiprocessing.active_children() == []


def test_an_error_in_a_task_is_raised_in_the_parent_and_ends_every_worker():
    with pytest.raises(BadInputError, match="task 3 is bad"):
        run_tasks(fail_on_three, list(range(6)), 2)
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_is_an_error_not_a_hang():
    with pytest.raises(WorkerLostError, match="killed by signal 9"):
        run_tasks(die_on_two, list(range(5)), 2)
    assert multiprocessing.active_children() == []


def scaled_row(shared, task):
    """Return row ``task`` of the shared table times its pid-independent factor."""
    table, factor = shared
    return float(table[task].sum() * factor)


class CountsPickles:
    """A shared object that counts how often it is pickled (once per task would show)."""

    pickled = 0

    def __reduce__(self):
        CountsPickles.pickled += 1
        return (CountsPickles, ())


def echo(shared, task):
    return task


@pytest.mark.parametrize("jobs", [1, 2])
def test_shared_data_reaches_every_task(jobs):
    table = np.arange(12.0).reshape(6, 2)
    assert run_tasks(scaled_row, list(range(6)), jobs, shared=(table, 2.0)) == [
        2.0 * (2 * r + 2 * r + 1) for r in range(6)
    ]


def test_shared_data_is_not_sent_with_every_task():
    CountsPickles.pickled = 0
    assert run_tasks(echo, list(range(8)), 2, shared=CountsPickles()) == list(range(8))
    # a forked worker inherits it (0 pickles); a spawned one unpickles it once (2 workers)
    assert CountsPickles.pickled <= 2
