"""The non-Python parts shipped with the tool: the scenarios (`locustfiles/`) and the Credo agent (`agent/`).

They stay top-level folders of the repository. A wheel carries them inside the
package as `mediator_tui/bundled/<name>` (the mapping is in setup.py); a source
checkout or an editable install finds them next to the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

LOCUSTFILES = "locustfiles"
AGENT = "agent"


def bundled_dir(name: str) -> Path:
    """The folder `name` (LOCUSTFILES or AGENT) as installed, else as checked out."""
    # An installed wheel is plain files on disk, so the traversable is a real path Locust and node can open.
    installed = Path(str(resources.files("mediator_tui") / "bundled" / name))
    if installed.is_dir():
        return installed
    return Path(str(resources.files("mediator_tui"))).parent / name
