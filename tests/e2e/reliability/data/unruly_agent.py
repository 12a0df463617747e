"""A stand-in agent process that starts fine and then misbehaves on every ping, as argv[1] says:
`garbage` prints a line that is not JSON, `huge` a 5 MiB line, `silent` never answers."""

import json
import sys

MODE = sys.argv[1]


def write(data: bytes) -> None:
    sys.stdout.buffer.write(data + b"\n")
    sys.stdout.buffer.flush()


write(b'{"event": "ready"}')
for line in sys.stdin:
    command = json.loads(line)
    if command["cmd"] == "ping_mediator":
        if MODE == "garbage":
            write(b"Segmentation fault? no: just some text on stdout")
        elif MODE == "huge":
            write(b"x" * (5 << 20))
        continue
    if command["cmd"] == "start":
        write(b'{"event": "ws_open", "mediator": true}')
    write(json.dumps({"id": command["id"], "error": 0, "result": {}}).encode())
