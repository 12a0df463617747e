"""An HTTP endpoint for an agent without a mediator: peers POST envelopes to it (gevent's WSGI server)."""

from __future__ import annotations

from collections.abc import Callable

import gevent.pywsgi

from mediator_tui.agents.interface import AgentLimitError

MAX_BODY = 16 * 1024 * 1024


class InboundEndpoint:
    __slots__ = ("_server", "url")

    def __init__(self, host: str, port: int, on_envelope: Callable[[bytes], None]):
        def app(environ, start_response):
            if environ["REQUEST_METHOD"] != "POST":
                start_response("405 Method Not Allowed", [("Content-Length", "0")])
                return [b""]
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length > MAX_BODY:
                start_response("413 Payload Too Large", [("Content-Length", "0")])
                return [b""]
            on_envelope(environ["wsgi.input"].read(length))
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]

        self._server = gevent.pywsgi.WSGIServer((host, port), app, log=None, error_log=None)
        try:
            self._server.start()
        except OSError as exc:
            raise AgentLimitError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.url = f"http://{host}:{port}"

    def close(self) -> None:
        self._server.stop(timeout=1)
