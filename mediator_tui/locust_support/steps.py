"""One timed step of a scenario, reported as a Locust request row.

Rows are named for what the user reads (`didcomm ping_mediator`, `admin POST
/issue-credential-2.0/send`), not for the caller's file. An expected failure (an
agent error, an admin call that failed) is reported with its own text and ends the
task; anything else is reported too and then raised, so Locust keeps its traceback.
Failure texts are scrubbed of secret settings before they leave the worker: an issuer
may echo the request's headers (its API key) in an error body.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from locust.exception import RescheduleTask

from mediator_tui.agents.interface import AgentError
from mediator_tui.locust_support.issuer_admin import IssuerAdminError
from mediator_tui.locust_support.lost_users import REPORTED
from mediator_tui.locust_support.settings import scenario_settings

DIDCOMM = "didcomm"
ADMIN = "admin"


class StepFailed(RescheduleTask):
    """The step's failure is already reported; the task ends and the user waits for its next one."""


def run_step(events, request_type: str, name: str, fn: Callable[[], Any], started: float | None = None) -> Any:
    """`fn()` timed as row `name`; `started` (a `time.perf_counter()` value) moves the timer's start earlier."""
    started = time.perf_counter() if started is None else started
    try:
        result = fn()
    except Exception as exc:
        shown = scrubbed(exc)
        report(events, request_type, name, started, shown)
        if isinstance(exc, (AgentError, IssuerAdminError)):
            raise StepFailed(str(shown)) from exc
        setattr(exc, REPORTED, True)  # its row is this one: not a `user_error` row as well
        raise
    report(events, request_type, name, started, None)
    return result


def scrubbed(exc: Exception) -> Exception:
    """`exc`, or one of its kind with the secrets in its text masked."""
    text = str(exc)
    clean = scenario_settings().redact(text)
    if clean == text:
        return exc
    try:
        return type(exc)(clean)
    except Exception:
        return AgentError(clean)


def report(events, request_type: str, name: str, started: float, exc: BaseException | None) -> None:
    events.request.fire(
        request_type=request_type,
        name=name,
        response_time=(time.perf_counter() - started) * 1000.0,
        response_length=0,
        exception=exc,
        context={},
    )
