"""`MEDIATOR_ARGS`: flags of the embedded mediator's own command line, written as shell words.

They go after the tool's flags on ACA-Py's command line, so a flag given twice takes the user's value
(`--log-level info`); for the Credo mediator they are Node's own flags, before its script
(`--max-old-space-size=4096`). A flag that carries a secret (a wallet key, an admin API key, a seed) is
refused: any user of the host reads a command line (`ps`), so those belong in the environment.
"""

from __future__ import annotations

import re
import shlex

# ACA-Py's flags whose value is a secret are named so (acapy_agent/config/argparse.py, 1.7.0 and 0.12.8:
# --wallet-key, --wallet-rekey, --admin-api-key, --wallet-storage-creds, --dbstore-key, --seed, --debug-seed,
# --jwt-secret, --oauth-introspection-client-secret, --universal-resolver-bearer-token, ...), as is any flag
# of Node's or a later release that carries one; a flag that only switches a seed's use on is none.
_SECRET_NAME = re.compile(r"(key|secret|password|passwd|token|creds|seed)$", re.I)
_NOT_SECRET = frozenset({"--wallet-allow-insecure-seed"})


def secret_flag(word: str) -> str | None:
    """The flag `word` names (`--flag` or `--flag=value`) when it carries a secret, else None."""
    if not word.startswith("-"):
        return None
    flag = word.split("=", 1)[0]
    return flag if _SECRET_NAME.search(flag) and flag.lower() not in _NOT_SECRET else None


class SecretFlag(ValueError):
    """A flag that carries a secret: the message names the flag, never its value."""


def secret_values(text: str) -> list[str]:
    """The values given to secret flags in `text` (`--flag VALUE` or `--flag=VALUE`): never to be shown."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    found = []
    for index, word in enumerate(words):
        if secret_flag(word):
            _, equals, value = word.partition("=")
            if equals:
                found.append(value)
            elif index + 1 < len(words) and not words[index + 1].startswith("--"):
                found.append(words[index + 1])
    return [value for value in found if value]


def parse_mediator_args(text: str) -> tuple[str, ...]:
    """The words of `text` as a shell splits them; ValueError naming what is wrong."""
    try:
        words = tuple(shlex.split(text))
    except ValueError as err:
        raise ValueError(f"cannot be split into shell words ({err})") from None
    if words and not words[0].startswith("-"):
        raise ValueError(f"must start with a flag (--name), not {words[0]!r}")
    secret = next((flag for flag in map(secret_flag, words) if flag), None)
    if secret:
        raise SecretFlag(
            f"{secret} carries a secret, and a command line is readable by every user of this host: "
            "the embedded mediator gets its keys from its environment; remove the flag"
        )
    return words
