"""Credo agent processes die by SIGKILL mid-run: noticed at once, counted with their reason, replaced,
and nothing of theirs (process, pipe, port) outlives them.

Waits between tasks are longer than the detection bound on purpose: a crash must be seen when it
happens, not at the user's next task (the lazy detection of the tool we replace).
"""

from __future__ import annotations

import random
import signal
import time

import psutil
import pytest

from mediator_tui.agents.credo import setup
from mediator_tui.agents.interface import AgentError

from .conftest import LOCUSTFILES

AGENTS = 10
DETECTION_S = 2.0


def _credo_installed() -> str:
    try:
        setup.node_binary()
        setup.script("agent.js")
        setup.child_environment()
    except AgentError as error:
        return str(error)
    return ""


def agent_processes(worker_pids: list[int]) -> list[psutil.Process]:
    found = []
    for pid in worker_pids:
        try:
            found += [p for p in psutil.Process(pid).children() if "agent.js" in " ".join(p.cmdline())]
        except psutil.NoSuchProcess:
            continue
    return found


def open_files(worker_pids: list[int]) -> int:
    return sum(psutil.Process(pid).num_fds() for pid in worker_pids)


@pytest.mark.skipif(bool(_credo_installed()), reason=f"credo engine not installed: {_credo_installed()}")
def test_killed_credo_agents_are_seen_counted_replaced_and_leave_nothing(acapy_mediator, local_run):
    run = local_run(
        {
            "MEDIATION_URL": acapy_mediator.invitation_url,
            "AGENT_ENGINE": "credo",
            "LOCUST_MIN_WAIT": "5",
            "LOCUST_MAX_WAIT": "6",
            "VERIFIED_TIMEOUT_SECONDS": "20",
            "LOG_LEVEL": "info",
        },  # the agents write to stderr: a crash must carry its last lines
        LOCUSTFILES / "locustMediatorPing.py",
        users=AGENTS,
        spawn_rate=AGENTS,
    )
    run.local.start()
    run.wait_for(lambda s: s.agents.running == AGENTS and s, 120, f"{AGENTS} credo agents up")
    workers = run.worker_pids()
    before = agent_processes(workers)
    assert len(before) == AGENTS
    files_before = open_files(workers)

    victims = random.sample(before, max(1, AGENTS // 10))
    time.sleep(random.uniform(0.0, 3.0))
    killed_at = time.time()
    for victim in victims:
        victim.send_signal(signal.SIGKILL)

    seen = run.wait_for(lambda s: s.agents.crashed >= len(victims) and s, 10, "the crashes counted")
    for crash in seen.agents.recent_crashes:
        assert crash.ts - killed_at < DETECTION_S, f"crash noticed {crash.ts - killed_at:.1f} s after the kill"
        assert "SIGKILL" in crash.reason and crash.stderr_tail.strip(), crash
    assert seen.agents.crashed == len(victims)

    back = run.wait_for(
        lambda s: s.agents.running == AGENTS and s.agents.restarted >= len(victims) and s,
        60,
        "the killed agents replaced",
    )
    assert back.agents.crashed == len(victims)
    after = agent_processes(workers)
    assert len(after) == AGENTS and not {p.pid for p in victims} & {p.pid for p in after}
    assert not [p for p in after if p.status() == psutil.STATUS_ZOMBIE]
    assert open_files(workers) <= files_before + 2, "pipes of the dead agents stay open"
    assert back.ports.in_use == 0  # mediated agents hold no port

    run.local.stop()
    deadline = time.monotonic() + 15
    while agent_processes(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not agent_processes(workers), "agent processes outlived their users"
