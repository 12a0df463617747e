"""`python -m mediator_tui.agents.native.resume_check`: does the mediator still know a saved wallet?

Reads `{"wallet": {...}, "timeout": seconds}` on stdin (the wallet holds keys: never on a command line), resumes
it as a native agent would and shuts it down. Exit 0 when the mediator answered it; 1 with the reason on stderr.
A run with a wallet population asks this once before its workers start, so a mediator that forgot its wallets
(or another mediator) refuses the run with one clear message instead of failing every agent.
"""

from __future__ import annotations

import json
import sys

from mediator_tui.agents.interface import AgentError, StartOptions
from mediator_tui.agents.native.agent import NativeAgent


def main() -> int:
    try:
        request = json.load(sys.stdin)
        wallet, timeout = request["wallet"], float(request["timeout"])
    except (ValueError, KeyError, TypeError) as exc:
        print(f"resume check: unreadable request ({type(exc).__name__})", file=sys.stderr)
        return 2
    agent = NativeAgent(timeout=timeout)
    try:
        agent.resume(wallet, StartOptions())
    except AgentError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        agent.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
