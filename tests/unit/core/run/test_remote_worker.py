"""`mediator-tui worker`: the master's address, the workers' environment and command line."""

from __future__ import annotations

import pytest

from mediator_tui.contracts.worker_join import JoinReply
from mediator_tui.core.run.remote_worker import (
    MasterAddress,
    WorkerError,
    missing_secrets,
    parse_master,
    prepare_host,
    worker_command,
    worker_environment,
)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("10.0.0.5", "10.0.0.5", 5557),
        ("master.example:6000", "master.example", 6000),
        (" 10.0.0.5:5557 ", "10.0.0.5", 5557),
        ("[fd00::1]:6000", "fd00::1", 6000),
        ("[fd00::1]", "fd00::1", 5557),
    ],
)
def test_a_master_address_is_host_and_port_with_locusts_port_by_default(text, host, port):
    assert parse_master(text) == MasterAddress(host, port)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "expected HOST[:PORT]"),
        ("a b", "expected HOST[:PORT]"),
        ("http://10.0.0.5:5557", "expected HOST[:PORT]"),
        ("10.0.0.5:", "expected HOST[:PORT]"),
        ("10.0.0.5:x", "the port must be a number from 1 to 65535"),
        ("10.0.0.5:70000", "the port must be a number from 1 to 65535"),
        ("10.0.0.5:0", "the port must be a number from 1 to 65535"),
        ("[fd00::1]x", "expected HOST[:PORT]"),
    ],
)
def test_a_bad_master_address_is_one_line_naming_it(text, says):
    with pytest.raises(WorkerError) as error:
        parse_master(text)
    assert says in str(error.value) and repr(text.strip()) in str(error.value)
    assert "\n" not in str(error.value)


def test_the_workers_get_the_masters_settings_over_this_hosts_and_keep_this_hosts_secrets():
    local = {"MESSAGE_TO_SEND": "mine", "ISSUER_HEADERS": '{"k": "v"}', "AGENT_IP": "10.0.0.7", "LOCUST_USERS": "5"}
    reply = JoinReply("1.0.0", {"MESSAGE_TO_SEND": "the run's", "LOCUST_MIN_WAIT": "1"}, ("ISSUER_HEADERS",))
    env = worker_environment(local, reply, processes=4)
    assert env["MESSAGE_TO_SEND"] == "the run's" and env["LOCUST_MIN_WAIT"] == "1"
    assert env["ISSUER_HEADERS"] == '{"k": "v"}' and env["AGENT_IP"] == "10.0.0.7"
    assert env["LOCUST_WORKERS"] == "4"
    assert "LOCUST_USERS" not in env  # Locust would read it as its own option
    assert worker_environment(local, reply, processes=-1)["LOCUST_WORKERS"] == "0"  # as many as Locust forks


def test_the_secrets_the_run_uses_that_this_host_lacks_are_named():
    reply = JoinReply("1.0.0", {}, ("ISSUER_HEADERS", "MEDIATOR_ADMIN_HEADERS"))
    assert missing_secrets(reply, {"ISSUER_HEADERS": '{"k": "v"}', "MEDIATOR_ADMIN_HEADERS": ""}) == (
        "MEDIATOR_ADMIN_HEADERS",
    )


def test_the_workers_fetch_the_scenarios_from_the_master_and_fork_as_asked():
    master = MasterAddress("10.0.0.5", 6000)
    one = worker_command(master, 1)
    assert one[-6:] == ["--worker", "--master-host", "10.0.0.5", "--master-port", "6000", "-f", "-"][-6:]
    assert "--processes" not in one and one[-2:] == ["-f", "-"]
    assert worker_command(master, 4)[-2:] == ["--processes", "4"]
    assert worker_command(master, -1)[-2:] == ["--processes", "-1"]


def test_the_open_file_limit_is_raised_to_the_hard_limit():
    import resource

    limits = prepare_host()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert limits.open_files == soft
    assert hard == resource.RLIM_INFINITY or soft == hard
    assert limits.cpus >= 1 and limits.port_range[0] <= limits.port_range[1]
    assert f"{limits.cpus} CPUs" in limits.describe()
