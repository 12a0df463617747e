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


# ACA-Py's defaults (acapy_agent/config/argparse.py, 1.7.0 and 0.12.8): a ping to every websocket every 3 s,
# and a websocket closed when it received no frame for 15 s. Its handler reads with that timeout
# (acapy_agent/transport/inbound/ws.py), and a client's pong is such a frame.
ACAPY_WS_HEARTBEAT_S = 3
ACAPY_WS_TIMEOUT_S = 15


def _flag_value(words: tuple[str, ...], flag: str) -> str | None:
    """The last value `words` give `flag` (`--flag V` or `--flag=V`): the one ACA-Py's parser keeps."""
    value = None
    for index, word in enumerate(words):
        if word == flag and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith(flag + "="):
            value = word.partition("=")[2]
    return value


def acapy_heartbeat_warning(words: tuple[str, ...]) -> str:
    """A warning when ACA-Py's flags set its websocket heartbeat at or beyond its receive timeout (""
    otherwise): every idle websocket then goes a whole timeout without a frame, and ACA-Py drops it."""
    heartbeat, timeout = (_flag_value(words, flag) for flag in ("--ws-heartbeat-interval", "--ws-timeout-interval"))
    try:
        heartbeat_s = int(heartbeat) if heartbeat is not None else ACAPY_WS_HEARTBEAT_S
        timeout_s = int(timeout) if timeout is not None else ACAPY_WS_TIMEOUT_S
    except ValueError:
        return ""  # ACA-Py refuses a value that is no number itself, naming the flag
    if heartbeat_s < timeout_s:
        return ""
    return (
        f"warning: MEDIATOR_ARGS sets ACA-Py's websocket heartbeat to {heartbeat_s} s, not below its "
        f"--ws-timeout-interval ({timeout_s} s): ACA-Py drops a websocket that receives no frame for "
        f"{timeout_s} s, so idle wallets are cut off and reconnect; add --ws-timeout-interval "
        f"{2 * heartbeat_s} (or more) to MEDIATOR_ARGS"
    )
