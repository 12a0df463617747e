"""The master client says what is wrong in words a user can act on, and sends credentials when given."""

import base64
import json

import pytest

from mediator_tui.core.metrics.store import MetricStore
from mediator_tui.core.run.target import describe_target
from mediator_tui.core.sources.master_api import MasterClient, MasterError
from mediator_tui.core.sources.poller import Poller
from tests.support.http_stub import QuietHandler, closed_port_url, serving
from tests.support.paths import DATA

STATS = {"stats": [], "errors": [], "state": "ready", "user_count": 0, "workers": []}


class FakeMaster(QuietHandler):
    routes: dict = {}
    seen: list = []

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self):
        type(self).seen.append((self.command, self.path, self.headers.get("Authorization")))
        status, body = type(self).routes.get(self.path, (404, "not found"))
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def master():
    FakeMaster.routes, FakeMaster.seen = {}, []
    with serving(FakeMaster) as url:
        yield FakeMaster, url


def test_basic_auth_is_sent_and_a_refusal_names_the_credentials(master):
    fake, url = master
    fake.routes["/stats/requests"] = (401, "no")
    with pytest.raises(MasterError, match="wants credentials"):
        MasterClient(url, "ops", "s3cret").stats()
    assert fake.seen[-1][2] == "Basic " + base64.b64encode(b"ops:s3cret").decode()


def test_credentials_in_the_url_are_basic_auth_kept_across_a_redirect_to_the_same_host():
    seen = []

    class Moved(QuietHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Authorization")))
            if not self.path.startswith("/moved"):
                self.send_response(307)
                self.send_header("Location", "/moved" + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = json.dumps(STATS).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with serving(Moved) as url:
        client = MasterClient(url.replace("http://", "http://ops:p%40ss@"))
        assert client.stats()["state"] == "ready"
    assert client.base_url == url  # what every message shows
    basic = "Basic " + base64.b64encode(b"ops:p@ss").decode()
    assert seen == [("/stats/requests", basic), ("/moved/stats/requests", basic)]


def test_a_web_server_that_is_not_a_locust_master_is_named_so(master):
    fake, url = master
    fake.routes["/stats/requests"] = (200, "<html>hello</html>")
    with pytest.raises(MasterError, match="did not answer JSON"):
        MasterClient(url).stats()
    fake.routes["/stats/requests"] = (200, {"hello": "world"})
    with pytest.raises(MasterError, match="not like a Locust master"):
        MasterClient(url).stats()


@pytest.mark.parametrize(
    ("status", "body", "lasting"),
    [
        (401, "no", True),  # credentials wanted: the same ones get the same answer
        (403, "no", True),
        (404, "not found", True),  # a --headless master serves no web API
        (400, "bad", True),
        (200, "<html>hello</html>", True),  # not JSON
        (200, {"hello": "world"}, True),  # JSON, not a master's
        (500, "oops", False),  # a master failing for a while
        (502, "bad gateway", False),  # a proxy in front of a master still starting
        (503, "busy", False),
        (429, "slow down", False),
    ],
)
def test_an_answer_that_will_not_change_by_waiting_is_a_lasting_error(master, status, body, lasting):
    fake, url = master
    fake.routes["/stats/requests"] = (status, body)
    with pytest.raises(MasterError) as raised:
        MasterClient(url).stats()
    assert raised.value.lasting is lasting


def test_a_master_not_listening_yet_is_not_a_lasting_error():
    with pytest.raises(MasterError, match="connection refused") as raised:
        MasterClient(closed_port_url()).stats()
    assert not raised.value.lasting


def test_the_poller_tells_the_status_whether_the_error_lasts(master):
    fake, url = master
    store = MetricStore("attached", url)
    poller = Poller(MasterClient(url), store)
    fake.routes["/stats/requests"] = (401, "no")
    poller.poll_once()
    assert store.snapshot().status.error_lasting
    fake.routes["/stats/requests"] = (503, "busy")
    poller.poll_once()
    assert not store.snapshot().status.error_lasting and "HTTP 503" in store.snapshot().status.error
    fake.routes["/stats/requests"] = (401, "no")
    poller.poll_once()
    fake.routes["/stats/requests"] = (200, STATS)
    poller.poll_once()
    assert store.snapshot().status.connected and not store.snapshot().status.error_lasting


def test_no_agent_route_is_none_not_an_error(master):
    _fake, url = master
    assert MasterClient(url).agents() is None


def test_a_refused_swarm_carries_locusts_reason(master):
    fake, url = master
    fake.routes["/swarm"] = (200, {"success": False, "message": "Missing or invalid user_count"})
    with pytest.raises(MasterError, match="invalid user_count"):
        MasterClient(url).swarm(-1, 1)


def test_the_poller_feeds_the_store_and_recovers_when_the_master_answers_again(master):
    fake, url = master
    store = MetricStore("attached", url)
    poller = Poller(MasterClient(url), store)
    assert not poller.poll_once()
    assert not store.snapshot().status.connected
    assert "not a Locust master" in store.snapshot().status.error
    fake.routes["/stats/requests"] = (200, STATS)
    assert poller.poll_once()
    snapshot = store.snapshot()
    assert snapshot.status.connected and snapshot.status.state == "ready" and snapshot.status.error == ""


RUNNING = {
    **STATS,
    "state": "running",
    "user_count": 2,
    "stats": [
        {"method": "DIDComm", "name": "ping_mediator", "num_requests": 5, "num_failures": 0},
        {"method": None, "name": "Aggregated", "num_requests": 5, "num_failures": 0},
    ],
}


def agents_view(version=1) -> dict:
    view = json.loads((DATA / "agents_route.json").read_text())
    view["version"] = version
    return view


@pytest.mark.parametrize(
    ("route", "body", "what"),
    [
        ("/mediator-tui/agents", agents_view(version=2), "agent metrics version 2"),
        (
            "/mediator-tui/agents",
            {k: v for k, v in agents_view().items() if k != "version"},
            "agent metrics without a version (an older release)",
        ),
        ("/mediator-tui/requests", {"version": 7, "entries": [], "total": None}, "request histograms version 7"),
    ],
)
def test_a_master_of_another_release_is_named_on_the_status_line_not_shown_as_zeros(master, route, body, what):
    fake, url = master
    fake.routes["/stats/requests"] = (200, RUNNING)
    fake.routes["/mediator-tui/agents"] = (200, agents_view())
    fake.routes[route] = (200, body)
    store = MetricStore("attached", url)
    assert Poller(MasterClient(url), store).poll_once()
    snapshot = store.snapshot()
    version = route.split("/")[-1]
    assert snapshot.status.error == (
        f"the master serves {what}, this mediator-tui reads version 1: use the same release on both"
    )
    assert snapshot.status.state == "running" and snapshot.total.count == 5  # Locust's own figures still show
    if version == "agents":
        assert not snapshot.agents.known and not snapshot.memory.known and not snapshot.ports.known
    else:
        assert snapshot.agents.running == 10 and snapshot.total.percentile_source != "histogram"


def test_a_worker_of_another_release_is_named_on_the_status_line(master):
    fake, url = master
    view = agents_view()
    view["refused"] = [
        "worker 'vm_c' sends agent reports version 2, this master reads version 1: use the same release on both"
    ]
    fake.routes["/stats/requests"] = (200, RUNNING)
    fake.routes["/mediator-tui/agents"] = (200, view)
    store = MetricStore("attached", url)
    assert Poller(MasterClient(url), store).poll_once()
    snapshot = store.snapshot()
    assert "worker 'vm_c' sends agent reports version 2" in snapshot.status.error
    assert snapshot.agents.running == 10  # the workers of this release still count


def test_the_histograms_route_gives_exact_interval_percentiles_and_uncached_counts(master):
    fake, url = master
    fake.routes["/stats/requests"] = (200, RUNNING)  # never changes: Locust's cache
    store = MetricStore("attached", url, rate_window_s=10.0)
    poller = Poller(MasterClient(url), store)
    for count, buckets in ((100, {"900": 100}), (200, {"900": 100, "10": 95, "30": 5})):
        row = {"num_requests": count, "num_failures": 0, "response_times": buckets}
        fake.routes["/mediator-tui/requests"] = (
            200,
            {
                "version": 1,
                "total": {"method": "", "name": "", **row},
                "entries": [{"method": "DIDComm", "name": "ping_mediator", **row}],
            },
        )
        assert poller.poll_once()
    ping = store.snapshot().requests[0]
    assert ping.count == 200 and ping.percentile_source == "histogram"
    # Locust's rank convention: the p95 of 100 requests is request 96, the first of the five at 30 ms.
    assert (ping.interval_p50_ms, ping.interval_p95_ms, ping.interval_p99_ms) == (10.0, 30.0, 30.0)
    assert ("GET", "/mediator-tui/requests", None) in fake.seen


class FlakyClient:
    """A master client whose first read fails with an error nobody planned for."""

    def __init__(self):
        self.reads = 0

    def agents(self):
        return None

    def histograms(self):
        return None

    def stats(self):
        self.reads += 1
        if self.reads == 1:
            raise RecursionError("maximum recursion depth exceeded while decoding a JSON object")
        return STATS


def test_the_poller_thread_survives_any_error_shows_it_and_keeps_polling():
    store = MetricStore("attached", "http://127.0.0.1:1")
    assert not Poller(FlakyClient(), store).poll_once()
    assert "RecursionError" in store.snapshot().status.error

    client = FlakyClient()
    poller = Poller(client, store, every_s=0.01)
    poller.start()  # its first read raises
    try:
        for _ in range(3):
            assert poller.wait_for_poll(5.0)
    finally:
        poller.stop()
    assert client.reads >= 3 and store.snapshot().status.connected


def test_the_target_is_the_invitations_endpoint_without_its_password():
    message = {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation",
        "services": [{"recipientKeys": ["did:key:z6Mk"], "serviceEndpoint": "https://user:pw@mediator.example:443"}],
    }
    url = "https://mediator.example?oob=" + base64.urlsafe_b64encode(json.dumps(message).encode()).decode()
    assert describe_target(url) == "https://user:****@mediator.example:443"
    assert describe_target("") == ""
    assert "cannot be decoded" in describe_target("https://mediator.example?oob=!!")


def test_the_target_of_an_invitation_whose_services_are_dids_is_the_did():
    message = {"@type": "https://didcomm.org/out-of-band/1.1/invitation", "services": ["did:peer:2.Vz6Mk"]}
    url = "https://mediator.example?oob=" + base64.urlsafe_b64encode(json.dumps(message).encode()).decode()
    assert describe_target(url) == "did:peer:2.Vz6Mk"
    message["services"].append({"recipientKeys": ["did:key:z6Mk"], "serviceEndpoint": "ws://mediator.example"})
    url = "https://mediator.example?oob=" + base64.urlsafe_b64encode(json.dumps(message).encode()).decode()
    assert describe_target(url) == "ws://mediator.example"
