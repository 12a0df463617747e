"""A stand-in for agent/agent.js that misbehaves on request, for the credo engine's error paths.

Speaks the same JSON lines; `ping_mediator` with `behave` set to one of the keys of
BEHAVIOURS answers late, prints garbage, dies, and so on.
"""

import json
import sys
import threading
import time


def write(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def reply(command: dict, result=None) -> None:
    write(json.dumps({"id": command["id"], "error": 0, "result": result}))


def answer_after(command: dict, seconds: float) -> None:
    def later():
        time.sleep(seconds)
        reply(command, {"late": command["id"]})

    threading.Thread(target=later, daemon=True).start()


BEHAVIOURS = {
    "late": lambda c: answer_after(c, c.get("delay", 1.0)),
    "garbage": lambda c: write("this is not json"),
    "array": lambda c: write("[1, 2, 3]"),
    "huge": lambda c: write("x" * c.get("size", 3 << 20)),
    "error": lambda c: write(
        json.dumps(
            {"id": c["id"], "error": 1, "result": {"name": c.get("name", "Error"), "message": c.get("message", "")}}
        )
    ),
    "die": lambda c: (sys.stderr.write("fatal: the wallet fell over\n"), sys.stderr.flush(), sys.exit(3)),
    "message": lambda c: (
        write(json.dumps({"event": "message", "content": c.get("content", ""), "connectionId": "c1"})),
        reply(c, {}),
    ),
    "reconnect": lambda c: (write(json.dumps({"event": "ws_open", "mediator": True})), reply(c, {})),
}


def main() -> None:
    if "--ignore-term" in sys.argv:
        import signal

        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    write(json.dumps({"event": "ready"}))
    for line in sys.stdin:
        command = json.loads(line)
        behave = command.get("behave")
        if behave in BEHAVIOURS:
            BEHAVIOURS[behave](command)
        elif command["cmd"] == "start":
            write(json.dumps({"event": "ws_open", "mediator": True}))
            reply(command, {"mediatorConnectionId": "m1"})
        else:
            reply(command, {"echo": command["cmd"], **{k: v for k, v in command.items() if k not in ("id", "cmd")}})
    if "--linger" in sys.argv:
        time.sleep(60)


main()
