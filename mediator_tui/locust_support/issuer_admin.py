"""The issuer's ACA-Py admin API, as the issue and message scenarios use it.

Every call follows the tool's one HTTP policy (common/http_policy.py: a total deadline, a body cap, the
configured headers never sent to another origin on a redirect), and every call that does not answer 200
with JSON raises
`IssuerAdminError` carrying the method, path, status and the body ACA-Py sent. Each call
runs through `step(name, fn)` so the scenario can time it as its own row; the name
is the endpoint with ids left as placeholders (`POST /connections/{id}/send-message`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from mediator_tui.common.http_request import HttpCallError, printable, request
from mediator_tui.core.config.url_auth import split_userinfo
from mediator_tui.locust_support.credentials import CredentialRequest

HANDSHAKE_PROTOCOLS = ["https://didcomm.org/didexchange/1.1", "https://didcomm.org/didexchange/1.0"]
READY_STATES = {"active", "completed"}
POLL_INTERVAL_S = 0.1
BODY_CHARS = 500


class IssuerAdminError(Exception):
    """An admin call failed; the message says which call and what the issuer answered."""


def _direct(_name: str, fn: Callable[[], Any]) -> Any:
    return fn()


class IssuerAdmin:
    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        timeout: float,
        step: Callable[[str, Callable[[], Any]], Any] = _direct,
    ):
        # Credentials written into the URL are basic auth, as curl takes them; explicit headers win.
        given = split_userinfo(base_url)
        self.base_url = given.url.rstrip("/")
        self.timeout = timeout
        self.step = step
        explicit = any(name.lower() == "authorization" for name in headers)
        basic = {"Authorization": given.authorization} if given.authorization and not explicit else {}
        self.headers = {**basic, **headers, "Content-Type": "application/json"}

    def call(self, method: str, path: str, name: str | None = None, json: Any = None) -> dict[str, Any]:
        """One admin request, timed as row `name` (default: `METHOD path`); `json` is the body to send."""
        label = name or f"{method} {path}"
        answer: dict[str, Any] = self.step(label, lambda: self._request(method, path, json))
        return answer

    def _request(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        where = f"{method} {path.split('?')[0]}"
        if not self.base_url:
            raise IssuerAdminError(f"{where}: ISSUER_URL is empty; this scenario needs an issuer admin API")
        data = None if body is None else json.dumps(body).encode()
        try:
            answer = request(method, self.base_url + path, data, self.headers, timeout_s=self.timeout)
        except HttpCallError as exc:
            if exc.timed_out:
                raise IssuerAdminError(f"{where}: no answer within {self.timeout:g} s") from None
            raise IssuerAdminError(f"{where}: {exc}") from None
        text = printable(answer.body.decode(errors="replace"), BODY_CHARS)
        if answer.status != 200:
            raise IssuerAdminError(f"{where}: HTTP {answer.status}: {text}")
        try:
            decoded = json.loads(answer.body)
        except (ValueError, RecursionError):
            raise IssuerAdminError(f"{where}: answer is not JSON: {text}") from None
        if not isinstance(decoded, dict):
            raise IssuerAdminError(f"{where}: answer is not a JSON object: {text}")
        return decoded

    def status(self, name: str | None = None) -> dict[str, Any]:
        return self.call("GET", "/status", name=name)

    def create_invitation(self) -> dict[str, Any]:
        """A single-use OOB invitation: `invitation_url` and `invi_msg_id`."""
        body = self.call(
            "POST",
            "/out-of-band/create-invitation?auto_accept=true",
            name="POST /out-of-band/create-invitation",
            json={
                "handshake_protocols": HANDSHAKE_PROTOCOLS,
                "use_public_did": False,
                "my_label": "mediator-tui issuer",
            },
        )
        if not body.get("invitation_url") or not body.get("invi_msg_id"):
            raise IssuerAdminError(
                f"POST /out-of-band/create-invitation: answer lacks the invitation: {str(body)[:BODY_CHARS]}"
            )
        return body

    def ready_connection(self, invitation_msg_id: str) -> str:
        """The issuer's id of the connection made from an invitation, once it can carry messages.

        The wallet considers a connection done when it sends the exchange's last message;
        the issuer only when it has read it, so this polls briefly (bounded by the timeout).
        """
        deadline = time.monotonic() + self.timeout
        while True:
            body = self.call("GET", f"/connections?invitation_msg_id={invitation_msg_id}", name="GET /connections")
            for record in body.get("results") or []:
                if record.get("state") in READY_STATES or record.get("rfc23_state") == "completed":
                    return record["connection_id"]
            if time.monotonic() >= deadline:
                states = [r.get("state") for r in body.get("results") or []]
                raise IssuerAdminError(
                    f"GET /connections: connection of invitation {invitation_msg_id} "
                    f"not ready within {self.timeout:g} s (states {states})"
                )
            time.sleep(POLL_INTERVAL_S)

    def send_message(self, connection_id: str, content: str) -> dict[str, Any]:
        return self.call(
            "POST",
            f"/connections/{connection_id}/send-message",
            name="POST /connections/{id}/send-message",
            json={"content": content},
        )

    def create_did_key(self) -> str:
        body = self.call("POST", "/wallet/did/create", json={"method": "key", "options": {"key_type": "ed25519"}})
        did = (body.get("result") or {}).get("did")
        if not did:
            raise IssuerAdminError(f"POST /wallet/did/create: answer lacks a DID: {str(body)[:BODY_CHARS]}")
        return did

    def offer_credential(self, request: CredentialRequest, connection_id: str) -> dict[str, Any]:
        """Start an issuance the issuer completes by itself once the wallet requests it."""
        return self.call("POST", request.path, json=request.body(connection_id))

    def revoke_credential(self, request: CredentialRequest, sent: dict) -> dict[str, Any]:
        """Revoke (and publish the revocation of) the credential `offer_credential` answered `sent` for."""
        path = request.revocation_path

        def revoke() -> dict[str, Any]:
            try:
                body = request.revocation_body(sent)
            except ValueError as exc:
                raise IssuerAdminError(f"POST {path}: {exc}") from None
            return self._request("POST", path, body)

        return self.step(f"POST {path}", revoke)
