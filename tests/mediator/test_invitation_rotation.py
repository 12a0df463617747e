"""Workers of a local run take fresh invitations from the embedded mediator every K onboardings."""

import json

from mediator_tui.common.invitation import decode_invitation_url
from mediator_tui.core.mediator import EMBEDDED_MEDIATOR_ENV
from mediator_tui.locust_support.settings import _invitation_source


def test_embedded_mediator_invitations_rotate_every_k(acapy_mediator, monkeypatch):
    monkeypatch.setenv(EMBEDDED_MEDIATOR_ENV, json.dumps(acapy_mediator.to_state()))
    next_invitation = _invitation_source(acapy_mediator.invitation_url, rotate_every=2)
    urls = [next_invitation() for _ in range(5)]
    assert urls[0] == urls[1] != urls[2] == urls[3] != urls[4]
    assert all(decode_invitation_url(url).kind == "oob" for url in urls)
