import gevent
import pytest

from mediator_tui.agents.interface import AgentLimitError
from mediator_tui.locust_support.port_pool import PortPool, worker_slice, workers_per_host


def test_pool_lends_each_port_once_and_refuses_when_empty():
    pool = PortPool(10000, 10003, name="port pool of worker 0")
    ports = [pool.acquire() for _ in range(3)]
    assert sorted(ports) == [10000, 10001, 10002]
    with pytest.raises(AgentLimitError, match=r"port pool of worker 0 \[10000, 10003\) exhausted: all 3 ports in use"):
        pool.acquire()
    assert pool.snapshot() == {"size": 3, "in_use": 3, "in_use_max": 3, "refused": 1}


def test_released_port_is_lent_again_and_double_release_is_harmless():
    pool = PortPool(20000, 20002)
    first = pool.acquire()
    pool.acquire()
    pool.release(first)
    pool.release(first)
    assert pool.acquire() == first
    with pytest.raises(AgentLimitError):
        pool.acquire()
    assert pool.in_use == 2


def test_peak_stays_after_ports_return():
    pool = PortPool(20000, 20010)
    ports = [pool.acquire() for _ in range(4)]
    for port in ports:
        pool.release(port)
    assert pool.snapshot()["in_use"] == 0
    assert pool.snapshot()["in_use_max"] == 4


def test_many_greenlets_never_share_a_port():
    pool = PortPool(30000, 30050)
    taken, refused = [], []

    def user():
        try:
            port = pool.acquire()
        except AgentLimitError:
            refused.append(1)
            return
        taken.append(port)
        gevent.sleep(0.001)

    users = [gevent.spawn(user) for _ in range(80)]
    gevent.joinall(users, timeout=60)
    assert all(u.dead for u in users), "a user greenlet never finished"
    assert len(taken) == 50 and len(set(taken)) == 50
    assert len(refused) == 30 == pool.refused


def test_workers_on_one_host_get_disjoint_slices():
    slices = [worker_slice(10000, 12000, index, 4) for index in range(4)]
    assert slices == [(10000, 10500), (10500, 11000), (11000, 11500), (11500, 12000)]
    # A fifth worker (index 4) wraps onto the first slice: the host was told 4 workers.
    assert worker_slice(10000, 12000, 4, 4) == (10000, 10500)


def test_range_smaller_than_workers_gives_pools_that_refuse():
    start, end = worker_slice(10000, 10003, 1, 4)
    pool = PortPool(start, end, name="port pool of worker 1")
    with pytest.raises(AgentLimitError, match="all 0 ports in use"):
        pool.acquire()


def test_zero_workers_means_locusts_own_processes_else_one_per_core(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert workers_per_host(0) == 6
    assert workers_per_host(0, forked=3) == 3
    assert workers_per_host(2, forked=3) == 2
