"""One thing wrong with a configuration, named by the setting to fix."""

from __future__ import annotations

from dataclasses import dataclass

from mediator_tui.core.config.secrets import mask


@dataclass(frozen=True)
class Problem:
    key: str
    message: str
    value: str = ""
    # The locustfile whose needs the setting fails ("" for a problem of the setting itself):
    # a run of other files (`-f`) is not held back by it.
    scenario: str = ""

    def __str__(self) -> str:
        shown = mask(self.key, self.value)
        return f"{self.key}: {self.message}" + (f" (value: {shown!r})" if self.value else "")
