"""Serial and Dask-distributed runs give the same results, and lost workers are retried."""

from __future__ import annotations

import numpy as np
import pytest

from landalloc.models import evaluate
from landalloc.optimizer.distributed import cluster, map_tasks


def _tasks(problem, count=6, seed=0):
    rng = np.random.default_rng(seed)
    return [{"layouts": rng.integers(0, problem.n_uses, (3, problem.n_parcels))} for _ in range(count)]


@pytest.fixture(scope="module")
def cluster_client():
    with cluster(workers=2) as client:
        yield client


@pytest.fixture
def local_client(cluster_client):
    """The module's cluster with both workers up (a test kills one; its nanny restarts it)."""
    cluster_client.wait_for_workers(2, timeout=120)
    return cluster_client


def test_local_cluster_equals_serial(tiny_problem, local_client):
    tasks = _tasks(tiny_problem)
    serial = map_tasks(evaluate, tiny_problem, tasks)
    remote = map_tasks(evaluate, tiny_problem, tasks, client=local_client)
    for a, b in zip(serial, remote):
        np.testing.assert_array_equal(a.objectives, b.objectives)
        np.testing.assert_array_equal(a.slack, b.slack)


def test_progress_callback_sees_every_task(tiny_problem, local_client):
    seen = []
    map_tasks(evaluate, tiny_problem, _tasks(tiny_problem, 4), client=local_client,
              on_done=lambda index, result: seen.append(index))
    assert sorted(seen) == [0, 1, 2, 3]


def test_lost_worker_is_retried(tiny_problem, tmp_path, local_client):
    marker = tmp_path / "died-once"

    def fragile(problem, layouts):  # a closure: cloudpickle ships it by value to the workers
        import os

        if layouts[0, 0] == -1 and not marker.exists():
            marker.touch()
            os._exit(1)  # the worker process dies mid-task
        return evaluate(problem, np.abs(layouts)).objectives

    tasks = _tasks(tiny_problem, 4)
    doomed = tasks[2]["layouts"].copy()
    doomed[0, 0] = -1
    tasks[2] = {"layouts": doomed}
    results = map_tasks(fragile, tiny_problem, tasks, client=local_client)
    assert marker.exists()
    for task, result in zip(tasks, results):
        np.testing.assert_array_equal(result, evaluate(tiny_problem, np.abs(task["layouts"])).objectives)


def test_bad_scheduler_address_is_an_input_error():
    from landalloc.models import InputError

    with pytest.raises(InputError, match="cannot connect"):
        with cluster(scheduler="tcp://127.0.0.1:9", timeout=1.0):
            pass


def test_milp_front_is_the_same_serially_and_on_a_cluster(tiny_problem, local_client):
    from landalloc.optimizer.milp.grid_tasks import distributed_front

    serial = distributed_front(tiny_problem, ["efficiency", "equity"], points=5)
    remote = distributed_front(tiny_problem, ["efficiency", "equity"], points=5, client=local_client)
    np.testing.assert_array_equal(serial.values, remote.values)
    np.testing.assert_array_equal(serial.layouts, remote.layouts)
    assert remote.run["workers"] == 2 and len(remote) >= 2


def test_nsga_restarts_are_the_same_serially_and_on_a_cluster(tiny_problem, local_client):
    from landalloc.optimizer.nsga.restarts import explore_restarts

    options = {"pop_size": 12, "generations": 5}
    serial = explore_restarts(tiny_problem, ["efficiency", "ecology"], runs=2, **options)
    remote = explore_restarts(tiny_problem, ["efficiency", "ecology"], runs=2, client=local_client, **options)
    np.testing.assert_array_equal(serial.values, remote.values)
    np.testing.assert_array_equal(serial.layouts, remote.layouts)
