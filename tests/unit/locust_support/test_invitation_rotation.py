"""Without an embedded mediator, workers use the configured invitation (the rotation itself, against a real
mediator: tests/mediator/test_invitation_rotation.py)."""

from mediator_tui.core.mediator import EMBEDDED_MEDIATOR_ENV
from mediator_tui.locust_support.settings import _invitation_source


def test_without_embedded_mediator_the_configured_invitation_is_used(monkeypatch):
    monkeypatch.delenv(EMBEDDED_MEDIATOR_ENV, raising=False)
    next_invitation = _invitation_source("http://127.0.0.1:1?oob=abc", rotate_every=2)
    assert {next_invitation() for _ in range(4)} == {"http://127.0.0.1:1?oob=abc"}
