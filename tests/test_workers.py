"""The one worker mechanism: results in task order, errors raised in the parent, no worker left."""

import multiprocessing
import os
import signal

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
