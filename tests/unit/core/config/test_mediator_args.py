"""MEDIATOR_ARGS: the embedded mediator's own flags from the `.env`, shell-split, shown by `config show`, and
refused with the flag named (never its value) when a flag carries a secret."""

import subprocess
import sys

import pytest

from mediator_tui.core.config import load_config
from mediator_tui.core.config.secrets import Redactor
from mediator_tui.core.mediator.acapy import acapy
from mediator_tui.core.mediator.credo import credo
from mediator_tui.core.run.build import Overrides, build_controller

WALLET_KEY = "my-wallet-key-0d9e8f7a"


def env_file(tmp_path, args: str):
    scenario = tmp_path / "scenario.py"
    scenario.write_text("# a scenario\n")
    path = tmp_path / ".env"
    path.write_text(f"LOCUST_FILES={scenario}\nMEDIATOR_ARGS={args}\n")
    return path


def test_the_flags_are_shell_words_and_reach_the_local_runs_mediator(tmp_path):
    config = load_config(env_file(tmp_path, "--ws-heartbeat-interval 30 --label 'My mediator'"), environ={})
    assert config["MEDIATOR_ARGS"] == ("--ws-heartbeat-interval", "30", "--label", "My mediator")
    run = build_controller(config, Overrides())
    assert run.spec.mediator_flags == ("--ws-heartbeat-interval", "30", "--label", "My mediator")


def test_acapy_takes_them_after_its_own_so_they_win_and_node_before_the_credo_script():
    assert acapy().with_flags(["aca-py", "start", "--log-level", "warning"], ("--log-level", "info")) == [
        "aca-py",
        "start",
        "--log-level",
        "warning",
        "--log-level",
        "info",
    ]
    assert credo().with_flags(["node", "mediator.js"], ("--max-old-space-size=4096",)) == [
        "node",
        "--max-old-space-size=4096",
        "mediator.js",
    ]


@pytest.mark.parametrize(
    "args, flag",
    [
        (f"--wallet-key {WALLET_KEY}", "--wallet-key"),
        (f"--log-level info --admin-api-key={WALLET_KEY}", "--admin-api-key"),
        (f"--seed {WALLET_KEY}", "--seed"),
        (f"--jwt-secret {WALLET_KEY}", "--jwt-secret"),
    ],
)
def test_a_flag_that_carries_a_secret_is_refused_by_name_and_its_value_never_shown(tmp_path, args, flag):
    config = load_config(env_file(tmp_path, args), environ={}, strict=False)
    [problem] = config.problems
    assert problem.key == "MEDIATOR_ARGS" and f"{flag} carries a secret" in problem.message
    assert "environment" in problem.message and WALLET_KEY not in str(problem)
    assert WALLET_KEY not in Redactor(config.raw)(f"the log said {args}")


def test_flags_that_only_name_a_key_or_a_seed_are_no_secrets(tmp_path):
    config = load_config(
        env_file(tmp_path, "--wallet-key-derivation-method RAW --wallet-allow-insecure-seed"), environ={}
    )
    assert config["MEDIATOR_ARGS"] == ("--wallet-key-derivation-method", "RAW", "--wallet-allow-insecure-seed")


@pytest.mark.parametrize(
    "args, words", [("--label 'unclosed", "cannot be split into shell words"), ("30", "must start with a flag")]
)
def test_words_that_are_no_flags_are_named(tmp_path, args, words):
    config = load_config(env_file(tmp_path, args), environ={}, strict=False)
    assert [(p.key, words in p.message) for p in config.problems] == [("MEDIATOR_ARGS", True)]


def test_config_show_shows_the_flags_and_masks_a_secret_ones_value(tmp_path):
    for args, shown in (
        ("--ws-heartbeat-interval 30", "--ws-heartbeat-interval 30"),
        (f"--log-level info --wallet-key {WALLET_KEY}", "--log-level info --wallet-key ****"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "mediator_tui", "config", "show", "--env", str(env_file(tmp_path, args))],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert WALLET_KEY not in result.stdout + result.stderr
        assert f"MEDIATOR_ARGS={shown}" in result.stdout.replace("'", "")


@pytest.mark.parametrize(
    ("args", "flavour", "warned"),
    [
        ("--ws-heartbeat-interval 30", "acapy", "heartbeat to 30 s, not below its --ws-timeout-interval (15 s)"),
        ("--ws-heartbeat-interval=20 --ws-timeout-interval 20", "auto", "heartbeat to 20 s"),
        ("--ws-timeout-interval 2", "acapy-legacy", "heartbeat to 3 s, not below its --ws-timeout-interval (2 s)"),
        ("--ws-heartbeat-interval 30 --ws-timeout-interval 60", "acapy", None),
        ("--ws-heartbeat-interval 30", "credo", None),  # Node's flags, not ACA-Py's
        ("--log-level info", "acapy", None),
    ],
)
def test_a_heartbeat_acapy_would_drop_idle_websockets_for_is_warned_with_the_flag_to_add(
    tmp_path, args, flavour, warned
):
    env = env_file(tmp_path, args)
    env.write_text(env.read_text() + f"MEDIATOR_FLAVOUR={flavour}\n")
    run = build_controller(load_config(env))
    try:
        said = [line.text for line in run.drain_logs() if "heartbeat" in line.text]
    finally:
        run.shutdown()
    if warned is None:
        assert said == []
    else:
        (line,) = said
        assert warned in line and "idle wallets are cut off" in line and "--ws-timeout-interval" in line
