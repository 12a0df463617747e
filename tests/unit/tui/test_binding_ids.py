"""Every key binding of the TUI has a stable id of its own, so a keymap (`App.set_keymap`) can rebind it."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil

from textual.app import App
from textual.binding import Binding

import mediator_tui.tui
from mediator_tui.tui.screens.modals import ConfirmScreen


def _tui_bindings() -> list[tuple[str, Binding | tuple]]:
    """(owner, binding) for every entry of a BINDINGS list a class of mediator_tui/tui defines itself."""
    found = []
    for module_info in pkgutil.walk_packages(mediator_tui.tui.__path__, "mediator_tui.tui."):
        module = importlib.import_module(module_info.name)
        for name, owner in inspect.getmembers(module, inspect.isclass):
            if owner.__module__ == module.__name__ and "BINDINGS" in vars(owner):
                found += [(f"{module.__name__}.{name}", binding) for binding in vars(owner)["BINDINGS"]]
    return found


def test_every_binding_has_an_id_no_other_binding_has():
    found = _tui_bindings()
    assert len(found) > 20  # the app, the dashboard with its panes' keys, the run keys, the dialogs
    unnamed = [(owner, b) for owner, b in found if not isinstance(b, Binding) or not b.id]
    assert unnamed == []
    owners_of: dict[str, set[int]] = {}
    for _owner, binding in found:
        owners_of.setdefault(binding.id, set()).add(id(binding))  # the run keys are one list on two screens
    assert {name: len(objects) for name, objects in owners_of.items() if len(objects) > 1} == {}


def test_a_keymap_rebinds_a_binding_by_its_id():
    answers: list[bool | None] = []

    class Asking(App):
        def on_mount(self) -> None:
            self.set_keymap({"confirm.yes": "j"})
            self.push_screen(ConfirmScreen("Stop the run?"), answers.append)

    async def press() -> None:
        app = Asking()
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press("y")  # the default key no longer answers
            await pilot.pause()
            assert answers == []
            await pilot.press("j")
            await pilot.pause()

    asyncio.run(press())
    assert answers == [True]
