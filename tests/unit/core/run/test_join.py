"""The command a run prints for adding workers on another host: the address other hosts reach, the
master's port for workers, how many processes; and a MASTER_HOST this host cannot bind, refused clearly."""

from __future__ import annotations

import pytest

from mediator_tui.core.config import load_config
from mediator_tui.core.processes import free_loopback_ports
from mediator_tui.core.run import attach
from mediator_tui.core.run.build import Overrides, build_controller
from mediator_tui.core.run.join import check_bindable, primary_address, reachable_address, worker_command
from mediator_tui.core.run.local import LocalSpec


def _spec(**fields) -> LocalSpec:
    return LocalSpec(locustfiles=(), env={}, **fields)


def test_a_master_on_every_interface_is_reached_at_the_hosts_primary_address():
    spec = _spec(master_bind_host="0.0.0.0", workers=3)
    assert spec.join_command(5557, primary=lambda: "10.20.30.40") == (
        "mediator-tui worker --master 10.20.30.40:5557 --processes 3"
    )


def test_a_master_bound_on_one_address_is_reached_there_on_its_own_port():
    spec = _spec(master_bind_host="192.168.7.9", workers=2)
    assert spec.join_command(6001, primary=lambda: "10.20.30.40") == (
        "mediator-tui worker --master 192.168.7.9:6001 --processes 2"
    )


def test_expected_remote_workers_set_the_processes_and_start_none_here():
    spec = _spec(master_bind_host="0.0.0.0", remote_workers=8)
    assert spec.worker_count == 0
    assert spec.join_command(5557, primary=lambda: "10.0.0.2").endswith("--master 10.0.0.2:5557 --processes 8")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_a_loopback_master_prints_nothing(host):
    assert _spec(master_bind_host=host, workers=2).join_command(5557, primary=lambda: "10.0.0.2") == ""


def test_wildcards_are_every_interface_and_other_hosts_are_kept_as_named():
    assert reachable_address("*", lambda: "10.1.1.1") == "10.1.1.1"
    assert reachable_address("::", lambda: "10.1.1.1") == "10.1.1.1"
    assert reachable_address("master.example", lambda: "10.1.1.1") == "master.example"


def test_an_ipv6_address_is_bracketed_before_the_port():
    assert worker_command("fd00::5", 5557, 4) == "mediator-tui worker --master [fd00::5]:5557 --processes 4"


def test_the_primary_address_is_one_this_host_can_bind():
    assert check_bindable(primary_address()) == ""


def test_an_address_of_another_host_and_a_name_that_does_not_resolve_are_refused():
    assert "cannot be bound on this host" in check_bindable("192.0.2.77")  # RFC 5737: never a local address
    assert "does not resolve" in check_bindable("no-such-host.invalid")
    assert check_bindable("0.0.0.0") == ""
    assert check_bindable("127.0.0.1") == ""


def _attached(tmp_path, settings: str, host_elsewhere: bool = False, monkeypatch=None):
    """An attached run on a loopback master nobody answers; `host_elsewhere` takes its address for another
    host's (no packet leaves this host: the run only prints)."""
    if host_elsewhere:
        monkeypatch.setattr(attach, "is_loopback", lambda host: False)
    env = tmp_path / ".env"
    env.write_text(settings)
    (web_port,) = free_loopback_ports(1)
    return build_controller(load_config(env), Overrides(attach_url=f"http://127.0.0.1:{web_port}"))


def test_attaching_prints_the_worker_command_for_the_masters_host(tmp_path, monkeypatch):
    run = _attached(tmp_path, "LOCUST_WORKERS=6\n", host_elsewhere=True, monkeypatch=monkeypatch)
    try:
        assert run.join_command == "mediator-tui worker --master 127.0.0.1:5557 --processes 6"
        said = [line.text for line in run.drain_logs()]
        assert any(run.join_command in line for line in said), said
    finally:
        run.shutdown()


def test_attaching_takes_the_workers_port_from_master_port_when_set(tmp_path, monkeypatch):
    run = _attached(tmp_path, "LOCUST_WORKERS=2\nMASTER_PORT=6100\n", host_elsewhere=True, monkeypatch=monkeypatch)
    try:
        assert run.join_command == "mediator-tui worker --master 127.0.0.1:6100 --processes 2"
    finally:
        run.shutdown()


def test_attaching_to_a_master_on_loopback_prints_no_worker_command(tmp_path):
    run = _attached(tmp_path, "LOCUST_WORKERS=2\n")
    try:
        assert run.join_command == ""
        said = [line.text for line in run.drain_logs()]
        assert not any("mediator-tui worker" in line for line in said), said
    finally:
        run.shutdown()


@pytest.mark.parametrize("value", ["", "10.0.0.300", "my host", "-leading.dash", "host_name"])
def test_a_master_host_that_is_no_address_is_a_configuration_problem(tmp_path, value):
    env = tmp_path / ".env"
    env.write_text(f"MASTER_HOST='{value}'\n")
    problems = [p for p in load_config(env, strict=False).problems if p.key == "MASTER_HOST"]
    assert problems and "neither an IP address nor a host name" in str(problems[0])


def test_remote_workers_need_a_master_other_hosts_reach(tmp_path):
    env = tmp_path / ".env"
    env.write_text("REMOTE_WORKERS=4\n")
    problems = [str(p) for p in load_config(env, strict=False).problems]
    assert any("REMOTE_WORKERS" in p and "not 127.0.0.1" in p for p in problems), problems
    env.write_text("REMOTE_WORKERS=4\nMASTER_HOST=0.0.0.0\n")
    assert load_config(env, strict=False).problems == []


def test_a_run_whose_master_host_is_another_hosts_address_fails_before_starting_anything(tmp_path):
    from mediator_tui.core.run.controller import RunError, RunLoad
    from mediator_tui.core.run.local import LocalRun

    started = []
    spec = LocalSpec(locustfiles=(tmp_path / "x.py",), env={}, master_bind_host="192.0.2.77", run_dir=tmp_path)
    run = LocalRun(spec, RunLoad(users=1, spawn_rate=1), start_mediator=lambda *_: started.append(1))
    try:
        with pytest.raises(RunError, match=r"MASTER_HOST=192\.0\.2\.77 cannot be bound on this host"):
            run.prepare()
        assert started == [] and not run.group.alive()
    finally:
        run.shutdown()


def test_a_local_run_says_the_command_before_its_start_waits_for_those_workers(tmp_path):
    from mediator_tui.core.run.controller import RunLoad
    from mediator_tui.core.run.local import LocalRun

    spec = LocalSpec(
        locustfiles=(), env={}, master_bind_host="0.0.0.0", master_bind_port=6200, remote_workers=3, run_dir=tmp_path
    )
    run = LocalRun(spec, RunLoad(users=1, spawn_rate=1))
    try:
        assert run.join_command == f"mediator-tui worker --master {primary_address()}:6200 --processes 3"
        said = [line.text for line in run.drain_logs()]
        assert f"workers on another host join with (the master waits for 3): {run.join_command}" in said
    finally:
        run.shutdown()
