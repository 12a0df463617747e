import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediator_tui.commands.cli import main
from tests.support.installed_agent import installed_agent_folder


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`mediator-tui ARGS` run by its entry point in this process, from `cwd`: its exit code and what it printed,
    without a new interpreter's start for each case (the next test starts it as a process of its own)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd or Path.cwd()), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors and --help
            code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
    return subprocess.CompletedProcess(["mediator-tui", *args], code, out.getvalue(), err.getvalue())


def test_help_lists_every_mode():
    result = subprocess.run(
        [sys.executable, "-m", "mediator_tui", "--help"], capture_output=True, text=True, timeout=60
    )
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
    env.write_text(
        'LOCUST_USERS=lots\nVERIFIER_HEADERS=\'{"X-API-Key": "topsecret-999"\nLOCUST_MIN_WAIT=9\nLOCUST_MAX_WAIT=3\n'
    )
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


def _env_file(tmp_path, text):
    env = tmp_path / ".env"
    env.write_text(text)
    return env


@pytest.mark.parametrize(
    "settings, expected",
    [
        ("LOCUST_FILES=locustIssue.py\n", "ISSUER_URL: is empty, but locustIssue.py needs it (the issuer's admin API)"),
        (
            "LOCUST_FILES=locustIssueMsg.py\nISSUER_URL=http://127.0.0.1:8021\nSTART_PORT=10000\nEND_PORT=10005\n"
            "LOCUST_USERS=20\n",
            "END_PORT: is too small, but locustIssueMsg.py needs it (a port per listening agent: [START_PORT, END_PORT) "
            "holds 5 ports for 20 Locust users' agents)",
        ),
        (
            "LOCUST_FILES=locustConnection.py\nISSUER_URL=http://127.0.0.1:8021\nWITH_MEDIATION=false\nAGENT_IP=\n",
            "AGENT_IP: is empty, but locustConnection.py needs it (the address the issuer reaches listening agents at)",
        ),
        (
            "LOCUST_FILES=locustMediatorIssueRevoke.py,locustIssueRevoke.py\nISSUER_URL=http://127.0.0.1:8021\n",
            "CRED_DEF: is empty, but locustMediatorIssueRevoke.py, locustIssueRevoke.py need it "
            "(a revocable Indy/AnonCreds credential definition)",
        ),
        (
            "LOCUST_FILES=locustMediatorIssue.py\nISSUER_URL=http://127.0.0.1:8021\nCRED_DEF=X:3:CL:1:tag\n",
            "SCHEMA: is empty, but locustMediatorIssue.py needs it (the schema id of CRED_DEF, for Indy/AnonCreds "
            "issuance)",
        ),
        (
            "LOCUST_FILES=locustMediatorOffline.py\nOFFLINE_SECONDS=60\nVERIFIED_TIMEOUT_SECONDS=30\n",
            "VERIFIED_TIMEOUT_SECONDS: is too small, but locustMediatorOffline.py needs it (longer than OFFLINE_SECONDS "
            "(60 s), or every message sent to the offline wallet counts as lost before it returns)",
        ),
    ],
)
def test_config_check_names_the_setting_a_scenario_needs_and_the_scenario(tmp_path, settings, expected):
    result = run_cli("config", "check", "--env", str(_env_file(tmp_path, settings)))
    assert result.returncode == 2
    assert expected in result.stdout.splitlines()


def test_config_check_passes_what_the_scenarios_have(tmp_path):
    env = _env_file(
        tmp_path,
        "LOCUST_FILES=locustConnection.py,locustMediatorIssue.py,locustMediatorOffline.py\n"
        "ISSUER_URL=http://127.0.0.1:8021\nLOCUST_USERS=5000\n",
    )  # mediated: no ports
    result = run_cli("config", "check", "--env", str(env))
    assert result.returncode == 0, result.stdout


def test_a_headless_start_names_what_the_scenarios_given_with_f_need_before_starting_anything(tmp_path):
    _env_file(tmp_path, "LOCUST_FILES=locustMediatorPing.py\nSTART_PORT=10000\nEND_PORT=10002\n")
    result = run_cli("--headless", "--export", "out", "-f", "locustIssue.py", "-u", "3", cwd=tmp_path)
    assert result.returncode == 2
    assert "ISSUER_URL: is empty, but locustIssue.py needs it (the issuer's admin API)" in result.stderr
    # -u counts: three users' agents do not fit in two ports.
    assert "holds 2 ports for 3 Locust users' agents" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_need_of_the_configured_files_does_not_hold_back_a_run_of_other_files(tmp_path):
    _env_file(tmp_path, "LOCUST_FILES=locustIssue.py\n")  # lacks ISSUER_URL; -f replaces it
    result = run_cli("--headless", "--export", "out", "-f", "locustLiveness.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "locustLiveness.py needs it" in result.stderr and "locustIssue.py" not in result.stderr


def _without_node(tmp_path) -> dict[str, str]:
    bare = tmp_path / "bare-path"
    bare.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_BINARY", "MEDIATOR_TUI_AGENT_DIR")}
    return {**env, "PATH": str(bare)}


def test_config_check_refuses_the_credo_engine_where_node_is_missing_with_the_command_that_installs_it(tmp_path):
    env = _env_file(tmp_path, "AGENT_ENGINE=credo\n")
    result = subprocess.run(
        [sys.executable, "-m", "mediator_tui", "config", "check", "--env", str(env)],
        capture_output=True,
        text=True,
        timeout=60,
        env=_without_node(tmp_path),
    )
    assert result.returncode == 2
    assert (
        "AGENT_ENGINE: credo cannot be installed here: node is not on PATH: install Node.js 20 or newer, "
        "with npm, then run `mediator-tui agents provision`"
    ) in result.stdout


def test_config_check_says_where_the_credo_engine_is_installed(tmp_path):
    # An installed agent project of its own, not whatever this host has installed (or is installing).
    installed = installed_agent_folder(tmp_path / "agent")
    env = {**os.environ, "MEDIATOR_TUI_AGENT_DIR": str(installed), "NODE_BINARY": sys.executable}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mediator_tui",
            "config",
            "check",
            "--env",
            str(_env_file(tmp_path, "AGENT_ENGINE=credo\n")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stdout
    assert f"AGENT_ENGINE=credo: the Credo agent installed in {installed}" in result.stdout


def test_a_headless_credo_run_without_node_is_refused_before_any_process_starts(tmp_path):
    _env_file(tmp_path, "AGENT_ENGINE=credo\nMEDIATION_URL=\n")
    result = subprocess.run(
        [sys.executable, "-m", "mediator_tui", "--headless", "--export", "out"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=_without_node(tmp_path),
    )
    assert result.returncode == 2
    assert "node is not on PATH" in result.stderr and "mediator-tui agents provision" in result.stderr
    assert "starting the embedded mediator" not in result.stdout + result.stderr


def test_agents_provision_without_node_says_what_to_install(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mediator_tui", "agents", "provision"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_without_node(tmp_path),
    )
    assert result.returncode == 1
    assert "node is not on PATH: install Node.js 20 or newer, with npm" in result.stderr


def test_config_show_shows_the_mediator_s_cpu_limit(tmp_path):
    env = tmp_path / ".env"
    env.write_text("MEDIATOR_CPU_LIMIT=800m\n")
    assert "MEDIATOR_CPU_LIMIT=800m" in run_cli("config", "show", "--env", str(env)).stdout.splitlines()


@pytest.mark.parametrize(
    "value, said",
    [("lots", "is not a number of cores (e.g. 0.8 or 800m)"), ("0.001", "at least 0.01 (the kernel's least quota)")],
)
def test_mediator_up_refuses_a_cpu_limit_it_cannot_apply_before_starting_anything(tmp_path, value, said):
    result = run_cli("mediator", "up", "--cpu-limit", value, cwd=tmp_path)
    assert result.returncode == 2 and f"argument --cpu-limit: '{value}' " in result.stderr and said in result.stderr
