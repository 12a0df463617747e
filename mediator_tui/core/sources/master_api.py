"""HTTP client of a Locust master's web API: the one way the tool reads and steers a run.

Local and attached runs go through the same calls. Basic-auth credentials are
sent when given (a master behind a proxy); Locust itself has none built in. They
may be written into the URL (`http://user:pw@host:8089`, as curl takes them);
explicit ones win. They follow a redirect only to the same scheme, host and port.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPMessage
from typing import IO, Any

from mediator_tui.contracts.agents_view import PATH as AGENTS_PATH
from mediator_tui.contracts.request_histograms import PATH as REQUESTS_PATH
from mediator_tui.core.config.url_auth import basic_authorization, split_userinfo

CAPACITY_PATH = "/mediator-tui/capacity"


class MasterError(Exception):
    """The master cannot be read or refused a command; the message says what to check."""


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
        self._opener = urllib.request.build_opener(_SameOriginAuthRedirects)

    @property
    def has_credentials(self) -> bool:
        return bool(self._authorization)

    # -- reading --------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        try:
            payload = self._json("GET", "/stats/requests")
        except _NotFound:
            raise MasterError(f"{self.base_url} has no /stats/requests: not a Locust master's web UI "
                              f"(a --headless master serves none)") from None
        if not isinstance(payload, dict) or "stats" not in payload or "state" not in payload:
            raise MasterError(f"{self.base_url} answers, but not like a Locust master "
                              f"(/stats/requests has no 'stats' and 'state')")
        return payload

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
        except ValueError:
            raise MasterError(f"{self.base_url}{path} did not answer JSON: is this a Locust master "
                              f"with its web UI (not --headless)?") from None

    def _request(self, method: str, path: str, form: dict[str, Any] | None, body: bytes | None = None) -> bytes:
        data = urllib.parse.urlencode(form).encode() if form is not None else body
        headers = self._headers if body is None else {**self._headers, "Content-Type": "application/json"}
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        if self._authorization:
            # An unredirected header: urllib copies only the others onto a redirect's request.
            request.add_unredirected_header("Authorization", self._authorization)
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                answer: bytes = response.read()
                return answer
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise _NotFound(path) from None
            if error.code in (401, 403):
                raise MasterError(f"{self.base_url} wants credentials (HTTP {error.code}): "
                                  f"set the master's user and password in the configuration") from None
            said = error.read(500).decode(errors="replace").strip() if error.code in (400, 409) else ""
            raise MasterError(f"{self.base_url}{path} answered HTTP {error.code} {error.reason}"
                              + (f": {said}" if said else "")) from None
        except urllib.error.URLError as error:
            raise MasterError(f"cannot reach the master at {self.base_url}: {_reason(error.reason)}") from None
        except (socket.timeout, TimeoutError):
            raise MasterError(f"the master at {self.base_url} did not answer within "
                              f"{self._timeout_s:g} s") from None
        except (ConnectionError, OSError) as error:
            raise MasterError(f"cannot reach the master at {self.base_url}: {_reason(error)}") from None
        except ValueError as error:  # a URL urllib cannot use at all
            raise MasterError(f"'{self.base_url}' is not a usable URL: {error}") from None


class _SameOriginAuthRedirects(urllib.request.HTTPRedirectHandler):
    """Carries the credentials across a redirect only when it stays on the same scheme, host and port."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage,
                         newurl: str) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        authorization = req.get_header("Authorization")
        if new is not None and authorization and _origin(newurl) == _origin(req.full_url):
            new.add_unredirected_header("Authorization", authorization)
        return new


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme)


class _NotFound(MasterError):
    def __init__(self, path: str):
        super().__init__(f"no route {path}")


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing listens there; is the master started with its web UI?)"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason})"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out"
    return str(reason)
