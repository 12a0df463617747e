"""routing/1.0 forward: wrap an envelope once per routing key (the last key is the outermost hop)."""

from __future__ import annotations

import json

from mediator_tui.agents.native import wire_json
from mediator_tui.agents.native.envelope import pack
from mediator_tui.agents.native.keys import b58_verkey
from mediator_tui.agents.native.messages import message


def wrap_for_routing(envelope: bytes, recipient: bytes, routing_keys: tuple[bytes, ...]) -> bytes:
    to = recipient
    for routing_key in routing_keys:
        forward = message("routing/1.0/forward", to=b58_verkey(to), msg=json.loads(envelope))
        envelope = pack(wire_json.dump(forward), [routing_key])
        to = routing_key
    return envelope
