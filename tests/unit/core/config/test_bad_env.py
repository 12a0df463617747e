"""Hostile `.env` files (tests/data/env/hostile/): `mediator-tui config check` names the problem, never crashes.

Plus a property test: whatever text a `.env` holds, reading and validating it raises
nothing but the documented `EnvFileError`.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator_tui.commands.cli import main
from mediator_tui.core.config import SETTINGS, EnvFileError, check_file, load_config
from tests.support.paths import DATA

HOSTILE = DATA / "env" / "hostile"

# file -> (exit status, words the output must hold)
EXPECTED = {
    "binary_garbage.env": (2, ["not UTF-8"]),
    "crlf.env": (0, ["ok"]),
    "deeply_nested_json.env": (2, ["ISSUER_HEADERS", "not valid JSON"]),
    "duplicate_keys_last_bad.env": (2, ["LOCUST_USERS", "'many'"]),
    "duration_overflow.env": (2, ["LOCUST_RUN_TIME"]),
    "headers_wrong_types.env": (2, ["ISSUER_HEADERS", "JSON object"]),
    "keyless_lines.env": (2, ["line 2", "cannot be parsed", "LOCUST_USERS"]),
    "locustfile_outside.env": (2, ["LOCUST_FILES", "no such locustfile"]),
    "nul_bytes.env": (2, ["AGENT_ENGINE"]),
    "nul_in_value.env": (2, ["MESSAGE_TO_SEND"]),
    "number_extremes.env": (
        2,
        ["LOCUST_USERS", "LOCUST_SPAWN_RATE", "LOCUST_MIN_WAIT", "LOCUST_MAX_WAIT", "VERIFIED_TIMEOUT_SECONDS"],
    ),
    "odd_numerals.env": (2, ["START_PORT", "LOCUST_WORKERS"]),
    "shell_expansion.env": (2, ["MEDIATION_URL", "invitation"]),
    "unterminated_double_quote.env": (2, ["ISSUER_HEADERS", "cannot be parsed"]),
    "unterminated_single_quote.env": (2, ["MESSAGE_TO_SEND", "cannot be parsed"]),
    "utf8_bom.env": (0, ["ok"]),
}


def check(path: Path, capsys) -> tuple[int, str]:
    code = main(["config", "check", "--env", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_every_hostile_file_has_an_expectation():
    assert sorted(p.name for p in HOSTILE.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_config_check_names_the_problem(name, capsys):
    code, output = check(HOSTILE / name, capsys)
    expected_code, words = EXPECTED[name]
    assert code == expected_code, output
    for word in words:
        assert word in output, output
    assert "Traceback" not in output
    assert len(output) < 5000  # one line per problem, not the file echoed back


def test_crlf_line_ends_leave_no_carriage_return_in_values():
    config = load_config(HOSTILE / "crlf.env", environ={})
    assert config["LOCUST_USERS"] == 5 and config["AGENT_ENGINE"] == "native"
    assert not [value for value in config.raw.values() if "\r" in value]


def test_a_byte_order_mark_does_not_hide_the_first_setting():
    assert load_config(HOSTILE / "utf8_bom.env", environ={})["LOCUST_USERS"] == 5


def test_a_huge_line_is_checked_quickly(tmp_path, capsys):
    env = tmp_path / "huge.env"
    env.write_text("MESSAGE_TO_SEND=" + "x" * (8 << 20) + "\nLOCUST_USERS=lots\n")
    started = time.monotonic()
    code, output = check(env, capsys)
    assert code == 2 and "LOCUST_USERS" in output
    assert time.monotonic() - started < 10
    assert len(output) < 5000


def test_a_directory_given_as_the_env_file_is_a_clear_error(tmp_path, capsys):
    code, output = check(tmp_path, capsys)
    assert code == 2 and str(tmp_path) in output


_KEYS = [s.key for s in SETTINGS] + ["export LOCUST_USERS", "MY_API_KEY", "", " ", "#"]
_PIECES = st.one_of(
    st.sampled_from(_KEYS),
    st.sampled_from(
        [
            "=",
            "'",
            '"',
            "\\",
            "#",
            "\n",
            "\r\n",
            "\r",
            "\x00",
            " ",
            "\t",
            "${HOME}",
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\ufeff",
            "1e309",
            "nan",
            "-1",
            "99999999999999999999",
            "http://x?oob=",
            "true",
        ]
    ),
    st.text(max_size=20),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_any_env_text_gives_problems_never_an_exception(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.env"
        path.write_text(text, encoding="utf-8", errors="replace")
        try:
            _, values, problems = check_file(path)
        except EnvFileError:
            return
        for problem in problems:
            assert problem.key and problem.message
        for value in values.values():
            if isinstance(value, float):
                assert not math.isnan(value)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_problems_or_a_file_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.env"
        path.write_bytes(data)
        try:
            check_file(path)
        except EnvFileError as error:
            assert "fuzz.env" in str(error)
