"""An agent project folder as `npm ci` leaves it, as far as `mediator_tui.common.node_agent` looks: the tests
that need an installed Credo agent get one of their own, installing nothing."""

from pathlib import Path


def installed_agent_folder(folder: Path) -> Path:
    (folder / "node_modules" / "@credo-ts" / "core").mkdir(parents=True)
    (folder / "mediator.js").write_text("")
    return folder
