import base64
import json
import os

import pytest
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator_tui.core.config import (
    ConfigError,
    EnvFile,
    check_file,
    load_config,
    parse_bool,
    quote_value,
    validate,
)
from mediator_tui.core.config.validate import parse_locust_files, project_root
from tests.support.paths import DATA

ENV_FILES = DATA / "env"
ROOT = project_root()


def b64url(obj, pad):
    text = base64.urlsafe_b64encode(json.dumps(obj).encode()).decode()
    return text if pad else text.rstrip("=")


OOB = {
    "@type": "https://didcomm.org/out-of-band/1.1/invitation",
    "@id": "x",
    "services": [
        {
            "id": "#inline",
            "type": "did-communication",
            "recipientKeys": ["did:key:z6Mk"],
            "serviceEndpoint": "http://127.0.0.1:8020",
        }
    ],
}
CI = {
    "@type": "https://didcomm.org/connections/1.0/invitation",
    "@id": "y",
    "label": "m",
    "recipientKeys": ["8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K"],
    "serviceEndpoint": "http://127.0.0.1:8020",
}


@pytest.fixture
def locustfile(tmp_path):
    path = tmp_path / "scenario.py"
    path.write_text("# a scenario\n")
    return path


def write_env(tmp_path, text):
    path = tmp_path / ".env"
    path.write_text(text)
    return path


def test_commented_file_round_trips_byte_for_byte():
    original = (ENV_FILES / "commented.env").read_bytes()
    assert EnvFile(original.decode()).text().encode() == original


def test_edit_changes_only_the_edited_value_and_keeps_comments(tmp_path):
    path = tmp_path / ".env"
    path.write_bytes((ENV_FILES / "commented.env").read_bytes())
    env = EnvFile.read(path)
    env.set("LOCUST_MIN_WAIT", "5")
    env.set("LOCUST_MAX_WAIT", "7.5")
    env.set("NEW_KEY", "has spaces # and a hash")
    env.save()
    text = path.read_text()
    assert "LOCUST_MIN_WAIT=5   # inline comment\n" in text
    assert "export LOCUST_MAX_WAIT=7.5\n" in text
    assert "# The mediator we test (comment kept)\n" in text
    assert "UNKNOWN_KEY='kept as is'\n" in text
    values = dotenv_values(path)
    assert values["LOCUST_MIN_WAIT"] == "5"
    assert values["NEW_KEY"] == "has spaces # and a hash"
    assert values["LAST"] == "1"
    untouched = (ENV_FILES / "commented.env").read_text().replace("LOCUST_MIN_WAIT=60", "LOCUST_MIN_WAIT=5")
    untouched = untouched.replace('export LOCUST_MAX_WAIT="120"', "export LOCUST_MAX_WAIT=7.5")
    assert text.startswith(untouched)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=60))
def test_any_saved_value_reads_back_identically_with_dotenv(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("q") / ".env"
    env = EnvFile("# head\nA=old\n")
    env.set("A", value)
    env.set("B", value)
    env.save(path)
    read = dotenv_values(path, interpolate=True)
    assert read["A"] == value and read["B"] == value


def test_interrupted_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = write_env(tmp_path, "# keep me\nLOCUST_USERS=10\n")
    env = EnvFile.read(path)
    env.set("LOCUST_USERS", "20")

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        env.save()
    assert path.read_text() == "# keep me\nLOCUST_USERS=10\n"
    assert [p.name for p in tmp_path.iterdir()] == [".env"]


def test_save_keeps_file_mode(tmp_path):
    path = write_env(tmp_path, "A=1\n")
    path.chmod(0o640)
    env = EnvFile.read(path)
    env.set("A", "2")
    env.save()
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "name, key, words",
    [
        ("bad_number.env", "LOCUST_MIN_WAIT", "not a number"),
        ("min_over_max.env", "LOCUST_MIN_WAIT", "greater than LOCUST_MAX_WAIT"),
        ("reversed_ports.env", "START_PORT", "below END_PORT"),
        ("ports_out_of_range.env", "START_PORT", "outside the port range"),
        ("ports_out_of_range.env", "END_PORT", "outside the port range"),
        ("undecodable_invitation.env", "MEDIATION_URL", "base64"),
        ("invitation_not_object.env", "MEDIATION_URL", "not a JSON object"),
        ("invalid_json.env", "ISSUER_HEADERS", "not valid JSON"),
        ("unknown_engine.env", "AGENT_ENGINE", "must be one of native, credo"),
        ("bad_bool.env", "WITH_MEDIATION", "not a boolean"),
        ("missing_locustfile.env", "LOCUST_FILES", "no such locustfile: locustNoSuchScenario.py"),
        ("bad_duration.env", "LOCUST_RUN_TIME", "not a duration"),
        ("bad_url.env", "ISSUER_URL", "not an http(s) URL"),
    ],
)
def test_malformed_files_name_the_key_and_the_fault(name, key, words):
    _, _, problems = check_file(ENV_FILES / name)
    matching = [p for p in problems if p.key == key]
    assert matching, f"{name}: no problem for {key} in {problems}"
    assert any(words in p.message for p in matching), matching


def test_every_problem_is_reported_at_once(tmp_path):
    path = write_env(tmp_path, "LOCUST_USERS=many\nAGENT_ENGINE=afj\nSTART_PORT=99999\n")
    _, _, problems = check_file(path)
    assert {p.key for p in problems} >= {"LOCUST_USERS", "AGENT_ENGINE", "START_PORT"}


@pytest.mark.parametrize("pad", [True, False])
@pytest.mark.parametrize("kind, message", [("oob", OOB), ("c_i", CI)])
def test_invitations_decode_with_and_without_padding(tmp_path, locustfile, pad, kind, message):
    url = f"http://127.0.0.1:8020?{kind}={b64url(message, pad)}"
    config = load_config(write_env(tmp_path, f"MEDIATION_URL={url}\nLOCUST_FILES={locustfile}\n"), environ={})
    assert config["MEDIATION_URL"].kind == kind
    assert config["MEDIATION_URL"].message["@id"] == message["@id"]


def test_empty_mediation_url_means_embedded_mediator(tmp_path, locustfile):
    config = load_config(write_env(tmp_path, f"MEDIATION_URL=\nLOCUST_FILES={locustfile}\n"), environ={})
    assert config["MEDIATION_URL"] is None


@pytest.mark.parametrize(
    "word, expected",
    [("False", False), ("false", False), ("0", False), ("no", False), ("True", True), ("1", True), ("yes", True)],
)
def test_booleans_mean_what_they_say(word, expected):
    assert parse_bool(word) is expected


def test_seed_locust_files_resolve_and_extra_flags_are_kept(tmp_path):
    scenario = tmp_path / "locustMine.py"
    scenario.write_text("")
    other = tmp_path / "locustOther.py"
    other.write_text("")
    files = parse_locust_files("locustMine.py,locustOther.py --master -P 8090", base=tmp_path)
    assert files.paths == (scenario.resolve(), other.resolve())
    assert files.extra_args == ("--master", "-P", "8090")


def test_environment_overrides_the_file(tmp_path, locustfile):
    path = write_env(tmp_path, f"LOCUST_USERS=10\nLOCUST_FILES={locustfile}\n")
    assert load_config(path, environ={"LOCUST_USERS": "25"})["LOCUST_USERS"] == 25


def test_strict_load_raises_with_every_problem(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write_env(tmp_path, "LOCUST_USERS=x\nSTART_PORT=1\n"), environ={})
    assert {p.key for p in caught.value.problems} >= {"LOCUST_USERS", "START_PORT"}


def test_secrets_are_masked_in_problems_and_views(tmp_path, locustfile):
    token = "Bearer sekrit-token-123"
    path = write_env(
        tmp_path, f'ISSUER_HEADERS=\'{{"Authorization": "{token}"\'\nLOCUST_FILES={locustfile}\nMY_API_KEY=abcd1234\n'
    )
    config = load_config(path, environ={}, strict=False)
    shown = " ".join(str(p) for p in config.problems) + json.dumps(config.masked())
    assert "sekrit" not in shown and "abcd1234" not in shown
    assert (
        config.redactor()(f"log: header {token} and sekrit-token-123, key abcd1234")
        == "log: header **** and ****, key ****"
    )


def test_defaults_validate(locustfile):
    values, problems = validate({"LOCUST_FILES": str(locustfile)})
    assert problems == []
    assert values["AGENT_ENGINE"] == "native" and values["WITH_MEDIATION"] is True


def test_quoting_leaves_plain_values_bare():
    assert quote_value("locustMediatorPing.py,b.py") == "locustMediatorPing.py,b.py"
    assert quote_value('{"a": 1}') == "'{\"a\": 1}'"


@pytest.mark.parametrize("raw, cores", [("", None), ("0.8", 0.8), ("800m", 0.8), ("2", 2.0), (" 0.2 ", 0.2)])
def test_the_mediators_cpu_limit_reads_as_cores_like_a_pods(tmp_path, locustfile, raw, cores):
    config = load_config(write_env(tmp_path, f"LOCUST_FILES={locustfile}\nMEDIATOR_CPU_LIMIT={raw}\n"), environ={})
    assert config["MEDIATOR_CPU_LIMIT"] == cores


@pytest.mark.parametrize(
    "raw, words",
    [
        ("0", "positive"),
        ("-1", "positive"),
        ("0.001", "at least 0.01"),
        ("inf", "positive"),
        ("one", "not a number of cores"),
    ],
)
def test_a_cpu_limit_that_is_no_positive_number_is_named(tmp_path, locustfile, raw, words):
    config = load_config(
        write_env(tmp_path, f"LOCUST_FILES={locustfile}\nMEDIATOR_CPU_LIMIT={raw}\n"), environ={}, strict=False
    )
    assert [(p.key, words in p.message) for p in config.problems] == [("MEDIATOR_CPU_LIMIT", True)]
