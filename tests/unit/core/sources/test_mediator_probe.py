"""The mediator probe's readers and runner on answers like the mediators' and broken ones (loopback stubs), and
its settings.

Real mediators are in tests/mediator/test_mediator_probe.py."""

import json
import os
import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from mediator_tui.core.config import load_config, validate
from mediator_tui.core.mediator.cpu_limit import CgroupPaths, limit_process
from mediator_tui.core.sources.probe import (
    AdminReader,
    MetricsReader,
    ProbeRunner,
    ProbeTarget,
    ProcessReader,
    probe_target,
)
from mediator_tui.core.sources.probe.backoff import Backoff
from tests.support.fake_cgroups import place, v2_host, write_stat
from tests.support.http_stub import QuietHandler, answering, closed_port_url, serving

SECRET = "x-api-key-sekrit-9876"

# What the project's Credo mediator serves (agent/mediator.js), cut down, plus a user's own series.
EXPOSITION = """\
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 151232512
# TYPE mediator_live_sessions gauge
mediator_live_sessions 7
# TYPE mediator_sessions_opened_total counter
mediator_sessions_opened_total 9
# TYPE mediator_sessions_closed_total counter
mediator_sessions_closed_total 2
# TYPE mediator_queued_messages gauge
mediator_queued_messages{tenant="a"} 3
mediator_queued_messages{tenant="b"} 4
# TYPE mediator_queue_oldest_age_seconds gauge
mediator_queue_oldest_age_seconds{tenant="a"} 1.5
mediator_queue_oldest_age_seconds{tenant="b"} 42
# TYPE db_pool_waiting gauge
db_pool_waiting{pool="askar"} 5
"""


# ---------------------------------------------------------------- metrics


def test_known_series_are_mapped_and_listed_ones_kept_as_served():
    with serving(answering(200, EXPOSITION)) as url:
        sample = MetricsReader(url + "/metrics", ["db_pool_waiting", "not_served"]).read()
    assert sample.error is None and not sample.stalled
    assert (sample.live_sessions, sample.sessions_opened, sample.sessions_closed) == (7, 9, 2)
    assert sample.queued_messages == 7  # label sets add up
    assert sample.queue_oldest_age_s == 42  # the oldest of them
    assert sample.process_cpu_seconds == 12.5 and sample.process_rss_bytes == 151232512
    assert sample.outbound_latency_count is None  # not served: unknown, not 0
    assert dict(sample.extra) == {'db_pool_waiting{pool="askar"}': 5.0}
    assert sample.missing == ("not_served",)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("hello world\n", "not Prometheus text"),
        ("<html><body>Welcome</body></html>", "not Prometheus text"),
        ('{"live": 3}', "not Prometheus text"),
        ("", "answered no metrics"),
        (b"\xff\xfe\x00garbage", "not text"),
    ],
)
def test_garbage_is_an_error_naming_the_endpoint(body, expected):
    with serving(answering(200, body)) as url:
        sample = MetricsReader(url + "/metrics").read()
    assert expected in sample.error and f"{url}/metrics" in sample.error
    assert sample.live_sessions is None and not sample.stalled


def test_a_metrics_endpoint_that_answers_nothing_is_an_error():
    url = closed_port_url() + "/metrics"
    sample = MetricsReader(url).read()
    assert url in sample.error and "refused" in sample.error.lower()


def test_a_metrics_endpoint_that_does_not_answer_in_time_is_stalled():
    with serving(answering(200, EXPOSITION, delay=1.5)) as url:
        sample = MetricsReader(url + "/metrics", timeout_s=0.3).read()
    assert sample.stalled and "no answer within 0.3 s" in sample.error
    assert sample.took_s < 1.5  # it gave up: waiting for the answer takes the endpoint's whole delay


def test_a_metrics_endpoint_answering_404_says_so():
    with serving(answering(404, "no such page")) as url:
        sample = MetricsReader(url + "/wrong").read()
    assert "HTTP 404" in sample.error


# ---------------------------------------------------------------- ACA-Py admin API


def acapy_1_7(connections: int, page_default: int = 100, seen_headers: list | None = None):
    """An admin API answering as ACA-Py 1.7.0 does: paged lists, a warm-up self-connection."""
    records = [{"connection_id": f"c{i}", "state": "active"} for i in range(connections)]
    records += [
        {"connection_id": "w1", "state": "active", "alias": "mediator-tui-warmup"},
        {"connection_id": "w2", "state": "active", "alias": "mediator-tui-warmup"},
        {"connection_id": "inv", "state": "invitation"},
    ]
    mediations = [{"connection_id": f"c{i}", "role": "server", "state": "granted"} for i in range(connections)]
    mediations += [
        {"connection_id": "w1", "role": "server", "state": "granted"},
        {"connection_id": "w2", "role": "client", "state": "granted"},
    ]
    keys = [
        {"record_id": f"k{i}", "connection_id": f"c{i % max(connections, 1)}", "role": "server"}
        for i in range(2 * connections)
    ]

    class Handler(QuietHandler):
        def do_GET(self):
            if seen_headers is not None:
                seen_headers.append(self.headers.get("X-API-Key"))
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            limit, offset = int(query.get("limit", page_default)), int(query.get("offset", 0))
            answer = {
                "/status": {
                    "version": "1.7.0",
                    "label": "Mediator",
                    "conductor": {
                        "in_sessions": connections,
                        "out_encode": 1,
                        "out_deliver": 2,
                        "task_active": 1,
                        "task_done": 9,
                        "task_failed": 0,
                        "task_pending": 0,
                    },
                },
                "/connections": {"results": records[offset : offset + limit]},
                "/mediation/requests": {"results": mediations},
                "/mediation/keylists": {"results": keys[offset : offset + limit]},
            }[parts.path]
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def test_admin_status_and_counts_of_a_paged_api_leave_the_warm_up_out():
    headers_seen = []
    with serving(acapy_1_7(150, seen_headers=headers_seen)) as url:
        reader = AdminReader(url, {"X-API-Key": SECRET})
        status, counts = reader.read_status(), reader.read_counts()
    assert status.error is None and (status.version, status.sessions, status.outbound_queued) == ("1.7.0", 150, 3)
    assert counts.error is None
    assert dict(counts.connections_by_state) == {"active": 150, "invitation": 1}
    assert counts.active_connections == 150
    assert counts.granted_mediations == 150 and counts.keylist_routes == 300
    assert headers_seen and set(headers_seen) == {SECRET}


def test_wrong_admin_headers_give_the_401_and_never_the_header_value():
    with serving(answering(401, '{"message": "Unauthorized"}', content_type="application/json")) as url:
        reader = AdminReader(url, {"X-API-Key": SECRET})
        status, counts = reader.read_status(), reader.read_counts()
    for sample in (status, counts):
        assert "HTTP 401" in sample.error and url in sample.error
        assert SECRET not in sample.error and SECRET not in repr(sample)
    assert status.sessions is None and counts.connections_by_state is None


def test_while_the_status_call_fails_the_list_calls_are_not_made_one_message_for_one_fault():
    with serving(answering(401, '{"message": "Unauthorized"}', content_type="application/json")) as url:
        runner = ProbeRunner(
            ProbeTarget(admin_url=url, admin_headers={"X-API-Key": SECRET}),
            lambda sample: None,
            interval_s=0.0,
            counts_every_s=0.0,
        )
        samples = [runner.tick() for _ in range(3)]
    assert "HTTP 401" in samples[0].admin_status.error
    assert all(sample.admin_counts is None for sample in samples)


def test_a_wrong_admin_url_is_an_error_not_an_exception():
    url = closed_port_url()
    status = AdminReader(url).read_status()
    assert url in status.error and not status.stalled


def test_an_admin_api_that_is_not_acapy_is_named_as_such():
    with serving(answering(200, '["a", "list"]', content_type="application/json")) as url:
        status = AdminReader(url).read_status()
        counts = AdminReader(url).read_counts()
    assert "not a JSON object" in status.error and "not a JSON object" in counts.error


def test_an_admin_api_that_does_not_answer_in_time_is_stalled():
    with serving(answering(200, "{}", delay=1.5)) as url:
        status = AdminReader(url, timeout_s=0.3).read_status()
    assert status.stalled and "no answer within 0.3 s" in status.error


# ---------------------------------------------------------------- process


def test_process_figures_of_this_process_and_its_held_connections():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    accepted = [listener.accept()[0] for _ in clients]
    try:
        reader = ProcessReader(os.getpid(), ports=(port,))
        window_from = time.monotonic()
        first = reader.read()
        deadline = time.process_time() + 0.3
        while time.process_time() < deadline:
            pass
        second = reader.read()
        window_s = time.monotonic() - window_from
        listening = ProcessReader(os.getpid(), ports=None).read()
    finally:
        for s in clients + accepted + [listener]:
            s.close()
    assert first.cpu_percent is None  # no previous sample to take a delta from
    # The 0.3 s of CPU burnt between the readings, over at most the window around them (whatever share of a
    # core a loaded host gave this process); 20 ms off for the kernel's 10 ms ticks at either end.
    assert second.error is None and second.cpu_percent >= 100 * (0.3 - 0.02) / window_s
    assert second.rss_bytes > 0 and second.uss_bytes > 0 and second.open_fds >= 7 and second.threads >= 1
    assert second.established == 3 and second.ports == (port,)
    assert port in listening.ports and listening.established >= 3
    assert not second.stalled


def test_the_throttling_of_the_process_cgroup_is_read_with_its_figures(tmp_path):
    paths = v2_host(tmp_path)
    group = limit_process(os.getpid(), 0.5, "mediator", paths)  # a fake tree: this process stays where it is
    write_stat(group, 40, 9, 1.25)
    place(paths, os.getpid(), group)
    sample = ProcessReader(os.getpid(), ports=(), cgroups=paths).read()
    assert sample.error is None and (sample.throttled_periods, sample.throttled_s) == (9, 1.25)
    assert (sample.cfs_periods, sample.cpu_limit_cores) == (40, 0.5)
    # A host whose cgroups it cannot read leaves them unknown, the rest read as before.
    blind = ProcessReader(os.getpid(), ports=(), cgroups=CgroupPaths(mounts=tmp_path / "none")).read()
    assert blind.error is None and blind.rss_bytes > 0 and blind.throttled_periods is blind.throttled_s is None
    assert blind.cfs_periods is blind.cpu_limit_cores is None


def test_a_process_that_is_gone_is_an_error():
    sample = ProcessReader(2**22 + 17).read()
    assert sample.error == f"process {2**22 + 17} is gone" and sample.rss_bytes is None


# ---------------------------------------------------------------- runner


def test_backoff_doubles_up_to_its_cap_and_returns_at_once():
    schedule = Backoff(1.0, max_interval_s=15.0)
    intervals = []
    for _ in range(6):
        schedule.done(0.0, healthy=False)
        intervals.append(schedule.interval_s)
    assert intervals == [2.0, 4.0, 8.0, 15.0, 15.0, 15.0]
    assert not schedule.due(14.0) and schedule.due(15.0)
    schedule.done(20.0, healthy=True)
    assert schedule.interval_s == 1.0


def test_a_stalled_admin_api_stays_reported_between_backed_off_readings():
    with serving(answering(200, "{}", delay=1.0)) as url:
        runner = ProbeRunner(ProbeTarget(pid=os.getpid(), admin_url=url), lambda sample: None)
        runner._admin = AdminReader(url, timeout_s=0.2, counts_timeout_s=0.2)
        first, second = runner.tick(), runner.tick()
    assert first.admin_status.stalled and "admin status" in first.stalled_by
    assert second.admin_status is None  # backed off: not read again at once
    assert "admin status" in second.stalled_by
    assert second.process.error is None  # the local reading goes on


def test_the_runner_delivers_on_its_interval_never_ahead_and_survives_its_callback():
    samples = []
    five = threading.Event()

    def deliver(sample):
        samples.append(sample)
        if len(samples) == 5:
            five.set()
        raise RuntimeError("a broken consumer")

    interval_s = 0.2
    with serving(answering(200, EXPOSITION)) as url:
        with ProbeRunner(ProbeTarget(pid=os.getpid(), metrics_url=url), deliver, interval_s=interval_s):
            # Generous: five ticks come within a second on an idle host, later on a loaded one.
            assert five.wait(30.0), f"{len(samples)} samples in 30 s"
    # Ticks keep to a grid of the interval and never run ahead of it, however late the host ran any of
    # them (a late tick is followed at once by one more, not by a burst): the readings' own clocks say
    # when each tick began.
    since_first = [sample.at - samples[0].at for sample in samples]
    assert all(seconds >= k * interval_s - 0.01 for k, seconds in enumerate(since_first)), since_first
    readings = [s.metrics for s in samples if s.metrics is not None]  # a slow read backs off a tick
    assert samples[0].metrics is not None and all(m.live_sessions == 7 for m in readings)
    assert not any(s.stalled for s in samples)
    assert samples[-1].process.cpu_percent is not None
    assert not any(t.name == "mediator-probe" for t in threading.enumerate())


# ---------------------------------------------------------------- settings


def test_probe_settings_validate_and_make_a_target():
    values, problems = validate(
        {
            "MEDIATOR_PID": "4242",
            "MEDIATOR_ADMIN_URL": "http://10.0.0.5:8031/",
            "MEDIATOR_ADMIN_HEADERS": json.dumps({"x-api-key": SECRET}),
            "MEDIATOR_METRICS_URL": "http://10.0.0.5:9464/metrics",
            "MEDIATOR_METRICS": "db_pool_waiting, nodejs_heap_size_used_bytes",
        }
    )
    assert not [p for p in problems if p.key.startswith("MEDIATOR_")]
    target = probe_target(values)
    assert target == ProbeTarget(
        pid=4242,
        ports=None,
        admin_url="http://10.0.0.5:8031",
        admin_headers={"x-api-key": SECRET},
        metrics_url="http://10.0.0.5:9464/metrics",
        metric_names=("db_pool_waiting", "nodejs_heap_size_used_bytes"),
    )
    assert target.sources == ("process", "admin", "metrics")
    assert target.probe_ports() == (8031, 9464)
    assert SECRET not in repr(target)


def test_no_probe_settings_and_no_embedded_mediator_read_nothing():
    values, _ = validate({})
    assert probe_target(values).sources == ()


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("MEDIATOR_PID", "12ab", "is not a process id"),
        ("MEDIATOR_PID", "0", "is not a process id"),
        ("MEDIATOR_ADMIN_URL", "localhost:8031", "is not an http(s) URL"),
        ("MEDIATOR_METRICS_URL", "ftp://host/metrics", "is not an http(s) URL"),
        ("MEDIATOR_METRICS", "ok_name, 9bad, also-bad", "no Prometheus series name: 9bad, also-bad"),
        ("MEDIATOR_ADMIN_HEADERS", '["x-api-key"]', "must be a JSON object"),
    ],
)
def test_bad_probe_settings_are_named(key, value, message):
    _, problems = validate({key: value})
    [problem] = [p for p in problems if p.key == key]
    assert message in str(problem)


def test_mediator_admin_headers_are_a_masked_secret(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f'MEDIATOR_ADMIN_HEADERS=\'{{"x-api-key": "{SECRET}"\'\n')
    config = load_config(env, environ={}, strict=False)
    shown = " ".join(str(p) for p in config.problems) + json.dumps(config.masked())
    assert SECRET not in shown and "MEDIATOR_ADMIN_HEADERS" in shown
    assert config.redactor()(f"GET failed with {SECRET}") == "GET failed with ****"
