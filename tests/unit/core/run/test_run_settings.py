"""What a run's export keeps of its settings for a later comparison: the command line over the configuration,
the embedded mediator's flavour, release and shape as it ran, and never a secret."""

from mediator_tui.core.compare.runs import load_run
from mediator_tui.core.compare.table import render_text
from mediator_tui.core.compare.verdicts import compare
from mediator_tui.core.config import load_config
from mediator_tui.core.mediator import LocalMediator
from mediator_tui.core.mediator.proxy import ProxySetting
from mediator_tui.core.run.build import Overrides, build_controller
from mediator_tui.core.run.mediator_facts import mediator_facts
from tests.support.compare_runs import export_recorded


def ran(mediator: LocalMediator) -> LocalMediator:
    """`mediator` as a started one describes itself (nothing is started: its shape is what is read)."""
    mediator.runtime_label = "ACA-Py 1.7.0"
    return mediator


def test_the_settings_kept_are_those_the_run_used_and_hold_no_secret(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = tmp_path / ".env"
    env.write_text(
        "LOCUST_USERS=10\nLOCUST_MIN_WAIT=0.5\nMEDIATOR_CPU_LIMIT=0.2\nATTACH_PASSWORD=hunter2-secret\n"
        'MEDIATOR_ADMIN_HEADERS={"x-api-key": "k3y-secret"}\n'
    )
    controller = build_controller(
        load_config(env), Overrides(users=4, run_time_s=30.0, locustfiles=["locustMediatorPing.py"])
    )
    try:
        settings = controller.run_settings()
        assert settings["LOCUST_USERS"] == 4 and settings["LOCUST_RUN_TIME"] == 30.0
        assert settings["LOCUST_MIN_WAIT"] == 0.5 and settings["LOCUST_FILES"] == ["locustMediatorPing.py"]
        assert "secret" not in repr(settings)
        assert "mediator" not in settings and settings["MEDIATOR_CPU_LIMIT"] == 0.2  # configured, not started
        # Once the embedded mediator runs, its own flavour, release and limit are kept.
        controller.mediator = ran(LocalMediator("acapy", cpu_limit=0.2))
        settings = controller.run_settings()
        assert (settings["mediator"], settings["mediator_release"], settings["MEDIATOR_CPU_LIMIT"]) == (
            "acapy",
            "ACA-Py 1.7.0",
            0.2,
        )
        assert (settings["MEDIATOR_STORAGE"], settings["MEDIATOR_PROXY"], settings["MEDIATOR_INSTANCES"]) == (
            "sqlite",
            "none",
            1,
        )
        assert settings["MEDIATOR_PROXY_IDLE_TIMEOUT"] is None and settings["MEDIATOR_ARGS"] == []
    finally:
        controller.mediator = None
        controller.shutdown()


def test_the_embedded_mediators_shape_is_kept_as_it_ran_and_an_external_one_keeps_none_of_it():
    shaped = ran(
        LocalMediator(
            "acapy",
            storage="postgres",
            postgres_max_connections=40,
            proxy=ProxySetting("nginx", 30.0),
            instances=2,
            flags=("--ws-heartbeat-interval", "30"),
        )
    )
    facts = mediator_facts(shaped, external=False)
    assert facts["MEDIATOR_STORAGE"] == "postgres" and facts["MEDIATOR_POSTGRES_MAX_CONNECTIONS"] == 40
    assert facts["MEDIATOR_PROXY"] == "nginx" and facts["MEDIATOR_PROXY_IDLE_TIMEOUT"] == 30.0
    assert facts["MEDIATOR_INSTANCES"] == 2 and facts["MEDIATOR_ARGS"] == ["--ws-heartbeat-interval", "30"]
    external = mediator_facts(None, external=True)
    assert external["mediator"] == "external"
    assert external["MEDIATOR_STORAGE"] is None and external["MEDIATOR_INSTANCES"] is None
    assert mediator_facts(None, external=False) == {}  # not started yet: the configured settings stand


def test_runs_of_different_mediator_shapes_compare_and_the_comparison_names_the_difference(tmp_path):
    plain = mediator_facts(ran(LocalMediator("acapy")), external=False)
    shaped = mediator_facts(
        ran(LocalMediator("acapy", storage="postgres", proxy=ProxySetting("nginx", 30.0), instances=2)),
        external=False,
    )
    base = load_run(export_recorded(tmp_path / "sqlite", **plain))
    candidate = load_run(export_recorded(tmp_path / "postgres", **shaped))
    result = compare([base], [candidate], replicates=50)
    assert result.comparable  # a different shape is what an operator compares, not a reason to refuse
    differs = {key: (b, c) for key, b, c in result.differences}
    assert differs["MEDIATOR_STORAGE"] == ("sqlite", "postgres")
    assert differs["MEDIATOR_PROXY"] == ("none", "nginx") and differs["MEDIATOR_PROXY_IDLE_TIMEOUT"] == (
        "unset",
        "30.0",
    )
    assert differs["MEDIATOR_INSTANCES"] == ("1", "2") and "MEDIATOR_ARGS" not in differs
    text = render_text(result)
    assert "NOT COMPARABLE" not in text
    what_differs = text.split("what differs:")[1]
    assert "MEDIATOR_STORAGE" in what_differs and "postgres" in what_differs and "MEDIATOR_INSTANCES" in what_differs
