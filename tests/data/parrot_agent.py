"""A stand-in agent that says, before its proper reply, whatever line it is handed (`say_file`)."""

import json
import sys

out = sys.stdout.buffer
out.write(b'{"event": "ready"}\n')
out.flush()
for line in sys.stdin:
    command = json.loads(line)
    if "say_file" in command:
        with open(command["say_file"], "rb") as said:
            out.write(said.read())
    out.write(json.dumps({"id": command["id"], "error": 0, "result": {"echo": command["cmd"]}}).encode() + b"\n")
    out.flush()
