"""The configuration screen, driven by keys as a user would."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input, Static


def _emptied_editor(pilot, key: str) -> Input:
    editor = pilot.app.screen.query_one(f"#edit-{key}", Input)
    editor.focus()
    editor.value = ""
    return editor


async def _type_into(pilot, key: str, text: str) -> None:
    """Key by key: the screen checks the form on every keystroke."""
    _emptied_editor(pilot, key)
    await pilot.pause()
    await pilot.press(*text)
    await pilot.pause()


async def _paste_into(pilot, key: str, text: str) -> None:
    """As a paste: one change of the field, checked as typing is, without a screen layout per character."""
    _emptied_editor(pilot, key).post_message(events.Paste(text))
    await pilot.pause()


def _shown(pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def _problem_of(pilot, key: str) -> str:
    return _shown(pilot, f"#field-{key} .setting-problem")


def test_invalid_value_shows_its_message_and_blocks_save(drive, env_file: Path):
    before = env_file.read_text()

    async def steps(pilot):
        await pilot.press("c")
        await _type_into(pilot, "LOCUST_USERS", "lots")
        assert "is not a whole number" in _problem_of(pilot, "LOCUST_USERS")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "1 problem to fix" in _shown(pilot, "#config-notice")

    drive(steps)
    assert env_file.read_text() == before


def test_valid_save_keeps_comments_and_other_lines(drive, env_file: Path):
    async def steps(pilot):
        await pilot.press("c")
        await _paste_into(pilot, "LOCUST_USERS", "250")
        assert _problem_of(pilot, "LOCUST_USERS") == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "changes apply to the next start" in _shown(pilot, "#config-notice")

    drive(steps)
    assert env_file.read_text() == (
        "# Who we test\n"
        "MEDIATION_URL=\n"
        "\n"
        "# How hard\n"
        "LOCUST_FILES=locustMediatorPing.py\n"
        "LOCUST_USERS=250  # wallets\n"
        'ISSUER_HEADERS=\'{"Authorization": "Bearer s3cr3t-token"}\'\n'
    )


def test_fixing_the_value_clears_its_message(drive):
    async def steps(pilot):
        await pilot.press("c")
        await _paste_into(pilot, "START_PORT", "80")
        assert "port range" in _problem_of(pilot, "START_PORT")
        await _paste_into(pilot, "START_PORT", "20000")
        assert "below END_PORT" in _problem_of(pilot, "START_PORT")
        await _paste_into(pilot, "START_PORT", "10000")
        assert _problem_of(pilot, "START_PORT") == ""

    drive(steps)


def test_secret_is_masked_until_revealed(drive):
    async def steps(pilot):
        await pilot.press("c")
        headers = pilot.app.screen.query_one("#edit-ISSUER_HEADERS", Input)
        assert headers.password
        pilot.app.screen.query_one("#reveal-ISSUER_HEADERS").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert not headers.password

    drive(steps)


def test_a_url_holding_a_password_is_masked_like_a_secret(drive, env_file: Path):
    env_file.write_text(
        env_file.read_text() + "ISSUER_URL=http://admin:url-pw-8c1e@issuer.example:8021\n"
        "VERIFIER_URL=http://verifier.example:8031\n"
    )

    async def steps(pilot):
        await pilot.press("c")
        await pilot.pause()
        issuer = pilot.app.screen.query_one("#edit-ISSUER_URL", Input)
        assert issuer.password and issuer.value.endswith("@issuer.example:8021")
        issuer.scroll_visible()
        await pilot.pause()
        assert "url-pw-8c1e" not in pilot.app.export_screenshot()
        assert not pilot.app.screen.query_one("#edit-VERIFIER_URL", Input).password
        pilot.app.screen.query_one("#reveal-ISSUER_URL").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert not issuer.password

    drive(steps)


def test_revert_restores_the_saved_value(drive):
    async def steps(pilot):
        await pilot.press("c")
        await _paste_into(pilot, "LOCUST_USERS", "999")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert pilot.app.screen.query_one("#edit-LOCUST_USERS", Input).value == "10"
        assert not pilot.app.screen.unsaved_changes()

    drive(steps)


def test_a_scenario_need_the_form_lacks_is_shown_on_the_setting_with_the_scenario(drive, env_file: Path):
    async def steps(pilot):
        await pilot.press("c")
        await _paste_into(pilot, "LOCUST_FILES", "locustIssue.py")
        assert "is empty, but locustIssue.py needs it (the issuer's admin API)" in _problem_of(pilot, "ISSUER_URL")
        await _paste_into(pilot, "ISSUER_URL", "http://127.0.0.1:8021")
        assert _problem_of(pilot, "ISSUER_URL") == ""

    drive(steps)
