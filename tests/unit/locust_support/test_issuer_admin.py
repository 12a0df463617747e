"""The issuer admin client: every failure is an IssuerAdminError saying which call and what came back."""

import contextlib
import json
import time

import pytest

from mediator_tui.core.processes import free_loopback_ports
from mediator_tui.locust_support.credentials import ledger_request, w3c_request
from mediator_tui.locust_support.issuer_admin import IssuerAdmin, IssuerAdminError
from tests.support.http_stub import QuietHandler, serving


class FakeIssuer(QuietHandler):
    polls = 0
    seen_headers: dict = {}

    def do_GET(self):
        FakeIssuer.seen_headers = dict(self.headers)
        if self.path == "/status":
            return self.answer(503, "issuer shutting down")
        if self.path.startswith("/connections?invitation_msg_id=inv-1"):
            FakeIssuer.polls += 1
            state = "active" if FakeIssuer.polls >= 3 else "request"
            return self.answer(200, json.dumps({"results": [{"connection_id": "c-9", "state": state}]}))
        if self.path.startswith("/connections?invitation_msg_id=never"):
            return self.answer(200, json.dumps({"results": [{"connection_id": "c-1", "state": "request"}]}))
        if self.path == "/slow":
            time.sleep(1.5)
            with contextlib.suppress(BrokenPipeError):  # the client gave up waiting, as the test wants
                self.answer(200, "{}")
            return None
        return self.answer(200, "not json")

    def answer(self, status: int, body: str):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())


@pytest.fixture(scope="module")
def issuer_url():
    with serving(FakeIssuer) as url:
        yield url


def test_failing_status_is_an_error_with_the_issuers_answer(issuer_url):
    admin = IssuerAdmin(issuer_url, {"X-API-Key": "secret"}, timeout=2)
    with pytest.raises(IssuerAdminError, match="GET /status: HTTP 503: issuer shutting down"):
        admin.status()
    assert FakeIssuer.seen_headers["X-API-Key"] == "secret"


def test_slow_issuer_times_out(issuer_url):
    admin = IssuerAdmin(issuer_url, {}, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(IssuerAdminError, match=r"GET /slow: no answer within 0.3 s"):
        admin.call("GET", "/slow")
    assert time.monotonic() - started < 1.4


def test_unreachable_and_unset_issuers_are_errors():
    (port,) = free_loopback_ports(1)
    with pytest.raises(IssuerAdminError, match="GET /status: .*(refused|Connection)"):
        IssuerAdmin(f"http://127.0.0.1:{port}", {}, timeout=1).status()
    with pytest.raises(IssuerAdminError, match="ISSUER_URL is empty"):
        IssuerAdmin("", {}, timeout=1).status()


def test_non_json_answer_is_an_error(issuer_url):
    with pytest.raises(IssuerAdminError, match="answer is not JSON: not json"):
        IssuerAdmin(issuer_url, {}, timeout=2).call("GET", "/other")


def test_connection_is_returned_once_the_issuer_has_it_ready(issuer_url):
    names = []
    admin = IssuerAdmin(issuer_url, {}, timeout=5, step=lambda name, fn: (names.append(name), fn())[1])
    assert admin.ready_connection("inv-1") == "c-9"
    assert names == ["GET /connections"] * 3


def test_connection_never_ready_gives_up_at_the_timeout(issuer_url):
    admin = IssuerAdmin(issuer_url, {}, timeout=0.5)
    with pytest.raises(IssuerAdminError, match=r"not ready within 0.5 s \(states \['request'\]\)"):
        admin.ready_connection("never")


def test_w3c_request_uses_only_contexts_acapy_bundles():
    body = w3c_request("did:key:z6MkIssuer").body("conn-1")
    credential = body["filter"]["ld_proof"]["credential"]
    assert body["connection_id"] == "conn-1"
    assert credential["issuer"] == "did:key:z6MkIssuer"
    assert credential["@context"] == ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/citizenship/v1"]


@pytest.mark.parametrize(
    "issuer_type, anoncreds, path, fmt",
    [
        ("acapy", False, "/issue-credential/send", "indy-v1"),
        ("acapy_v2", False, "/issue-credential-2.0/send", "indy"),
        ("acapy", True, "/issue-credential-2.0/send", "anoncreds"),
    ],
)
def test_ledger_requests_pick_the_endpoint_users_expect(issuer_type, anoncreds, path, fmt):
    attrs = [{"name": "score", "value": "test"}]
    request = ledger_request(
        "Th7MpTaRZVRYnPiabds81Y:3:CL:1:default", "Th7MpTaRZVRYnPiabds81Y:2:prefs:1.0", attrs, issuer_type, anoncreds
    )
    assert (request.path, request.format) == (path, fmt)
    body = request.body("c-1")
    if fmt == "indy-v1":
        assert body["schema_name"] == "prefs" and body["credential_proposal"]["attributes"] == attrs
    else:
        assert body["filter"][fmt]["cred_def_id"].endswith(":CL:1:default")
        assert body["credential_preview"]["attributes"] == attrs


@pytest.mark.parametrize(
    "issuer_type, anoncreds, sent, path, exchange",
    [
        ("acapy", False, {"credential_exchange_id": "x1", "connection_id": "c"}, "/revocation/revoke", "x1"),
        ("acapy_v2", False, {"cred_ex_id": "x2", "connection_id": "c"}, "/revocation/revoke", "x2"),
        ("acapy", True, {"cred_ex_id": "x3", "connection_id": "c"}, "/anoncreds/revocation/revoke", "x3"),
    ],
)
def test_revocation_names_the_exchange_the_issuance_answered(issuer_type, anoncreds, sent, path, exchange):
    request = ledger_request("D:3:CL:1:default", "D:2:prefs:1.0", [], issuer_type, anoncreds)
    assert request.revocation_path == path
    body = request.revocation_body(sent)
    assert (body["cred_ex_id"], body["connection_id"], body["publish"]) == (exchange, "c", True)


def test_w3c_credentials_cannot_be_revoked_and_say_why():
    admin = IssuerAdmin("http://127.0.0.1:9", {}, timeout=1)
    with pytest.raises(IssuerAdminError, match="POST /revocation/revoke: revocation needs an Indy or AnonCreds"):
        admin.revoke_credential(w3c_request("did:key:z6Mk"), {"cred_ex_id": "x"})


def test_schema_that_is_not_an_indy_id_is_refused():
    with pytest.raises(ValueError, match="not an Indy schema id"):
        ledger_request("X:3:CL:1:default", "prefs", [], "acapy", False)
