"""One resolver turns the endpoint an expression names into a row, for `--fail-on` and `--slo` alike."""

from mediator_tui.core.capacity.figures import EndpointFigures, StepFigures
from mediator_tui.core.capacity.levels import parse_levels
from mediator_tui.core.thresholds import find_endpoint, parse_threshold
from tests.recording.replay import running_run

GET_STATUS = EndpointFigures("status", requests=10, failures=0, p95_ms=40.0, type="GET")
POST_STATUS = EndpointFigures("status", requests=10, failures=0, p95_ms=900.0, type="POST")
PING = EndpointFigures("ping_mediator", requests=10, failures=0, p95_ms=120.0, type="didcomm")


def test_an_endpoint_is_found_by_name_or_as_the_stats_show_it_with_its_type():
    rows = (GET_STATUS, POST_STATUS, PING)
    assert find_endpoint(rows, "ping_mediator") is PING
    assert find_endpoint(rows, "didcomm ping_mediator") is PING
    assert find_endpoint(rows, "POST status") is POST_STATUS
    assert find_endpoint(rows, "status") is GET_STATUS  # a bare name shared by two types: the first in order
    assert find_endpoint(rows, "GET ping_mediator") is None  # the type must be the row's own
    assert find_endpoint(rows, "no_such_endpoint") is None


def test_fail_on_and_slo_read_the_same_endpoint_the_same_way():
    snapshot = running_run()  # the recorded run: ping_mediator's p95 is 100 ms
    threshold = parse_threshold("p95(didcomm ping_mediator)>500")
    assert threshold.value(snapshot) == 100.0
    total = EndpointFigures("Aggregated", requests=30, failures=0, p95_ms=900.0)
    figures = StepFigures(
        index=0,
        users_target=10,
        users_running=10,
        window_start=0.0,
        window_end=30.0,
        total=total,
        endpoints=(GET_STATUS, POST_STATUS, PING),
    )
    (level,) = parse_levels(["p95(didcomm ping_mediator)<500"], with_defaults=False)
    assert level.value(figures) == 120.0
    (level,) = parse_levels(["p95(POST status)<500"], with_defaults=False)
    assert level.value(figures) == 900.0
