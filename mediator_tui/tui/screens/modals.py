"""Small dialogs: change the load of a running test, confirm a question."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

_DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 60; max-width: 100%; height: auto; border: thick $accent; background: $surface;
                     padding: 1 2; }}
{name} Horizontal {{ height: auto; align-horizontal: right; margin: 1 0 0 0; }}
{name} Button {{ margin: 0 0 0 2; }}
"""


@dataclass(frozen=True)
class LoadChoice:
    users: int
    spawn_rate: float


class LoadScreen(ModalScreen[LoadChoice | None]):
    """Asks for users and spawn rate; returns None when cancelled."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="LoadScreen")
        + """
    LoadScreen .field { height: auto; margin: 1 0 0 0; }
    LoadScreen .field Label { width: 14; padding: 0 1 0 0; }
    LoadScreen Input { width: 1fr; }
    LoadScreen #load-problem { color: $error; height: auto; }
    """
    )

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="load.cancel")]

    def __init__(self, title: str, users: int | None, spawn_rate: float | None) -> None:
        super().__init__()
        self._title = title
        self._users = "" if users is None else str(users)
        self._spawn_rate = "" if spawn_rate is None else f"{spawn_rate:g}"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, markup=False)
            with Horizontal(classes="field"):
                yield Label("Users")
                yield Input(self._users, id="users", compact=True)
            with Horizontal(classes="field"):
                yield Label("Spawn rate /s")
                yield Input(self._spawn_rate, id="spawn-rate", compact=True)
            yield Static(id="load-problem", markup=False)
            with Horizontal():
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Apply", id="apply", variant="primary", compact=True)

    def _read(self) -> LoadChoice | str:
        try:
            users = int(self.query_one("#users", Input).value)
        except ValueError:
            return "Users must be a whole number"
        try:
            spawn_rate = float(self.query_one("#spawn-rate", Input).value)
        except ValueError:
            return "Spawn rate must be a number"
        if users < 0:
            return "Users must not be negative"
        if not 0 < spawn_rate < float("inf"):
            return "Spawn rate must be above zero"
        return LoadChoice(users, spawn_rate)

    def _apply(self) -> None:
        result = self._read()
        if isinstance(result, str):
            self.query_one("#load-problem", Static).update(result)
            return
        self.dismiss(result)

    def on_input_submitted(self, _: Input.Submitted) -> None:
        self._apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self._apply()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = _DIALOG_CSS.format(name="ConfirmScreen")

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self._question = question
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._question, markup=False)
            with Horizontal():
                yield Button("No", id="no", compact=True)
                yield Button(self._yes, id="yes", variant="error", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
