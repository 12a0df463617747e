"""The native agent's DIDComm connections and the keys they use, found by id or by the key of ours a
message was packed for."""

from __future__ import annotations

import uuid

from mediator_tui.agents.native import did as dids
from mediator_tui.agents.native.keys import KeyPair


class Connection:
    """One DIDComm connection: our key for it, and the peer's key, routing keys and endpoint."""

    __slots__ = ("endpoint", "id", "my_key", "routing_keys", "state", "their_key")

    def __init__(self, my_key: KeyPair, service: dids.Service, state: str = "completed"):
        self.id = str(uuid.uuid4())
        self.my_key = my_key
        self.their_key = service.recipient_keys[0]
        self.routing_keys = service.routing_keys
        self.endpoint = service.endpoint
        self.state = state


class ConnectionRecords:
    __slots__ = ("_by_id", "_by_my_key", "_keys")

    def __init__(self) -> None:
        self._keys: dict[bytes, KeyPair] = {}
        self._by_id: dict[str, Connection] = {}
        self._by_my_key: dict[bytes, Connection] = {}

    def new_key(self) -> KeyPair:
        return self.adopt_key(KeyPair())

    def adopt_key(self, key: KeyPair) -> KeyPair:
        """Keep a key made elsewhere (a saved wallet's) as one of ours."""
        self._keys[key.verkey] = key
        return key

    def key(self, verkey: bytes) -> KeyPair | None:
        """Our key pair for `verkey`; None when the message was not packed for a key of ours."""
        return self._keys.get(verkey)

    def add(self, connection: Connection) -> None:
        self._by_id[connection.id] = connection
        self._by_my_key[connection.my_key.verkey] = connection

    def get(self, connection_id: str) -> Connection | None:
        return self._by_id.get(connection_id)

    def of_my_key(self, my_verkey: bytes) -> Connection | None:
        """The connection on which we use `my_verkey`: the one a message packed for that key arrived on."""
        return self._by_my_key.get(my_verkey)

    def expected_sender(self, my_verkey: bytes) -> bytes | None:
        """The peer's key a message packed for `my_verkey` must be signed by; None when we know no peer yet."""
        connection = self._by_my_key.get(my_verkey)
        return connection.their_key if connection is not None else None

    def ids(self, excluding: Connection | None = None) -> list[str]:
        return [c.id for c in self._by_id.values() if c is not excluding]
