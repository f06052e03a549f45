"""Independent work on Dask distributed: ε-constraint points, NSGA-II restarts, scenario batches.

One function, :func:`map_tasks`, runs ``function(problem, **task)`` for every task and returns the
results in task order. Serial in-process when neither ``workers`` nor ``scheduler`` is given;
otherwise a ``distributed.LocalCluster`` of ``workers`` processes, or the cluster at
``scheduler``. The problem is scattered to the workers once, not sent with every task, and a task
whose worker dies is retried by Dask on another worker (finished tasks are kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from landalloc.models.errors import InputError

T = TypeVar("T")

RETRIES = 2
"""Times Dask re-runs a task whose worker was lost."""


@contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None, timeout: float = 10.0) -> Iterator[Any]:
    """A Dask client for ``workers`` local processes or the cluster at ``scheduler`` (None: serial).

    ``timeout`` bounds the wait, in seconds, for an existing scheduler to answer.
    """
    if workers is None and scheduler is None:
        yield None
        return
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{timeout}s")
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc}); start the scheduler "
                             "(`dask scheduler`) or check the address (tcp://HOST:PORT)") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local) as client:
        yield client


def map_tasks(function: Callable[..., T], shared: Any, tasks: Sequence[dict[str, Any]],
              client: Any = None, on_done: Callable[[int, T], None] | None = None) -> list[T]:
    """Run ``function(shared, **task)`` for every task; results in task order.

    Parameters
    ----------
    function : a module-level function (picklable); ``shared`` is its first argument.
    shared : the large read-only input (the compiled problem), scattered once to every worker.
    tasks : keyword arguments of each call.
    client : a Dask client from :func:`cluster`, or None to run serially in this process.
    on_done : called with (task index, result) as each task finishes, e.g. to advance a
        progress bar or save a partial result.

    An exception (Ctrl-C included) from a task or from ``on_done`` cancels the tasks not yet
    finished and propagates; results already passed to ``on_done`` are the caller's to keep.
    """
    if client is None:
        results = []
        for index, task in enumerate(tasks):
            result = function(shared, **task)
            if on_done is not None:
                on_done(index, result)
            results.append(result)
        return results
    from distributed import as_completed

    remote = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(function, remote, **task, retries=RETRIES, pure=False) for task in tasks]
    position = {future.key: index for index, future in enumerate(futures)}
    results: list[Any] = [None] * len(tasks)
    try:
        for future in as_completed(futures):
            index = position[future.key]
            results[index] = future.result()
            if on_done is not None:
                on_done(index, results[index])
    except BaseException:   # Ctrl-C or a failed task: the cluster should not go on with the rest
        client.cancel(futures)
        raise
    return results
