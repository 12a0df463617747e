"""`CredoAgent`: the agent interface over one Credo-ts Node process.

The process's death is noticed at once (a watcher waits on it): the command in
flight fails with `AgentCrashed` (or else the next call does), `alive` turns False,
`crash_reason` keeps the exit code or signal and `stderr_tail` the last stderr lines,
and the owner is told (`on_death`). The owner replaces a dead agent (as the Locust
user slots do).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

from gevent.queue import Empty, Queue

from mediator_tui.agents.credo import setup
from mediator_tui.agents.credo.channel import NodeChannel
from mediator_tui.agents.interface import (
    Agent,
    AgentCrashed,
    AgentError,
    AgentTimeout,
    ReceivedMessage,
    StartOptions,
)

log = logging.getLogger(__name__)

MESSAGES_KEPT = 1000
CRASHES_KEPT = 20


@dataclass(frozen=True)
class CrashRecord:
    ts: float
    pid: int
    reason: str
    stderr_tail: str


class CredoAgent(Agent):
    def __init__(self, timeout: float = 120.0, log_level: str = "", command: Sequence[str] | None = None):
        """`command` replaces `node agent/agent.js` (a stand-in agent in tests, or a custom script)."""
        self.timeout = timeout
        self.command = list(command) if command else None
        self.log_level = log_level
        self.crashes: deque[CrashRecord] = deque(maxlen=CRASHES_KEPT)
        self._reconnects = 0
        self._channel: NodeChannel | None = None
        self._options: StartOptions | None = None
        self._messages: Queue = Queue()
        self._mediator_sockets_opened = 0
        self._pickup_messages: Counter[str] = Counter()
        self._unreported_crash: CrashRecord | None = None
        self._shut_down = False

    # -- what owners and metrics read --------------------------------------------------------

    @property
    def alive(self) -> bool:
        return not self._shut_down and self._channel is not None and self._channel.running

    @property
    def pid(self) -> int | None:
        return self._channel.pid if self._channel is not None and self._channel.running else None

    @property
    def reconnects(self) -> int:
        """Reopened websockets to the mediator (the first one of the wallet is not a reconnect)."""
        return self._reconnects

    @property
    def pickup_messages(self) -> dict[str, int]:
        """Counted from the wallet's `pickup` events."""
        return dict(self._pickup_messages)

    @property
    def crash_reason(self) -> str:
        return self.crashes[-1].reason if self.crashes else ""

    @property
    def stderr_tail(self) -> str:
        if self.crashes:
            return self.crashes[-1].stderr_tail
        return self._channel.stderr_tail if self._channel is not None else ""

    # -- the agent interface ---------------------------------------------------------------

    def start(self, options: StartOptions) -> None:
        if self._shut_down:
            raise AgentError("start: agent was shut down")
        if self._options is not None:
            raise AgentError("start: agent already started")
        # After a failed start the process is still good to start again (it rebuilds its Agent).
        if self._channel is None or not self._channel.running:
            if self._channel is not None:
                self._channel.close()
            self._spawn()
        try:
            self._start_wallet(options)
        except AgentCrashed:
            self._unreported_crash = None  # the failed start is how the caller hears of it
            raise
        self._options = options

    def ping_mediator(self) -> None:
        self._call("ping_mediator")

    def receive_invitation(self, invitation_url: str) -> str:
        return str(self._call("receiveInvitation", invitationUrl=invitation_url)["connectionId"])

    def create_invitation(self) -> str:
        return str(self._call("createInvitation")["invitationUrl"])

    def send_message(self, connection_id: str, content: str) -> None:
        self._call("sendMessage", connectionId=connection_id, content=content)

    def receive_message(self, timeout: float | None = None) -> ReceivedMessage:
        # Messages come as events the moment they arrive, so none is lost to a timed-out wait.
        self._raise_unreported_crash()
        timeout = self.timeout if timeout is None else timeout
        try:
            event = self._messages.get(timeout=timeout)
        except Empty:
            raise AgentTimeout(f"receiveMessage: no message within {timeout:g} s") from None
        extra = {key: value for key, value in event.items() if key not in ("event", "content", "connectionId")}
        return ReceivedMessage(
            content=str(event.get("content", "")), connection_id=str(event.get("connectionId") or ""), extra=extra
        )

    def receive_credential(self) -> dict:
        return dict(self._call("receiveCredential"))

    def go_offline(self) -> None:
        self._call("goOffline")

    def come_online(self) -> None:
        self._call("comeOnline")

    def shutdown(self) -> None:
        if self._shut_down:
            return
        self._shut_down = True
        channel, self._channel = self._channel, None
        if channel is None:
            return
        if channel.running:
            try:
                channel.request("shutdown", {}, timeout=min(self.timeout, 5.0))
            except AgentError as error:
                log.debug("agent %s did not shut down cleanly: %s", channel.pid, error)
        channel.close()

    # -- the process ---------------------------------------------------------------------------

    def _spawn(self) -> None:
        env = setup.child_environment({"LOG_LEVEL": self.log_level} if self.log_level else None)
        argv = self.command or [setup.node_binary(), str(setup.script("agent.js"))]
        self._mediator_sockets_opened = 0
        self._pickup_messages.clear()
        self._channel = NodeChannel(argv, env, on_event=self._on_event, on_exit=self._on_exit)

    def _start_wallet(self, options: StartOptions) -> None:
        fields = {
            "withMediation": options.with_mediation,
            "mediationUrl": options.mediation_url,
            "port": options.port,
            "agentIp": options.agent_ip,
            "pickupStrategy": options.pickup_strategy,
        }
        assert self._channel is not None
        self._channel.request("start", fields, timeout=self.timeout)

    def _on_event(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "message":
            if self._messages.qsize() >= MESSAGES_KEPT:
                self._messages.get_nowait()
            self._messages.put(event)
        elif kind == "pickup":
            self._pickup_messages[str(event.get("message"))] += 1
        elif kind == "ws_open" and event.get("mediator"):
            self._mediator_sockets_opened += 1
            if self._mediator_sockets_opened > 1:
                self._reconnects += 1

    def _on_exit(self, channel: NodeChannel) -> None:
        if channel.closing or self._shut_down or channel is not self._channel:
            return
        description = channel.exit_description()
        crash = CrashRecord(
            ts=time.time(), pid=channel.pid, reason=f"agent process {description}", stderr_tail=channel.stderr_tail
        )
        self.crashes.append(crash)
        self._unreported_crash = crash
        log.warning("credo agent %s %s", channel.pid, description)
        self._report_death()

    # -- commands ---------------------------------------------------------------------------------

    def _raise_unreported_crash(self) -> None:
        crash, self._unreported_crash = self._unreported_crash, None
        if crash is not None:
            raise AgentCrashed(crash.reason, reason=f"{crash.reason}; stderr: {crash.stderr_tail[-1000:]}")

    def _call(self, command: str, **fields) -> dict:
        if self._shut_down:
            raise AgentError(f"{command}: agent was shut down")
        if self._options is None:
            raise AgentError(f"{command}: agent not started")
        self._raise_unreported_crash()
        if self._channel is None:
            raise AgentCrashed(f"{command}: agent is not running")
        try:
            result = self._channel.request(command, fields, timeout=self.timeout)
        except AgentCrashed:
            self._unreported_crash = None  # this command carried the crash to its caller
            raise
        return result if isinstance(result, dict) else {}
