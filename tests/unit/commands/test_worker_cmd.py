"""`mediator-tui worker`: its command line, and the one-line errors with exit 2 it gives before any Locust."""

from __future__ import annotations

import pytest

from tests.unit.commands.test_cli import run_cli


def test_the_master_is_required():
    result = run_cli("worker")
    assert result.returncode == 2 and "--master" in result.stderr


@pytest.mark.parametrize("processes", ["0", "-2", "two"])
def test_processes_is_a_count_or_minus_one(processes):
    result = run_cli("worker", "--master", "127.0.0.1", "--processes", processes)
    assert result.returncode == 2 and "--processes" in result.stderr


def test_a_bad_master_address_is_one_line_and_exit_2(tmp_path):
    result = run_cli("worker", "--master", "10.0.0.5:99999", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr == "mediator-tui worker: --master '10.0.0.5:99999': the port must be a number from 1 to 65535\n"
    )


def test_a_missing_env_file_is_one_line_and_exit_2(tmp_path):
    result = run_cli("worker", "--master", "127.0.0.1", "--env", str(tmp_path / "none.env"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no such file" in result.stderr


@pytest.mark.parametrize("seconds", ["0", "-1", "inf", "soon"])
def test_the_join_timeout_is_a_positive_number_of_seconds(seconds):
    result = run_cli("worker", "--master", "127.0.0.1", "--join-timeout", seconds)
    assert result.returncode == 2 and "--join-timeout" in result.stderr
