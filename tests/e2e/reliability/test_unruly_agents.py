"""Agent processes that print garbage, print a huge line or stop answering, inside a real Locust worker:
each gives its own user a typed failure; the worker, and the other users on it, carry on."""

from __future__ import annotations

import time

from .conftest import DATA


def test_misbehaving_agents_fail_their_own_users_only(acapy_mediator, local_run):
    run = local_run(
        {"MEDIATION_URL": acapy_mediator.invitation_url, "VERIFIED_TIMEOUT_SECONDS": "2"},
        DATA / "unruly_wallets.py",
        workers=1,
        users=4,
        spawn_rate=4,
    )
    run.local.start()

    def every_misbehaviour_seen(snapshot):
        errors = " ".join(f.error for f in snapshot.failures if f.name == "ping_mediator")
        return all(word in errors for word in ("not JSON", "limit", "AgentTimeout")) and snapshot

    first = run.wait_for(every_misbehaviour_seen, 40, "a failure of each kind")
    control = run.row("control_ping")
    time.sleep(4.0)
    later = run.snapshot()
    now = next(r for r in later.requests if r.name == "control_ping")
    assert now.count - control.count >= 5 and now.failures == 0, "the healthy wallet on the same worker stalled"
    assert later.status.worker_count == 1 and not later.status.missing_workers
    # A confused or mute agent is a failed operation, not a dead agent: nothing was restarted.
    assert later.agents.crashed == 0 and later.agents.running == 4
    errors = [f.error for f in later.failures]
    assert all(e.startswith(("ProtocolError", "AgentTimeout")) for e in errors), errors
    # The misbehaving agents are kept, and each of their tasks fails again, each time typed.
    before, after = (next(r for r in s.requests if r.name == "ping_mediator") for s in (first, later))
    assert after.failures > before.failures and after.count == after.failures
