"""Errors of the local mediator; each message tells the user what to do."""

from collections.abc import Callable


class MediatorError(Exception):
    """Starting, stopping or talking to a local mediator failed."""


class ProvisionError(MediatorError):
    """A mediator runtime could not be installed (missing interpreter, pip failure)."""


class MediatorAdminError(MediatorError):
    """The mediator's admin API refused or did not answer a call."""


class AdminTimeout(MediatorAdminError):
    """The mediator accepted the call but gave no answer in time (frozen or overloaded)."""


def attempt_all(*steps: Callable[[], None]) -> None:
    """Run every step, even after one failed (each ends a process of its own); MediatorError naming every one
    that failed."""
    problems = []
    for step in steps:
        try:
            step()
        except MediatorError as err:
            problems.append(str(err))
    if problems:
        raise MediatorError("; ".join(problems))
