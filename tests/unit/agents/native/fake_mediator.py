"""A DIDComm v1 mediator small enough to read, speaking on a websocket: DID exchange, coordinate-mediation,
discover-features and messagepickup/2.0. It lets tests drive what no mediator on this machine offers
(ACA-Py core has no pickup v2) and drop connections at will."""

import json
import socket
from collections.abc import Callable

import gevent

from mediator_tui.agents.native import didexchange
from mediator_tui.agents.native.attachments import attachment
from mediator_tui.agents.native.envelope import pack, unpack
from mediator_tui.agents.native.keys import KeyPair
from mediator_tui.agents.native.messages import message, thread_id, type_of
from mediator_tui.agents.native.websocket import WebSocketClosed
from mediator_tui.common.b64url import b64url_encode
from tests.unit.agents.native.fake_ws import FakeServer


class FakeMediator:
    def __init__(
        self,
        offers_pickup_v2: bool = True,
        mediation_answer: str = "grant",
        alter_response: Callable[[dict], None] = lambda response: None,
    ):
        self.offers_pickup_v2 = offers_pickup_v2
        self.mediation_answer = mediation_answer  # grant, deny or problem
        self.alter_response = alter_response  # what a forger would change in the DID exchange response
        self.invitation_key = KeyPair()
        self.routing_key = KeyPair()
        self.keys = {self.invitation_key.verkey: self.invitation_key}
        self.client: tuple[KeyPair, bytes] | None = None  # (our key, theirs) on the mediation connection
        self.queue: list[bytes] = []
        self.live = False
        self.received_ids: list[str] = []
        self.seen_types: list[str] = []
        self.drop_next = False
        # a trust ping waits this long for its answer: the whole socket stalls, as under a frozen mediator
        self.ping_stall_s = 0.0
        # after the stall, the TCP connection ends without a websocket close (ACA-Py's after a freeze)
        self.reset_at_ping = False
        self.socket = None
        self.server = FakeServer(self._serve)
        self.url = self.server.url

    def invitation_url(self) -> str:
        invitation = {
            "@type": "https://didcomm.org/out-of-band/1.1/invitation",
            "@id": "fake-invitation",
            "handshake_protocols": ["https://didcomm.org/didexchange/1.1"],
            "services": [
                {
                    "id": "#inline",
                    "type": "did-communication",
                    "recipientKeys": [self.invitation_key.did_key],
                    "serviceEndpoint": self.url,
                }
            ],
        }
        return f"{self.url}?oob={b64url_encode(json.dumps(invitation).encode())}"

    def hold(self, envelope: bytes) -> None:
        """A message for the client arrives: pushed at once in live mode on an open socket, else queued for
        pickup (a mediator without pickup v2 sends the queue down the client's socket at its next message,
        as ACA-Py does with a return route)."""
        if self.live and self.socket is not None and not self.socket.closed:
            self._reply(self._delivery([envelope]))
        else:
            self.queue.append(envelope)

    def push(self, msg: dict) -> None:
        """Send any plaintext to the client, authcrypted on the mediation connection."""
        self._reply(msg)

    def push_raw(self, data: bytes) -> None:
        self.socket.send(data)

    def stop(self):
        self.server.stop()

    def _serve(self, ws, _index):
        self.socket = ws
        self.live = False  # live mode belongs to a socket: a new one is live once the client asks again
        try:
            while True:
                envelope = ws.recv()
                if self.drop_next:
                    self.drop_next = False
                    ws.close()
                    return
                unpacked = unpack(envelope, self.keys.get)
                self._handle(json.loads(unpacked.message), unpacked.recipient_verkey)
                if not self.offers_pickup_v2:
                    self._send_queue_down_the_return_route()
        except WebSocketClosed:
            pass

    def _send_queue_down_the_return_route(self) -> None:
        queued, self.queue = self.queue, []
        for envelope in queued:
            self.socket.send(envelope)

    def _handle(self, msg: dict, recipient: bytes) -> None:
        kind = type_of(msg)
        self.seen_types.append(kind)
        if kind.startswith("didexchange/") and kind.endswith("/request"):
            their_key = didexchange.their_services(msg)[0].recipient_keys[0]
            mine = KeyPair()
            self.keys[mine.verkey] = mine
            self.client = (mine, their_key)
            response = didexchange.response(msg, mine, self.url, (), self.invitation_key)
            self.alter_response(response)
            self._reply(response)
        elif kind.endswith("/mediate-request") and self.mediation_answer == "problem":
            self._reply(
                message(
                    "report-problem/1.0/problem-report",
                    thid=thread_id(msg),
                    description={"en": "mediation is closed today", "code": "closed"},
                )
            )
        elif kind.endswith("/mediate-request") and self.mediation_answer == "deny":
            self._reply(message("coordinate-mediation/1.0/mediate-deny", thid=thread_id(msg)))
        elif kind.endswith("/mediate-request"):
            self._reply(
                message(
                    "coordinate-mediation/1.0/mediate-grant", endpoint=self.url, routing_keys=[self.routing_key.did_key]
                )
            )
        elif kind.endswith("/keylist-update"):
            self._reply(
                message(
                    "coordinate-mediation/1.0/keylist-update-response",
                    thid=thread_id(msg),
                    updated=[dict(u, result="success") for u in msg["updates"]],
                )
            )
        elif kind.endswith("/query"):
            protocols = [{"pid": "https://didcomm.org/messagepickup/2.0"}] if self.offers_pickup_v2 else []
            self._reply(message("discover-features/1.0/disclose", thid=thread_id(msg), protocols=protocols))
        elif kind.endswith("/ping") and msg.get("response_requested", True):
            gevent.sleep(self.ping_stall_s)
            if self.reset_at_ping:
                self.socket._sock.shutdown(socket.SHUT_RDWR)
                return
            self._reply(message("trust_ping/1.0/ping_response", thid=thread_id(msg)))
        elif kind.endswith("/live-delivery-change"):
            self.live = msg["live_delivery"]
            self._flush()
        elif kind.endswith("/status-request"):
            self._reply(message("messagepickup/2.0/status", thid=thread_id(msg), message_count=len(self.queue)))
        elif kind.endswith("/delivery-request") and self.queue:
            self._reply(self._delivery(self.queue, thid=thread_id(msg)))
        elif kind.endswith("/messages-received"):
            self.received_ids += msg["message_id_list"]
            self.queue = [e for e in self.queue if self._id_of(e) not in msg["message_id_list"]]

    def _flush(self) -> None:
        if self.live and self.queue:
            self._reply(self._delivery(self.queue))

    def _delivery(self, envelopes: list[bytes], thid: str = "") -> dict:
        return message(
            "messagepickup/2.0/delivery",
            thid=thid,
            **{"~attach": [attachment(e, attach_id=self._id_of(e)) for e in envelopes]},
        )

    @staticmethod
    def _id_of(envelope: bytes) -> str:
        return "m-" + json.loads(envelope)["iv"]

    def _reply(self, msg: dict) -> None:
        mine, theirs = self.client
        self.socket.send(pack(json.dumps(msg).encode(), [theirs], mine))


def basic_message_for(recipient: bytes, content: str) -> bytes:
    sender = KeyPair()
    body = message("basicmessage/1.0/message", content=content)
    return pack(json.dumps(body).encode(), [recipient], sender)
