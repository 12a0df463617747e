import subprocess
import sys

import pytest

from mediator_tui.cli import main


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mediator_tui", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def test_help_lists_every_mode():
    result = run_cli("--help")
    assert result.returncode == 0
    for mode in ("--headless", "--export", "--attach", "config", "mediator", "--fail-on"):
        assert mode in result.stdout


def test_config_check_valid_file_exits_0(tmp_path):
    scenario = tmp_path / "scenario.py"
    scenario.write_text("")
    env = tmp_path / "ok.env"
    env.write_text(f"LOCUST_FILES={scenario}\nLOCUST_USERS=5\n")
    result = run_cli("config", "check", "--env", str(env))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


def test_config_check_reports_one_line_per_problem_and_hides_secrets(tmp_path):
    env = tmp_path / "bad.env"
    env.write_text("LOCUST_USERS=lots\nVERIFIER_HEADERS='{\"X-API-Key\": \"topsecret-999\"\n"
                   "LOCUST_MIN_WAIT=9\nLOCUST_MAX_WAIT=3\n")
    result = run_cli("config", "check", "--env", str(env))
    assert result.returncode == 2
    lines = result.stdout.strip().splitlines()
    keys = [line.split(":", 1)[0] for line in lines]
    assert {"LOCUST_USERS", "VERIFIER_HEADERS", "LOCUST_MIN_WAIT"} <= set(keys)
    assert "topsecret" not in result.stdout + result.stderr


def test_config_check_missing_file_is_a_clear_error(tmp_path):
    result = run_cli("config", "check", "--env", str(tmp_path / "nope.env"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_config_show_masks_secrets(tmp_path):
    scenario = tmp_path / "scenario.py"
    scenario.write_text("")
    env = tmp_path / ".env"
    env.write_text(f"LOCUST_FILES={scenario}\nATTACH_PASSWORD=hunter2hunter2\n")
    result = run_cli("config", "show", "--env", str(env))
    assert "ATTACH_PASSWORD=****" in result.stdout
    assert "hunter2" not in result.stdout + result.stderr


def test_export_without_headless_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--export", "out"])
    assert caught.value.code == 2
    assert "--headless" in capsys.readouterr().err


@pytest.mark.parametrize("mode", [[], ["--headless", "--export", "out"]])
def test_bad_load_option_is_a_usage_error_in_both_modes(mode, tmp_path):
    result = run_cli(*mode, "-u", "-3", cwd=tmp_path)
    assert result.returncode == 2
    assert "--users must not be negative" in result.stderr
    assert not (tmp_path / "out").exists()
