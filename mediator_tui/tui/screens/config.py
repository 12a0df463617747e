"""The configuration screen: the `.env` as a form, checked by the core as you type."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Select, Static

from mediator_tui.core.config.envfile import EnvFile, EnvFileError
from mediator_tui.core.config.problem import Problem
from mediator_tui.core.config.schema import GROUPS, SETTINGS
from mediator_tui.core.config.validate import validate
from mediator_tui.tui.screens.setting_field import SettingField


def _read_env(path: Path) -> EnvFile:
    """A missing file is an empty form; saving creates it."""
    try:
        return EnvFile.read(path)
    except EnvFileError:
        if path.exists():
            raise
        return EnvFile("", path)


class ConfigScreen(Screen):
    DEFAULT_CSS = """
    ConfigScreen #config-notice { height: auto; padding: 0 1; background: $boost; }
    ConfigScreen #config-notice.-dirty { color: $warning; }
    ConfigScreen .group-title { text-style: bold reverse; padding: 0 1; margin: 1 0 0 0; width: 100%; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="config.save"),
        Binding("ctrl+r", "revert", "Revert", priority=True, id="config.revert"),
        Binding("escape", "app.show_dashboard", "Back", id="config.back"),
    ]

    def __init__(self, config_path: Path) -> None:
        super().__init__(name="config")
        self.config_path = config_path
        self._env = _read_env(config_path)
        self._problems: list[Problem] = []
        self._field_list: list[SettingField] = []
        self._notice = ""

    def compose(self) -> ComposeResult:
        yield Static(id="config-notice", markup=False)
        raw = self._saved_values()
        # Not focusable itself: focus moving onto or off a container restyles all it holds (about 420 widgets
        # here, a third of a second), and the form is walked through its editors anyway.
        with VerticalScroll(id="config-form", can_focus=False):
            for group in GROUPS:
                yield Static(group.capitalize(), classes="group-title")
                for setting in SETTINGS:
                    if setting.group == group:
                        field = SettingField(setting, raw[setting.key])
                        self._field_list.append(field)
                        yield field
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._check()

    def _saved_values(self) -> dict[str, str]:
        in_file = self._env.values()
        return {s.key: in_file.get(s.key, s.default) for s in SETTINGS}

    def _fields(self) -> list[SettingField]:
        # Composed once and never replaced: querying the DOM on every keystroke costs more than the check.
        return self._field_list

    def form_values(self) -> dict[str, str]:
        return {field.setting.key: field.value for field in self._fields()}

    def unsaved_changes(self) -> dict[str, str]:
        saved = self._saved_values()
        return {key: value for key, value in self.form_values().items() if value != saved[key]}

    def _check(self) -> None:
        _, self._problems = validate(self.form_values(), base=self.config_path.parent)
        by_key: dict[str, str] = {}
        for problem in self._problems:
            by_key.setdefault(problem.key, problem.message)
        for field in self._fields():
            field.show_problem(by_key.get(field.setting.key))
        self._show_notice()

    def _show_notice(self) -> None:
        changed = len(self.unsaved_changes())
        parts = [f"{self.config_path} · changes apply to the next start"]
        if changed:
            parts.append(f"{changed} unsaved change{'s' if changed != 1 else ''} (ctrl+s save, ctrl+r revert)")
        if self._problems:
            parts.append(f"{len(self._problems)} problem{'s' if len(self._problems) != 1 else ''} to fix")
        text = " · ".join(parts)
        notice = self.query_one("#config-notice", Static)
        # Checked on every keystroke, which mostly leaves the notice as it was: an update lays out the whole form.
        if text != self._notice:
            self._notice = text
            notice.update(text)
        notice.set_class(bool(changed), "-dirty")

    def on_input_changed(self, _: Input.Changed) -> None:
        self._check()

    def on_select_changed(self, _: Select.Changed) -> None:
        self._check()

    def action_save(self) -> None:
        self._check()
        if self._problems:
            self.notify(f"Not saved: {len(self._problems)} problem(s), shown in red", severity="error")
            self._scroll_to_first_problem()
            return
        changed = self.unsaved_changes()
        if not changed:
            self.notify("Nothing to save")
            return
        for key, value in changed.items():
            self._env.set(key, value)
        try:
            self._env.save(self.config_path)
        except OSError as exc:
            self.notify(f"Not saved: {exc}", severity="error", markup=False)
            return
        self._show_notice()
        self.notify(f"Saved {len(changed)} setting(s); they apply to the next start")

    def action_revert(self) -> None:
        try:
            self._env = _read_env(self.config_path)
        except EnvFileError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        saved = self._saved_values()
        for field in self._fields():
            field.set_value(saved[field.setting.key])
        self._check()
        self.notify("Reverted to the saved file")

    def _scroll_to_first_problem(self) -> None:
        invalid = self.query("SettingField.-invalid")
        if invalid:
            first = invalid.first(SettingField)
            first.editor.focus()
            self.query_one("#config-form", VerticalScroll).scroll_to_widget(first, animate=False)
