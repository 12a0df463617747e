"""The credential request a worker's users send, built once per process.

A W3C issuance needs the issuer's did:key: the first user that issues creates it
through the admin API and every other user of the process reuses it.
"""

from __future__ import annotations

import threading

from mediator_tui.locust_support.credentials import CredentialRequest, ledger_request, w3c_request
from mediator_tui.locust_support.issuer_admin import IssuerAdmin
from mediator_tui.locust_support.settings import ScenarioSettings

_lock = threading.Lock()
_request: CredentialRequest | None = None


def credential_request(admin: IssuerAdmin, settings: ScenarioSettings) -> CredentialRequest:
    global _request
    with _lock:
        if _request is None:
            if settings.cred_def:
                _request = ledger_request(
                    settings.cred_def, settings.schema, settings.cred_attr, settings.issuer_type, settings.is_anoncreds
                )
            else:
                _request = w3c_request(admin.create_did_key())
        return _request
