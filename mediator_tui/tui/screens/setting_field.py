"""One editable setting: its name, an editor fitting its kind, its help and its problem, if any."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from mediator_tui.core.config.schema import Setting
from mediator_tui.core.config.url_auth import split_userinfo

_BOOL_CHOICES = ("true", "false")


class SettingField(Vertical):
    """Holds the raw text of a setting; typing and checking it is the core's job."""

    DEFAULT_CSS = """
    SettingField { height: auto; padding: 0 1; }
    SettingField > Horizontal { height: auto; }
    SettingField .setting-key { width: 26; padding: 0 1 0 0; text-style: bold; }
    SettingField Input, SettingField Select { width: 1fr; }
    SettingField .reveal { min-width: 8; width: 8; margin: 0 0 0 1; }
    SettingField .setting-help { color: $text-muted; padding: 0 0 0 26; }
    SettingField .setting-problem { color: $error; padding: 0 0 0 26; display: none; }
    SettingField.-invalid .setting-problem { display: block; }
    SettingField.-invalid .setting-key { color: $error; }
    """

    def __init__(self, setting: Setting, raw: str) -> None:
        super().__init__(id=f"field-{setting.key}")
        self.setting = setting
        self._initial = raw
        # A URL holding a password is edited like a secret: hidden until the user asks.
        self._hidden = setting.secret or (setting.kind == "url" and bool(split_userinfo(raw).password))
        self._problem: str | None = None
        self._editor_widget: Input | Select[str] | None = None

    def compose(self) -> ComposeResult:
        setting = self.setting
        with Horizontal():
            yield Label(setting.key, classes="setting-key")
            yield self._editor(self._initial)
            if self._hidden:
                yield Button("Show", id=f"reveal-{setting.key}", classes="reveal", compact=True)
        yield Static(setting.help, classes="setting-help", markup=False)
        yield Static("", classes="setting-problem", markup=False)

    def _options(self, raw: str) -> tuple[str, ...]:
        choices = _BOOL_CHOICES if self.setting.kind == "bool" else self.setting.choices
        # A value outside the list (an alias, a typo) stays selectable so loading never rewrites it.
        return choices if raw in choices else (raw, *choices)

    def _editor(self, raw: str) -> Input | Select[str]:
        key = self.setting.key
        if self.setting.kind in ("bool", "choice"):
            return Select(
                ((option or "(empty)", option) for option in self._options(raw)),
                value=raw,
                allow_blank=False,
                compact=True,
                id=f"edit-{key}",
            )
        return Input(
            raw, password=self._hidden, compact=True, id=f"edit-{key}", placeholder=self.setting.default or "(empty)"
        )

    @property
    def editor(self) -> Input | Select[str]:
        # Composed once and never replaced: the form reads every editor on every keystroke.
        if self._editor_widget is None:
            # textual checks the widget with isinstance, which takes a tuple; its overloads name one type
            self._editor_widget = self.query_one(f"#edit-{self.setting.key}", (Input, Select))  # type: ignore[call-overload]
        return self._editor_widget

    @property
    def value(self) -> str:
        editor = self.editor
        return editor.value if isinstance(editor, Input) else str(editor.value)

    def set_value(self, raw: str) -> None:
        editor = self.editor
        if isinstance(editor, Input):
            editor.value = raw
        else:
            editor.set_options((option or "(empty)", option) for option in self._options(raw))
            editor.value = raw

    def show_problem(self, message: str | None) -> None:
        # The form is checked on every keystroke: redrawing (and laying out) every unchanged field costs the screen.
        if message == self._problem:
            return
        self._problem = message
        self.query_one(".setting-problem", Static).update(f"✗ {message}" if message else "")
        self.set_class(bool(message), "-invalid")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        editor = self.editor
        if isinstance(editor, Input):
            editor.password = not editor.password
            event.button.label = "Show" if editor.password else "Hide"
