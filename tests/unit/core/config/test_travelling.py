"""Which settings a master sends to workers joining from other hosts: never a secret."""

from __future__ import annotations

from mediator_tui.contracts.worker_join import refusal
from mediator_tui.core.config import SETTINGS
from mediator_tui.core.config.travelling import HOST_SETTINGS, join_reply, secrets_used, travelling_settings

# Every setting set to a value of its own (a JSON object for the header settings, a URL for URLs).
EVERY = {
    s.key: ('{"x-api-key": "value-of-' + s.key + '"}' if s.kind == "json" else f"value-of-{s.key}") for s in SETTINGS
}


def test_no_secret_setting_ever_travels_whatever_its_value():
    sent = travelling_settings(EVERY)
    secrets = {s.key for s in SETTINGS if s.secret}
    assert secrets and not secrets & set(sent)
    assert not any(EVERY[key] in value for key in secrets for value in sent.values())


def test_the_settings_of_the_masters_own_host_stay_there():
    sent = travelling_settings(EVERY)
    assert HOST_SETTINGS <= {s.key for s in SETTINGS}  # every name in it is a setting
    assert not HOST_SETTINGS & set(sent)


def test_the_run_settings_travel_as_the_master_has_them():
    sent = travelling_settings(EVERY)
    assert {"MEDIATION_URL", "MESSAGE_TO_SEND", "LOCUST_MIN_WAIT", "AGENT_ENGINE", "PICKUP_STRATEGY"} <= set(sent)
    assert sent["MESSAGE_TO_SEND"] == "value-of-MESSAGE_TO_SEND"
    assert set(sent) == {s.key for s in SETTINGS if not s.secret and s.key not in HOST_SETTINGS}


def test_a_url_with_a_password_in_it_stays_home_and_is_named_as_needed():
    raw = {"ISSUER_URL": "http://admin:hunter22@issuer:8031", "MESSAGE_TO_SEND": "hi", "ISSUER_HEADERS": "{}"}
    sent = travelling_settings(raw)
    assert sent == {"MESSAGE_TO_SEND": "hi"}
    # an empty secret is not one the run uses
    assert secrets_used(raw) == ("ISSUER_URL",)
    assert secrets_used({**raw, "ISSUER_HEADERS": '{"a": "b"}'}) == ("ISSUER_URL", "ISSUER_HEADERS")


def test_the_master_answers_a_worker_of_its_version_with_the_settings_and_the_secret_names_only():
    reply = join_reply("1.0.0", EVERY, "1.0.0")
    assert not reply.refused
    assert reply.settings == travelling_settings(EVERY)
    assert set(reply.secrets) == {s.key for s in SETTINGS if s.secret}
    wire = repr(reply.to_json())
    assert not any(EVERY[s.key] in wire for s in SETTINGS if s.secret)


def test_a_worker_of_another_version_is_refused_with_both_versions_and_gets_nothing():
    reply = join_reply("0.9.0", EVERY, "1.0.0")
    assert reply.refused == "worker 0.9.0 refused by master 1.0.0: install the same version"
    assert reply.settings == {} and reply.secrets == ()
    assert refusal("", "1.0.0") == "worker (unknown version) refused by master 1.0.0: install the same version"


def test_the_workers_a_master_waits_for_stay_with_it():
    # Sent, REMOTE_WORKERS without the master's MASTER_HOST is a configuration problem on every worker's host.
    assert "REMOTE_WORKERS" not in travelling_settings({"REMOTE_WORKERS": "10", "MESSAGE_TO_SEND": "hi"})
