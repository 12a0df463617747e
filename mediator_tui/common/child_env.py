"""The environment of a child process that reads only some variables: the tool's settings and the user's
own variables (tokens, passwords, API keys among them) are not handed to a process that does not use them,
where `/proc/<pid>/environ` or a crash dump would show them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

# What any program needs to run: finding programs and libraries, its home and temporary folder, its locale
# and time zone.
SYSTEM = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TMPDIR",
    "TEMP",
    "TMP",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "LD_LIBRARY_PATH",
    "SYSTEMROOT",
)


def allowlisted_environment(
    names: Iterable[str], extra: Mapping[str, str] | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`SYSTEM` and `names` as they are in `base` (the process's own environment by default), plus `extra`."""
    source = os.environ if base is None else base
    env = {name: source[name] for name in (*SYSTEM, *names) if name in source}
    env.update(extra or {})
    return env
