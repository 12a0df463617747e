"""One agent process and the JSON-lines protocol with it, cooperative with gevent.

Each command carries an `id`; a reader greenlet hands each reply to the command
with that id, so a reply that comes after its command gave up is dropped and can
never be taken for the next command's (the tool we replace had no ids). A line
that is not protocol (not JSON, not an object, longer than `max_line_bytes`)
fails the commands waiting with `ProtocolError`; it never breaks the reader.
A watcher greenlet waits on the process and reports its exit at once.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import logging
import signal
import sys
from collections import deque
from collections.abc import Callable, Sequence
from typing import cast

import gevent
from gevent import subprocess
from gevent.event import AsyncResult, Event

from mediator_tui.agents.interface import (
    AgentCrashed,
    AgentError,
    AgentTimeout,
    ProblemReport,
    ProtocolError,
    TransportError,
)

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1 << 20
STDERR_LINES_KEPT = 20
STDERR_LINE_CHARS = 500
# The node side gives up a little before we do, so its timeout message (which says what it
# waited for) reaches us instead of our bare one.
NODE_TIMEOUT_MARGIN_S = 0.5
_PR_SET_PDEATHSIG = 1

EventHandler = Callable[[dict], None]
ExitHandler = Callable[["NodeChannel"], None]


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM if the forking thread dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def error_from_reply(command: str, result: object) -> AgentError:
    """The typed error for a `{"error": 1, "result": {"name", "message"}}` reply."""
    if not isinstance(result, dict):
        return ProtocolError(f"{command}: error reply without a result object: {result!r:.200}")
    name = str(result.get("name") or "Error")
    message = f"{command}: {name}: {result.get('message') or ''}".rstrip(": ")
    if name == "TimeoutError":
        return AgentTimeout(message)
    if "ProblemReport" in name or "problem report" in message.lower():
        return ProblemReport(message)
    # LinkResetError: agent/lib/link.js, the link to the mediator reset while a reply was due on it
    if name in ("MessageSendingError", "LinkResetError") or "undeliverable" in message.lower():
        return TransportError(message)
    return AgentError(message)


class NodeChannel:
    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        on_event: EventHandler,
        on_exit: ExitHandler,
        max_line_bytes: int = MAX_LINE_BYTES,
    ):
        self.on_event = on_event
        self.on_exit = on_exit
        self.max_line_bytes = max_line_bytes
        self.stderr_lines: deque[str] = deque(maxlen=STDERR_LINES_KEPT)
        self.late_replies = 0
        self.garbage_lines = 0
        self.closing = False
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, AsyncResult]] = {}
        self.process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            preexec_fn=_die_with_parent,
            close_fds=True,
        )
        # Popen types its pipes optional; the three asked for above are there.
        assert self.process.stdin and self.process.stdout and self.process.stderr
        self._stdin, self._stdout, self._stderr = self.process.stdin, self.process.stdout, self.process.stderr
        self.exited = Event()
        self._greenlets = [
            gevent.spawn(self._read_stdout),
            gevent.spawn(self._read_stderr),
            gevent.spawn(self._watch),
        ]

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.returncode is None and not self.exited.is_set()

    @property
    def stderr_tail(self) -> str:
        return "\n".join(self.stderr_lines)

    def exit_description(self) -> str:
        code = self.process.returncode
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"

    def request(self, command: str, fields: dict, timeout: float) -> object:
        """Send one command and wait for its reply; the reply's result, or a typed AgentError."""
        if not self.running:
            raise AgentCrashed(f"{command}: agent process {self.exit_description()}")
        request_id = next(self._ids)
        waiter: AsyncResult[dict] = AsyncResult()
        self._pending[request_id] = (command, waiter)
        node_timeout_ms = max(100, int((timeout - NODE_TIMEOUT_MARGIN_S) * 1000))
        line = json.dumps({"timeoutMs": node_timeout_ms, **fields, "id": request_id, "cmd": command}) + "\n"
        try:
            try:
                self._stdin.write(line.encode())
                self._stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as error:
                raise AgentCrashed(f"{command}: cannot write to agent process: {error}") from error
            try:
                # Answered with the reply, or raises the error that ended the wait.
                reply = cast(dict, waiter.get(timeout=timeout))
            except gevent.Timeout:
                raise AgentTimeout(f"{command}: no answer within {timeout:g} s") from None
        finally:
            self._pending.pop(request_id, None)
        if reply.get("error") == 0:
            return reply.get("result")
        raise error_from_reply(command, reply.get("result"))

    def _fail_pending(self, make_error: Callable[[str], AgentError]) -> None:
        for command, waiter in list(self._pending.values()):
            if not waiter.ready():
                waiter.set_exception(make_error(command))

    def _read_stdout(self) -> None:
        try:
            self._read_replies(self._stdout)
        except (OSError, ValueError):  # the stream was closed under us: the process is gone
            return

    def _read_replies(self, stream) -> None:
        while True:
            line = stream.readline(self.max_line_bytes + 1)
            if not line:
                return
            if len(line) > self.max_line_bytes and not line.endswith(b"\n"):
                size = len(line)
                # Skip the rest of the oversized line, reading it in bounded pieces.
                while line and not line.endswith(b"\n"):
                    line = stream.readline(self.max_line_bytes + 1)
                    size += len(line)
                self._garbage(f"a line of {size} bytes (limit {self.max_line_bytes})")
                continue
            self._dispatch(line)

    def _dispatch(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError):
            self._garbage(f"a line that is not JSON: {raw[:200]!r}")
            return
        if not isinstance(message, dict):
            self._garbage(f"a JSON line that is not an object: {raw[:200]!r}")
        elif "event" in message:
            try:
                self.on_event(message)
            except Exception:  # a strange event must not stop the reader
                log.exception("agent %s: could not handle event %.200r", self.pid, raw)
        elif isinstance(message.get("id"), int) and not isinstance(message["id"], bool):
            entry = self._pending.get(message["id"])
            if entry is None or entry[1].ready():
                self.late_replies += 1
                log.debug("dropped a reply to command %r that no longer waits", message["id"])
            else:
                entry[1].set(message)
        else:
            self._garbage(f"a reply to no command we sent: {raw[:200]!r}")

    def _garbage(self, what: str) -> None:
        self.garbage_lines += 1
        log.warning("agent %s printed %s", self.pid, what)
        self._fail_pending(lambda command: ProtocolError(f"{command}: agent printed {what}"))

    def _read_stderr(self) -> None:
        try:
            for line in iter(lambda: self._stderr.readline(STDERR_LINE_CHARS * 4), b""):
                self.stderr_lines.append(line.decode("utf-8", "replace").rstrip()[:STDERR_LINE_CHARS])
        except (OSError, ValueError):
            return

    def _watch(self) -> None:
        self.process.wait()
        # Let the readers take what the process wrote last (its dying words on stderr).
        gevent.joinall(self._greenlets[:2], timeout=0.5)
        self.exited.set()
        description = self.exit_description()
        last_words = f" ({self.stderr_lines[-1][:200]})" if self.stderr_lines else ""
        self._fail_pending(
            lambda command: AgentCrashed(
                f"{command}: agent process {description}{last_words}",
                reason=f"{description}; stderr: {self.stderr_tail[-1000:]}",
            )
        )
        self.on_exit(self)

    def close(self, term_after: float = 3.0, kill_after: float = 3.0) -> None:
        """End the process and reap it: close stdin (the agent exits), then TERM, then KILL."""
        self.closing = True
        try:
            self._stdin.close()
        except OSError:
            pass
        for send, grace in ((None, term_after), (self.process.terminate, kill_after), (self.process.kill, 5.0)):
            if send is not None and self.process.returncode is None:
                try:
                    send()
                except ProcessLookupError:
                    pass
            if self.exited.wait(timeout=grace):
                break
        for stream in (self._stdout, self._stderr):
            try:
                stream.close()
            except OSError:
                pass
