"""`mediator-tui agents provision`: install the credo engine's Node project now instead of on first use.

Progress goes to stderr, the result to stdout; exit 0 when installed, 1 when it cannot be.
"""

from __future__ import annotations

import argparse

from mediator_tui.commands.console import fail, progress
from mediator_tui.common import node_agent


def cmd_provision(_args: argparse.Namespace) -> int:
    try:
        folder = node_agent.ensure(progress)
        node_agent.askar_library_dir()
        version = node_agent.node_version()
    except node_agent.NodeAgentError as err:
        return fail(err)
    print(f"credo engine: the Credo agent in {folder} ready (Node {version})")
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "agents",
        help="the agent engines' own installs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="agents_command", required=True, metavar="COMMAND")
    provision = commands.add_parser("provision", help="install the Credo agent (credo engine) into the cache")
    provision.set_defaults(func=cmd_provision)
    return parser
