"""The seam between scenarios (locustfiles) and agent engines.

A scenario only ever sees `Agent` and the errors below, never which engine
runs it. Every operation blocks the calling greenlet only (engines cooperate
with gevent) and gives up after the agent's timeout with `AgentTimeout`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field

import gevent


class AgentError(Exception):
    """Base of every failure an agent operation reports; the message is kept whole."""

    kind = "agent"


class AgentTimeout(AgentError):
    kind = "timeout"


class ProblemReport(AgentError):
    """The other side answered with a DIDComm problem report; its text is the message."""

    kind = "problem_report"


class TransportError(AgentError):
    kind = "transport"


class ProtocolError(AgentError):
    """A message arrived that breaks the protocol (bad envelope, wrong state, missing field)."""

    kind = "protocol"


class AgentCrashed(AgentError):
    """The agent's process or connection died; `reason` says how (exit code, signal, stderr tail)."""

    kind = "crashed"

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or message


class AgentLimitError(AgentError):
    """A local limit (port pool, open files, local ports) refused a new agent."""

    kind = "capacity"


@dataclass
class StartOptions:
    with_mediation: bool = True
    mediation_url: str = ""
    # Only agents that listen (no mediation) hold a port from the pool.
    port: int | None = None
    agent_ip: str = "127.0.0.1"
    pickup_strategy: str = "implicit"
    # How the link to the mediator comes back after it dropped (RECONNECT_POLICY); engines that keep no link of
    # their own (credo: Credo reconnects as Credo does) ignore it.
    reconnect_policy: str = "backoff"


@dataclass
class ReceivedMessage:
    content: str
    connection_id: str = ""
    extra: dict = field(default_factory=dict)


class Agent(abc.ABC):
    """One simulated wallet."""

    timeout: float = 120.0
    _death_callback: Callable[[], None] | None = None

    @abc.abstractmethod
    def start(self, options: StartOptions) -> None:
        """Create a fresh wallet; when mediated, connect to the mediator and get mediation granted."""

    def resume(self, wallet: dict, options: StartOptions) -> None:
        """Come back as the wallet `saved_wallet` gave (an app restarted): reconnect to the mediator that knows
        it, without onboarding. ProblemReport when the mediator no longer knows it; an engine that cannot
        raises AgentError."""
        raise AgentError(f"{type(self).__name__} cannot resume a saved wallet")

    def saved_wallet(self) -> dict:
        """This agent's wallet as plain JSON, secrets included, for `resume` in a later run."""
        raise AgentError(f"{type(self).__name__} cannot save its wallet")

    @abc.abstractmethod
    def ping_mediator(self) -> None:
        """Trust ping with response requested over the mediator connection."""

    @abc.abstractmethod
    def receive_invitation(self, invitation_url: str) -> str:
        """Accept an OOB or `c_i` invitation; return the connection id once the connection completes."""

    @abc.abstractmethod
    def create_invitation(self) -> str:
        """An OOB invitation URL to this agent (routed through its mediator when mediated)."""

    @abc.abstractmethod
    def send_message(self, connection_id: str, content: str) -> None:
        """Send a basic message on a connection this agent holds."""

    @abc.abstractmethod
    def receive_message(self, timeout: float | None = None) -> ReceivedMessage:
        """Wait for the next basic message, up to `timeout` s (the agent's timeout when None)."""

    @abc.abstractmethod
    def receive_credential(self) -> dict:
        """Accept the next credential offer and return once the credential is stored."""

    def go_offline(self) -> None:
        """Close the link to the mediator and stop collecting, as a wallet whose app was closed: what the
        mediator holds for it stays there until `come_online`. An engine that cannot raises AgentError."""
        raise AgentError(f"{type(self).__name__} cannot go offline")

    def come_online(self) -> None:
        """Reopen the link to the mediator after `go_offline` and collect as its pickup strategy does (pickup
        v2 asks for the queued messages at once); returns once the request is out, not once they arrived."""
        raise AgentError(f"{type(self).__name__} cannot come back online")

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Stop the agent and release everything it holds; safe to call twice."""

    @property
    @abc.abstractmethod
    def alive(self) -> bool:
        """False once the agent has died or shut down."""

    # What its owner (the worker) reads of an agent; engines that have nothing to say keep the defaults.

    @property
    def crash_reason(self) -> str:
        """Why the agent died by itself (exit code or signal, lost mediator); empty while alive."""
        return ""

    @property
    def stderr_tail(self) -> str:
        """The last lines its process wrote on stderr; empty for an engine without a process of its own."""
        return ""

    @property
    def reconnects(self) -> int:
        """How many times its connection to the mediator was reopened."""
        return 0

    @property
    def pickup_messages(self) -> dict[str, int]:
        """messagepickup/2.0 (Aries RFC 0685) messages this agent sent to and received from its mediator, by
        message name: `status-request`, `live-delivery-change`, `delivery-request`, `messages-received` out,
        `status`, `delivery` in. Empty with implicit pickup: it shows which protocol carried the messages."""
        return {}

    @property
    def pid(self) -> int | None:
        """Its own process while it runs, for the memory figures; None when it runs in the worker."""
        return None

    def on_death(self, callback: Callable[[], None]) -> None:
        """Have `callback` called, in a greenlet of its own, the moment the agent dies by itself (its
        process exits, its mediator link gives up); not after `shutdown`. Owners learn of a death at once
        instead of polling `alive`."""
        self._death_callback = callback

    def _report_death(self) -> None:
        """For engines: the agent has just died by itself."""
        if self._death_callback is not None:
            # apart from the engine: whatever the owner does, the engine's own handling goes on
            gevent.spawn(self._death_callback)
