"""The worker's side of `mediator-tui worker` joining a master: one question, one answer, then exit.

Run as `python -m mediator_tui.locust_support.join_master HOST PORT VERSION TIMEOUT_S` by the command
(mediator_tui/core/run/remote_worker.py), before any Locust worker starts, as Locust's own `-f -` asks
the master for the locustfile (`download_locustfile_from_master` in locust/argument_parser.py): a
client of its own on the master's port. Prints one JSON object: the master's answer, or `{"error": ...}`.
"""

from __future__ import annotations

import json
import socket
import sys
import uuid
from collections.abc import Sequence
from typing import Any

import gevent
from locust.rpc import Message, zmqrpc

from mediator_tui.contracts.worker_join import JOIN_MESSAGE, join_request

ASK_EVERY_S = 1.0


def ask_master(host: str, port: int, version: str, timeout_s: float) -> dict[str, Any]:
    client_id = f"{socket.gethostname()}_mediator_tui_join_{uuid.uuid4().hex}"
    try:
        client = zmqrpc.Client(host, port, client_id)
    except Exception as error:  # zmq's and the resolver's errors alike: the address is unusable
        return {"error": f"cannot connect to {host}:{port}: {error}"}
    # zmq queues the question until the master is up; asking again covers a master that started late.
    asker = gevent.spawn(_keep_asking, client, client_id, version)
    try:
        with gevent.Timeout(timeout_s):
            msg = client.recv()
    except gevent.Timeout:
        return {"error": "timeout"}
    except Exception as error:  # a broken or foreign answer
        return {"error": f"no answer from {host}:{port}: {error}"}
    finally:
        asker.kill()
        client.close(linger=0)
    if msg.type != JOIN_MESSAGE:
        return {"error": f"the master at {host}:{port} answered {msg.type!r}"}
    return msg.data if isinstance(msg.data, dict) else {"error": "the master's answer is empty"}


def _keep_asking(client: zmqrpc.Client, client_id: str, version: str) -> None:
    while True:
        client.send(Message(JOIN_MESSAGE, join_request(version), client_id))
        gevent.sleep(ASK_EVERY_S)


def main(argv: Sequence[str]) -> int:
    host, port, version, timeout_s = argv
    print(json.dumps(ask_master(host, int(port), version, float(timeout_s))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
