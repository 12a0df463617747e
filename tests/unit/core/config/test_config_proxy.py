"""MEDIATOR_PROXY and MEDIATOR_PROXY_IDLE_TIMEOUT: read, checked, and handed to the embedded mediator's run."""

import pytest

from mediator_tui.core.config import load_config
from mediator_tui.core.run.build import build_controller
from tests.unit.core.config.test_config import locustfile, write_env  # noqa: F401  (a fixture)


def test_the_proxy_is_off_by_default_with_nginxs_own_idle_timeout(tmp_path, locustfile):  # noqa: F811
    config = load_config(write_env(tmp_path, f"LOCUST_FILES={locustfile}\n"), environ={})
    assert (config["MEDIATOR_PROXY"], config["MEDIATOR_PROXY_IDLE_TIMEOUT"]) == ("none", 60.0)


def test_a_local_run_hands_the_proxy_to_its_embedded_mediator(tmp_path, locustfile):  # noqa: F811
    env = f"LOCUST_FILES={locustfile}\nMEDIATOR_PROXY=nginx\nMEDIATOR_PROXY_IDLE_TIMEOUT=5m\n"
    run = build_controller(load_config(write_env(tmp_path, env), environ={}))
    try:
        assert (run.spec.mediator_proxy, run.spec.mediator_proxy_idle_timeout_s) == ("nginx", 300.0)
    finally:
        run.shutdown()


@pytest.mark.parametrize(
    "line, key, words",
    [
        ("MEDIATOR_PROXY=caddy", "MEDIATOR_PROXY", "must be one of none, nginx"),
        ("MEDIATOR_PROXY_IDLE_TIMEOUT=0", "MEDIATOR_PROXY_IDLE_TIMEOUT", "must be at least 1s"),
        ("MEDIATOR_PROXY_IDLE_TIMEOUT=soon", "MEDIATOR_PROXY_IDLE_TIMEOUT", "is not a duration"),
    ],
)
def test_a_bad_proxy_setting_is_named(tmp_path, locustfile, line, key, words):  # noqa: F811
    config = load_config(write_env(tmp_path, f"LOCUST_FILES={locustfile}\n{line}\n"), environ={}, strict=False)
    assert [(p.key, words in p.message) for p in config.problems] == [(key, True)]
