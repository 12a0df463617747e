"""The Textual face of mediator-tui. Textual is imported only when the TUI actually runs."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

EXIT_SETUP = 2  # as the CLI's usage errors


def run_tui(args: Any) -> int:
    """Run the TUI until the user quits; everything the app started is ended before returning.

    Reads `args.env` (the .env path or None), `args.attach` (a master's web URL or None) and the
    load options (`-u`, `-r`, `-t`, `--workers`, `-f`), which take precedence over the configuration.
    """
    from mediator_tui.core.config import DEFAULT_ENV_FILE
    from mediator_tui.core.run.build import controller_for, overrides_from_args
    from mediator_tui.core.run.controller import RunError
    from mediator_tui.tui.app import MediatorTuiApp
    from mediator_tui.tui.session import RunSession

    try:
        overrides = overrides_from_args(args)
        session = RunSession(
            Path(args.env or DEFAULT_ENV_FILE), partial(controller_for, overrides=overrides), attached=bool(args.attach)
        )
    except (RunError, ValueError) as error:  # e.g. an --attach URL that is not one, a negative --users
        print(f"mediator-tui: {error}", file=sys.stderr)
        return EXIT_SETUP
    app = MediatorTuiApp(session, session.config_path, startup_problems=session.problems)
    try:
        app.run()
    finally:
        session.shutdown()
    return app.return_value or 0
