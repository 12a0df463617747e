"""The flavours a user can pick by name, and the automatic choice."""

from __future__ import annotations

from collections.abc import Callable

from mediator_tui.core.mediator import acapy, credo, interpreters
from mediator_tui.core.mediator.errors import ProvisionError
from mediator_tui.core.mediator.flavour import MediatorFlavour

_FACTORIES: dict[str, Callable[[], MediatorFlavour]] = {
    "acapy": acapy.acapy,
    "acapy-legacy": acapy.acapy_legacy,
    "credo": credo.credo,
}
# Newest first: the automatic choice is the first one this machine can run.
AUTO_ORDER = ["acapy", "acapy-legacy"]


def names() -> list[str]:
    return list(_FACTORIES)


def get(name: str) -> MediatorFlavour:
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise ProvisionError(f"unknown mediator flavour {name!r} (known: {', '.join(names())})") from None


def pick(name: str | None = None) -> MediatorFlavour:
    """The named flavour, or the newest one this machine has (or can install)."""
    if name:
        return get(name)
    for candidate in AUTO_ORDER:
        flavour = get(candidate)
        if flavour.installable():
            return flavour
    wanted = " and no ".join(f"{get(n).needs()} (for {n})" for n in AUTO_ORDER)
    raise ProvisionError(
        f"no {wanted} interpreter found on PATH or in pyenv "
        f"(looked in: {interpreters.searched_places()}); install one "
        f"(e.g. `pyenv install 3.13`) to run a local mediator"
    )
