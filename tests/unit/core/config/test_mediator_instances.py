"""MEDIATOR_INSTANCES: one by default, two only for ACA-Py on PostgreSQL behind nginx (named otherwise, in the
.env and by the mediator itself), handed to the embedded mediator of a run as set."""

from __future__ import annotations

import pytest

from mediator_tui.core.mediator import LocalMediator, MediatorError
from mediator_tui.core.mediator.proxy import NGINX, ProxySetting
from mediator_tui.core.run.build import embedded_shape
from tests.unit.core.config.test_mediator_storage import config_of

SHAPE = "MEDIATOR_STORAGE=postgres\nMEDIATOR_PROXY=nginx\n"


def test_one_is_the_default_and_two_reach_the_run_in_the_production_shape(tmp_path):
    assert embedded_shape(config_of(tmp_path, ""))["mediator_instances"] == 1
    config = config_of(tmp_path, SHAPE + "MEDIATOR_INSTANCES=2\n")
    assert not config.problems
    assert embedded_shape(config)["mediator_instances"] == 2


@pytest.mark.parametrize(
    "text, words",
    [
        ("MEDIATOR_INSTANCES=2\n", "2 needs MEDIATOR_STORAGE=postgres (the wallet they share), MEDIATOR_PROXY=nginx"),
        ("MEDIATOR_INSTANCES=2\nMEDIATOR_STORAGE=postgres\n", "2 needs MEDIATOR_PROXY=nginx (in front of them)"),
        ("MEDIATOR_INSTANCES=3\n" + SHAPE, "must be 1 or 2, not 3"),
        ("MEDIATOR_INSTANCES=0\n", "must be 1 or 2, not 0"),
    ],
)
def test_instances_that_cannot_run_are_named(tmp_path, text, words):
    problems = [p for p in config_of(tmp_path, text).problems if p.key == "MEDIATOR_INSTANCES"]
    assert len(problems) == 1 and words in problems[0].message, problems


def test_a_credo_mediator_cannot_run_twice(tmp_path):
    problems = config_of(tmp_path, SHAPE + "MEDIATOR_INSTANCES=2\nMEDIATOR_FLAVOUR=credo\n").problems
    assert any(p.key == "MEDIATOR_INSTANCES" and "an ACA-Py flavour" in p.message for p in problems), problems


@pytest.mark.parametrize(
    "flavour, storage, proxy, words",
    [
        ("acapy", "sqlite", ProxySetting(NGINX), "need MEDIATOR_STORAGE=postgres (the wallet they share)"),
        ("acapy", "postgres", ProxySetting(), "need MEDIATOR_PROXY=nginx (in front of them)"),
        ("credo", "sqlite", ProxySetting(NGINX), "need an ACA-Py flavour (not credo), MEDIATOR_STORAGE=postgres"),
    ],
)
def test_the_mediator_refuses_two_instances_outside_the_production_shape(flavour, storage, proxy, words):
    with pytest.raises(MediatorError, match=r"2 mediator instances " + words.replace("(", r"\(").replace(")", r"\)")):
        LocalMediator(flavour, storage=storage, proxy=proxy, instances=2)
    with pytest.raises(MediatorError, match="1 to 2 instances, not 3"):
        LocalMediator("acapy", storage="postgres", proxy=ProxySetting(NGINX), instances=3)
