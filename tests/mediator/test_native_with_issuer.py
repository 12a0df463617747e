"""The native engine against a real ACA-Py issuer: an ld_proof credential (issue-credential 2.0, holder
side) reaching the holder through a real mediator, and a basic message reaching an agent on its own port."""

import json
import socket
import time
import urllib.request
import uuid

from mediator_tui.agents.interface import StartOptions
from mediator_tui.agents.native.agent import NativeAgent

TIMEOUT = 30.0


def admin(issuer_url: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{issuer_url}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def permanent_resident_card(issuer_did: str) -> dict:
    # only contexts ACA-Py bundles: nothing is fetched from the web (docs/didcomm-quirks.md)
    return {
        "credential": {
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/citizenship/v1"],
            "type": ["VerifiableCredential", "PermanentResidentCard"],
            "issuer": issuer_did,
            "issuanceDate": "2024-01-01T00:00:00Z",
            "credentialSubject": {"type": ["PermanentResident"], "givenName": "ALICE", "familyName": "SMITH"},
        },
        "options": {"proofType": "Ed25519Signature2018"},
    }


def issuer_connection(issuer_url: str, label: str) -> dict:
    deadline = time.monotonic() + TIMEOUT
    while True:
        found = [
            c
            for c in admin(issuer_url, "GET", "/connections?limit=10000")["results"]
            if c.get("their_label") == label and c["state"] in ("active", "completed")
        ]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    [connection] = found
    return connection


def new_invitation(issuer_url: str) -> str:
    return admin(
        issuer_url,
        "POST",
        "/out-of-band/create-invitation",
        {"handshake_protocols": ["https://didcomm.org/didexchange/1.1"]},
    )["invitation_url"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unmediated_agent_on_its_own_port_receives_the_issuers_message(issuer):
    agent = NativeAgent(timeout=TIMEOUT, label=f"direct-{uuid.uuid4()}")
    agent.start(StartOptions(with_mediation=False, port=free_port()))
    try:
        agent.receive_invitation(new_invitation(issuer.admin_url))
        connection = issuer_connection(issuer.admin_url, agent.label)
        admin(
            issuer.admin_url,
            "POST",
            f"/connections/{connection['connection_id']}/send-message",
            {"content": "straight to your port"},
        )
        assert agent.receive_message().content == "straight to your port"
    finally:
        agent.shutdown()


def test_ld_proof_credential_is_received_stored_and_acknowledged(acapy_mediator, issuer):
    holder = NativeAgent(timeout=TIMEOUT, label=f"holder-{uuid.uuid4()}")
    holder.start(StartOptions(mediation_url=acapy_mediator.create_invitation()))
    try:
        holder.receive_invitation(new_invitation(issuer.admin_url))
        connection = issuer_connection(issuer.admin_url, holder.label)
        issuer_did = admin(
            issuer.admin_url, "POST", "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
        )["result"]["did"]
        admin(
            issuer.admin_url,
            "POST",
            "/issue-credential-2.0/send",
            {
                "connection_id": connection["connection_id"],
                "auto_remove": False,
                "filter": {"ld_proof": permanent_resident_card(issuer_did)},
            },
        )

        credential = holder.receive_credential()

        assert credential["issuer"] == issuer_did
        assert credential["credentialSubject"]["givenName"] == "ALICE"
        assert credential["proof"]["type"] == "Ed25519Signature2018"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            records = admin(
                issuer.admin_url, "GET", f"/issue-credential-2.0/records?connection_id={connection['connection_id']}"
            )["results"]
            states = [r["cred_ex_record"]["state"] for r in records]
            if states == ["done"]:
                break
            time.sleep(0.2)
        assert states == ["done"], "the issuer never saw our ack"
    finally:
        holder.shutdown()
