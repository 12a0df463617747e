"""The master's heartbeat liveness grows with the workers that join it, within bounds."""

import locust.runners
import pytest

from mediator_tui.locust_support import heartbeats


def test_the_liveness_grows_a_second_per_ten_workers_from_15_up_to_a_minute():
    assert [heartbeats.liveness_for(n) for n in (0, 1, 9, 10, 40, 100, 1000)] == [15, 15, 15, 16, 19, 25, 60]


class Events:
    def __init__(self):
        self.worker_connect = self

    def add_listener(self, listener):
        self.listener = listener


class Environment:
    def __init__(self):
        self.events = Events()


class Runner:
    def __init__(self):
        self.clients = {}


@pytest.fixture
def liveness(monkeypatch):
    monkeypatch.setattr(locust.runners, "HEARTBEAT_LIVENESS", 15)


def test_a_master_raises_its_liveness_as_workers_join_and_never_lowers_it(liveness):
    environment, runner = Environment(), Runner()
    heartbeats.size_master(environment, runner)
    for n in range(40):  # Locust fires worker_connect before it adds the worker
        environment.events.listener(client_id=f"w{n}")
        runner.clients[f"w{n}"] = object()
    assert locust.runners.HEARTBEAT_LIVENESS == 19
    runner.clients.clear()  # they leave; the next to join finds the liveness sized for many
    environment.events.listener(client_id="late")
    assert locust.runners.HEARTBEAT_LIVENESS == 19
