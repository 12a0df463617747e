"""HTTP client of a Locust master's web API: the one way the tool reads and steers a run.

Local and attached runs go through the same calls. Basic-auth credentials are
sent when given (a master behind a proxy); Locust itself has none built in. They
may be written into the URL (`http://user:pw@host:8089`, as curl takes them);
explicit ones win. Every call follows the tool's one HTTP policy (common/http_policy.py): the
credentials never follow a redirect to another scheme, host or port (such a redirect is refused),
an answer has a size cap and every call a total deadline.
"""

from __future__ import annotations

import json
import socket
import urllib.parse
from typing import Any, cast

from mediator_tui.common.http_request import HttpCallError, printable, request
from mediator_tui.contracts.agents_view import PATH as AGENTS_PATH
from mediator_tui.contracts.request_histograms import PATH as REQUESTS_PATH
from mediator_tui.core.config.url_auth import basic_authorization, split_userinfo

CAPACITY_PATH = "/mediator-tui/capacity"
# Statuses of a master that may answer otherwise a moment later (besides every 5xx): the rest of 4xx stay.
PASSING_STATUSES = frozenset({408, 425, 429})


class MasterError(Exception):
    """The master cannot be read or refused a command; the message says what to check.

    `lasting`: asking again gets the same answer (a redirect to another origin refused, credentials
    wanted, an answer that is not a Locust master's), so waiting for the master is pointless. Not lasting:
    a master not up yet, restarting or overloaded (connection refused, no answer in time, HTTP 5xx)."""

    def __init__(self, message: str, *, lasting: bool = False):
        super().__init__(message)
        self.lasting = lasting


class MasterClient:
    def __init__(self, base_url: str, username: str = "", password: str = "", timeout_s: float = 3.0):
        given = split_userinfo(base_url)
        # base_url is what messages and the status line show: never the credentials.
        self.base_url = given.url.rstrip("/")
        self._timeout_s = timeout_s
        self._headers = {"Accept": "application/json"}
        if username or password:
            self._authorization = basic_authorization(username, password)
        else:
            self._authorization = given.authorization

    @property
    def has_credentials(self) -> bool:
        return bool(self._authorization)

    # -- reading --------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        try:
            payload = self._json("GET", "/stats/requests")
        except _NotFound:
            raise MasterError(
                f"{self.base_url} has no /stats/requests: not a Locust master's web UI "
                f"(a --headless master serves none)",
                lasting=True,
            ) from None
        if not isinstance(payload, dict) or "stats" not in payload or "state" not in payload:
            raise MasterError(
                f"{self.base_url} answers, but not like a Locust master (/stats/requests has no 'stats' and 'state')",
                lasting=True,
            )
        return cast(dict[str, Any], payload)

    def agents(self) -> Any:
        """The agent-metrics body as served (the store reads it), or None when the master has no such
        route (plain Locust)."""
        return self._optional(AGENTS_PATH)

    def histograms(self) -> Any:
        """The request-histograms body as served (the store reads it), or None when the master has no
        such route (plain Locust)."""
        return self._optional(REQUESTS_PATH)

    def _optional(self, path: str) -> Any:
        try:
            return self._json("GET", path)
        except _NotFound:
            return None

    def capacity(self) -> Any:
        """Where the capacity step ramp is, as served, or None when the master runs no step ramp."""
        return self._optional(CAPACITY_PATH)

    # -- steering -------------------------------------------------------------------------------

    def capacity_command(self, command_json: str) -> Any:
        """Steer the step ramp; the answer is its state after the command, as served."""
        return self._json("POST", CAPACITY_PATH, body=command_json.encode())

    def swarm(self, users: int, spawn_rate: float, run_time_s: float | None = None, host: str = "") -> dict[str, Any]:
        """Start or re-scale: Locust's `/swarm` does both."""
        form = {"user_count": str(users), "spawn_rate": f"{spawn_rate:g}"}
        if run_time_s:
            form["run_time"] = f"{int(run_time_s)}s"
        if host:
            form["host"] = host
        answer = self._json("POST", "/swarm", form)
        if not isinstance(answer, dict) or not answer.get("success"):
            message = answer.get("message") if isinstance(answer, dict) else answer
            raise MasterError(f"the master refused to start: {message}")
        return answer

    def stop(self) -> None:
        self._json("POST", "/stop", {})

    def reset_stats(self) -> None:
        self._request("POST", "/stats/reset", {})

    # -- plumbing -------------------------------------------------------------------------------

    def _json(self, method: str, path: str, form: dict[str, Any] | None = None, body: bytes | None = None) -> Any:
        answer = self._request(method, path, form, body)
        try:
            return json.loads(answer)
        except (ValueError, RecursionError):
            raise MasterError(
                f"{self.base_url}{path} did not answer JSON: is this a Locust master with its web UI (not --headless)?",
                lasting=True,
            ) from None

    def _request(self, method: str, path: str, form: dict[str, Any] | None, body: bytes | None = None) -> bytes:
        data = urllib.parse.urlencode(form).encode() if form is not None else body
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        elif form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self._authorization:
            headers["Authorization"] = self._authorization
        try:
            answer = request(method, self.base_url + path, data, headers, timeout_s=self._timeout_s)
        except HttpCallError as error:
            if error.timed_out:
                raise MasterError(
                    f"the master at {self.base_url} did not answer within {self._timeout_s:g} s"
                ) from None
            if isinstance(error.cause, ValueError):  # a URL http.client cannot use at all
                raise MasterError(f"'{self.base_url}' is not a usable URL: {error}", lasting=True) from None
            if error.cause is None:  # the policy refused the call (a redirect elsewhere, an oversized answer)
                raise MasterError(f"the master at {self.base_url}: {error}", lasting=True) from None
            reason = (
                _reason(error.cause)
                if isinstance(error.cause, (ConnectionRefusedError, socket.gaierror))
                else str(error)
            )
            raise MasterError(f"cannot reach the master at {self.base_url}: {reason}") from None
        if answer.status == 404:
            raise _NotFound(path)
        if answer.status in (401, 403):
            raise MasterError(
                f"{self.base_url} wants credentials (HTTP {answer.status}): "
                f"set the master's user and password in the configuration",
                lasting=True,
            )
        if answer.status >= 300:
            said = answer.body[:500].decode(errors="replace").strip() if answer.status in (400, 409) else ""
            raise MasterError(
                f"{self.base_url}{path} answered HTTP {answer.status} {answer.reason}"
                + (f": {printable(said, 500)}" if said else ""),
                lasting=answer.status < 500 and answer.status not in PASSING_STATUSES,
            )
        return answer.body


class _NotFound(MasterError):
    def __init__(self, path: str):
        super().__init__(f"no route {path}", lasting=True)


def _reason(reason: OSError) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing listens there; is the master started with its web UI?)"
    return f"unknown host ({reason})"
