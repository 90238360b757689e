"""BLAS threads during training: one, while every product of a mini-batch is mid-sized.

OpenBLAS splits a product over the cores once it has more than about 262,144 multiply-adds (its
``GEMM_MULTITHREAD_THRESHOLD`` of 4 times 65,536). A mini-batch of 256 rows through a 20-64-64-3
network makes products of about a million: split over two cores, each waits for the other at
every product, and on a machine whose second core is shared the fit ran at anything from 335,000
to 706,000 rows per second, against a steady 591,000 on one thread. Products of millions (784
inputs: 6.4 million a batch of 128 rows) gain from the second core, and small ones are never split.
"""

from __future__ import annotations

import contextlib

from iris_nn.core.network import Network
from iris_nn.core.train import TrainSettings

SPLIT_FROM = 262_144  # multiply-adds from which OpenBLAS splits a product over the cores
ONE_THREAD_BELOW = 4_000_000  # multiply-adds from which two cores beat one (784-64: 6.4 million)


def largest_product(net: Network, settings: TrainSettings, n_rows: int) -> int:
    """Return the multiply-adds of the largest product training ``net`` on ``n_rows`` rows makes:
    a mini-batch's, or with full batches a chunk's (all the rows when they fit one)."""
    full = settings.full_batch or settings.batch_size >= n_rows
    rows = min(n_rows, net.chunk_rows()) if full else settings.batch_size
    return rows * max(Wb.size for Wb in net.layers)


def training_threads(
    net: Network, settings: TrainSettings, n_rows: int
) -> contextlib.AbstractContextManager[object]:
    """Return a context that keeps BLAS to one thread while training ``net`` on ``n_rows`` rows
    with ``settings`` makes mid-sized products only (a context that does nothing otherwise).

    threadpoolctl comes with scikit-learn; without it, nothing changes.
    """
    if not SPLIT_FROM < largest_product(net, settings, n_rows) < ONE_THREAD_BELOW:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - only a speed-up
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
