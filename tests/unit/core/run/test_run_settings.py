"""What a run's export keeps of its settings for a later comparison: the command line over the configuration,
the embedded mediator's flavour, release and CPU limit, and never a secret."""

from types import SimpleNamespace

from mediator_tui.core.config import load_config
from mediator_tui.core.run.build import Overrides, build_controller


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
        controller.mediator = SimpleNamespace(
            flavour=SimpleNamespace(name="acapy"), runtime_label="ACA-Py 1.7.0", cpu_limit=0.2
        )
        settings = controller.run_settings()
        assert (settings["mediator"], settings["mediator_release"], settings["MEDIATOR_CPU_LIMIT"]) == (
            "acapy",
            "ACA-Py 1.7.0",
            0.2,
        )
    finally:
        controller.mediator = None
        controller.shutdown()
