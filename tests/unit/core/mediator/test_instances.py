"""Ports for a second mediator instance: apart from the first's, found in a bounded number of tries."""

import itertools

import pytest

from mediator_tui.core.mediator.errors import MediatorError
from mediator_tui.core.mediator.instances import pick_more_ports
from mediator_tui.core.mediator.process import Ports

FIRST = Ports(http=9001, ws=9002, admin=9003)


def test_a_pick_that_meets_the_first_instances_ports_is_tried_again():
    picks = iter([Ports(http=9100, ws=9002, admin=9101), Ports(http=9200, ws=9201, admin=9202)])
    assert pick_more_ports(1, FIRST, pick=lambda: next(picks)) == [Ports(http=9200, ws=9201, admin=9202)]


def test_ports_that_never_clear_the_taken_ones_are_an_error_not_an_endless_loop():
    tries = itertools.count()

    def always_taken() -> Ports:
        next(tries)
        return Ports(http=9001, ws=9300, admin=9301)

    with pytest.raises(MediatorError, match="no free loopback ports for 1 more mediator instances after 5 tries"):
        pick_more_ports(1, FIRST, pick=always_taken, attempts=5)
    assert next(tries) == 5
