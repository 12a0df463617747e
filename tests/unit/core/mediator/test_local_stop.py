"""Stopping the embedded mediator ends every process it started, even when one of them could not be ended."""

from __future__ import annotations

import pytest

from mediator_tui.core.mediator import LocalMediator, MediatorError


class Part:
    """A proxy, cluster or instance that records its stop and may fail it."""

    def __init__(self, name: str, stopped: list[str], fails: bool = False):
        self.name, self.stopped, self.fails = name, stopped, fails

    def stop(self) -> None:
        self.stopped.append(self.name)
        if self.fails:
            raise MediatorError(f"{self.name} survived")

    def remove(self) -> None:
        self.stopped.append(f"{self.name} removed")


def mediator_with(tmp_path, stopped: list[str], failing: str) -> LocalMediator:
    mediator = LocalMediator("acapy", run_dir=tmp_path)
    mediator.more = [Part("instance 2", stopped, failing == "instance 2")]  # type: ignore[list-item]
    mediator.proxy = Part("proxy", stopped, failing == "proxy")  # type: ignore[assignment]
    mediator.cluster = Part("cluster", stopped, failing == "cluster")  # type: ignore[assignment]
    return mediator


@pytest.mark.parametrize("failing", ["instance 2", "proxy"])
def test_a_part_that_cannot_be_ended_leaves_none_of_the_others_running(tmp_path, failing):
    stopped: list[str] = []
    mediator = mediator_with(tmp_path, stopped, failing)
    with pytest.raises(MediatorError, match=f"{failing} survived"):
        mediator.stop()
    assert stopped == ["instance 2", "proxy", "cluster", "cluster removed"]
    assert tmp_path.exists()  # a run directory given by the caller stays


def test_a_cluster_that_cannot_be_ended_keeps_its_folder(tmp_path):
    stopped: list[str] = []
    mediator = mediator_with(tmp_path, stopped, "cluster")
    with pytest.raises(MediatorError, match="cluster survived"):
        mediator.stop()
    assert stopped == ["instance 2", "proxy", "cluster"]  # not removed under a server that may still run


def test_every_failure_is_named(tmp_path):
    stopped: list[str] = []
    mediator = mediator_with(tmp_path, stopped, "proxy")
    mediator.cluster.fails = True  # type: ignore[union-attr]
    with pytest.raises(MediatorError, match="proxy survived; cluster survived"):
        mediator.stop()
