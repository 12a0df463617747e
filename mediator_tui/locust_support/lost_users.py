"""No user lost silently: a Locust user that ends without being asked to is a failure row, and is replaced.

Locust 2.47 ends a user's greenlet when its `on_start` raises, when anything that is not an `Exception` escapes
a task (gevent's `Timeout`, a `GreenletExit` from a kill) or when a task raises `StopUser` (locust/user/users.py
`User.run`, locust/user/task.py `TaskSet.run`). Its runner then holds one user fewer and never starts another:
a 5,000-user run fell to 4,946 users with nothing in its statistics to say why. Here such an end is a failure
row of type `user_lost` named after its reason (the exception's type and text), and a new user of the same
class takes its place a second later while the test still runs, so the run keeps the users asked for.

A user asked to stop (a ramp-down, the end of the test) calls `asked_to_stop()` first and is not counted.

An exception a task raises outside any timed step does not end the user (Locust logs it and goes on), but
it is no less a failure: it is a row of type `user_error`, named the same way. One a step raised is its
step's failure row already (`steps.run_step` marks it), and is not counted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import gevent
from gevent import Greenlet
from locust import User, events

from mediator_tui.locust_support.settings import scenario_settings

USER_LOST = "user_lost"
USER_ERROR = "user_error"
REPORTED = "_mediator_tui_reported"  # set on an exception a step's failure row already counts
REPLACE_AFTER_S = 1.0  # so that a user that fails at once does not spin its worker
NAME_CHARS = 160  # a row's name: the reason, cut (its whole text is the failure's error)
RUNNING = ("spawning", "running")

log = logging.getLogger(__name__)


class UserLost(Exception):
    """Why a user ended without being asked to, or why its task failed outside any step."""


def watch(user: User, release: Callable[[], None]) -> None:
    """Count `user`'s end as a loss unless it was asked to stop; `release` frees what it held (its agents):
    its `on_stop` is not called when an exception ended it."""
    greenlet = user.greenlet
    if greenlet is not None:
        greenlet.link(lambda ended: _ended(user, ended, release))


def _ended(user: User, greenlet: Greenlet, release: Callable[[], None]) -> None:
    runner = user.environment.runner
    if getattr(user, "_stop_asked", False) or runner is None or runner.state not in RUNNING:
        return
    try:
        release()
    except Exception:  # the loss is counted whatever freeing its agents did
        log.exception("releasing the agents of a lost user failed")
    reason = lost_reason(greenlet)
    log.error("a %s user was lost: %s", type(user).__name__, reason)
    _failure_row(user.environment, USER_LOST, reason)
    gevent.spawn_later(REPLACE_AFTER_S, _replace, user)


@events.user_error.add_listener
def _task_error(user_instance: object, exception: BaseException, **_kwargs: object) -> None:
    # Locust passes the user itself when its on_start raised (the user then ends: `_ended` counts it), and
    # the task set running the task otherwise.
    if isinstance(user_instance, User) or getattr(exception, REPORTED, False):
        return
    user = getattr(user_instance, "user", None)
    if isinstance(user, User):
        _failure_row(user.environment, USER_ERROR, describe(exception))


def _failure_row(environment: object, request_type: str, reason: str) -> None:
    reason = scenario_settings().redact(reason)
    environment.events.request.fire(  # type: ignore[attr-defined]
        request_type=request_type,
        name=reason[:NAME_CHARS],
        response_time=0,
        response_length=0,
        exception=UserLost(reason),
        context={},
    )


def asked_to_stop(user: User) -> None:
    user._stop_asked = True  # type: ignore[attr-defined]


def lost_reason(greenlet: Greenlet) -> str:
    exception = greenlet.exception
    if exception is None:
        return "the user stopped without being asked to (its greenlet was killed, or a task raised StopUser)"
    return describe(exception)


def describe(exception: BaseException) -> str:
    text = str(exception).strip()
    return f"{type(exception).__name__}: {text}" if text else type(exception).__name__


def _replace(user: User) -> None:
    runner = user.environment.runner
    if runner is not None and runner.state in RUNNING:
        runner.spawn_users({type(user).__name__: 1})
