"""Property tests over every reader of numbers from the network: whatever arrives, a number in range or
unknown, never an exception (and never NaN in an export)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator_tui.common.numbers import INT_LIMIT, TIMESTAMP_LIMIT, Reasons, checked
from mediator_tui.contracts.capacity import PHASES, CapacityContractError, RampState
from mediator_tui.contracts.capacity import VERSION as CAPACITY_VERSION
from mediator_tui.contracts.fields import as_amount, as_count, as_int, as_number, as_timestamp
from mediator_tui.contracts.worker_report import AgentCrash
from mediator_tui.core.export.tables import finite_only
from mediator_tui.core.mediator.errors import MediatorAdminError
from mediator_tui.core.metrics.readers import read_master_stats
from mediator_tui.core.sources.probe import metrics_reader
from mediator_tui.core.sources.probe.admin_reader import AdminReader
from mediator_tui.core.sources.probe.metrics_reader import KNOWN_SERIES, MetricsReader
from mediator_tui.core.thresholds import parse_threshold

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
FIELD_NAMES = st.sampled_from(
    [
        "user_count",
        "num_requests",
        "num_failures",
        "median_response_time",
        "avg_response_time",
        "max_response_time",
        "min_response_time",
        "total_rps",
        "response_time_percentile_0.95",
        "response_time_percentile_0.99",
        "cpu_usage",
        "memory_usage",
        "occurrences",
        "name",
        "method",
        "state",
        "id",
        "error",
    ]
)
ROWS = st.dictionaries(FIELD_NAMES, SCALARS | JSON, max_size=10)
STATS = st.fixed_dictionaries(
    {},
    optional={
        "state": SCALARS,
        "user_count": SCALARS,
        "stats": st.lists(ROWS, max_size=3) | JSON,
        "workers": st.lists(ROWS, max_size=3) | JSON,
        "errors": st.lists(ROWS, max_size=3) | JSON,
        "current_response_time_percentiles": st.dictionaries(
            st.sampled_from(["response_time_percentile_0.5", "response_time_percentile_0.95"]), SCALARS
        )
        | JSON,
    },
)


def _in_range(value: float | None, minimum: float | None = None, maximum: float = INT_LIMIT) -> bool:
    return value is None or (math.isfinite(value) and abs(value) < maximum and (minimum is None or value >= minimum))


@given(SCALARS | JSON, st.none() | st.floats(-1e6, 1e6), st.none() | st.floats(-1e6, 1e6))
def test_checked_gives_a_number_in_range_or_a_reason(value: Any, minimum: float | None, maximum: float | None):
    number, why = checked(value, minimum, maximum)
    assert (number is None) == bool(why)
    assert _in_range(number, minimum) and (maximum is None or number is None or number <= maximum)


@given(SCALARS | JSON)
def test_the_contract_readers_give_numbers_in_range_or_unknown(value: Any):
    assert _in_range(as_number(value))
    assert _in_range(as_amount(value), 0)
    assert _in_range(as_int(value), 0) and isinstance(as_count(value), int) and as_count(value) >= 0
    assert _in_range(as_timestamp(value), 0, TIMESTAMP_LIMIT + 1)


@given(st.dictionaries(st.sampled_from(["ts", "user", "reason"]), SCALARS))
def test_a_crash_time_is_one_a_date_can_show(raw: dict):
    assert 0 <= AgentCrash.from_json(raw).ts <= TIMESTAMP_LIMIT


@given(STATS)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_every_figure_of_a_masters_stats_is_in_range_or_unknown(raw: dict):
    stats = read_master_stats(raw)
    for row in stats.rows:
        assert row.count >= 0 and row.failures >= 0
        assert all(
            _in_range(v, 0)
            for v in (row.median_ms, row.p95_ms, row.p99_ms, row.max_ms, row.min_ms, row.avg_ms, row.total_rps)
        )
    for worker in stats.workers:
        assert worker.users >= 0 and _in_range(worker.cpu_percent, 0) and _in_range(worker.memory_bytes, 0)
    assert stats.users >= 0 and all(f.occurrences >= 0 for f in stats.failures)
    assert stats.window is None or all(_in_range(v, 0) for v in stats.window)


@given(
    JSON
    | st.fixed_dictionaries(
        {
            "version": SCALARS,
            "conductor": st.dictionaries(
                st.sampled_from(["in_sessions", "out_encode", "out_deliver", "task_pending"]), SCALARS
            ),
        }
    )
)
def test_an_admin_status_answer_gives_counts_in_range_or_unknown(answer: Any):
    reader = AdminReader("http://127.0.0.1:1")
    reader._get = lambda path, query=None, timeout=None: _as_object(answer, path)  # type: ignore[method-assign]
    status = reader.read_status()
    for count in (status.sessions, status.outbound_queued, status.tasks_pending):
        assert count is None or (isinstance(count, int) and 0 <= count < 2 * INT_LIMIT)
    assert status.version is None or isinstance(status.version, str)


def _as_object(answer: Any, path: str) -> dict:
    if not isinstance(answer, dict):
        raise MediatorAdminError(f"GET {path}: answer is not a JSON object")
    return answer


VALUES = (
    st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.integers(min_value=-(10**30), max_value=10**30).map(str)
    | st.sampled_from(["NaN", "+Inf", "-Inf", "1e400", "-1e400", "0x10", "1_000", "", "abc"])
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(KNOWN_SERIES) + ["my_series"]), st.sampled_from(["", '{a="1"}', '{a="2"}']), VALUES
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_exposition_gives_known_figures_in_range_or_unknown(lines: list[tuple[str, str, str]]):
    text = "".join(f"{name}{labels} {value}\n" for name, labels, value in lines)
    sample = _read_metrics(text)
    for field in KNOWN_SERIES.values():
        assert _in_range(getattr(sample, field), 0, float(len(lines)) * INT_LIMIT)
    assert all(math.isfinite(v) for v in sample.extra.values())


@given(st.text(max_size=200))
def test_any_text_from_a_metrics_endpoint_never_raises(text: str):
    sample = _read_metrics(text)  # a parser failure is the sample's error, not an exception
    assert all(_in_range(getattr(sample, field), 0, math.inf) for field in KNOWN_SERIES.values())
    assert sample.error is None or sample.error.startswith("GET http://127.0.0.1:1/metrics: ")


def _read_metrics(text: str):
    original = metrics_reader.jsonhttp.fetch
    metrics_reader.jsonhttp.fetch = lambda *args, **kwargs: text.encode()  # type: ignore[assignment]
    try:
        return MetricsReader("http://127.0.0.1:1/metrics", names=("my_series",)).read()
    finally:
        metrics_reader.jsonhttp.fetch = original  # type: ignore[assignment]


@given(JSON)
def test_an_export_body_is_always_strict_json(body: Any):
    text = json.dumps(finite_only(body), allow_nan=False)
    json.loads(text, parse_constant=_refuse)


def _refuse(name: str) -> None:
    raise AssertionError(f"{name} in strict JSON")


@pytest.mark.parametrize("text", ["p95 < 500", "p95 > 500", "fail_ratio <= 1", "rps >= 0"])
@given(value=st.sampled_from([math.nan, math.inf, -math.inf, None]))
def test_a_threshold_never_holds_on_an_unknown_or_nan_figure(text: str, value: float | None):
    assert parse_threshold(text).fails_at(value)


@given(st.lists(st.tuples(st.text(max_size=5), SCALARS | JSON), max_size=10))
def test_reasons_never_raise_and_keep_a_few(values: list[tuple[str, Any]]):
    reasons = Reasons()
    for name, value in values:
        assert _in_range(reasons.number(name, value))
    assert len(reasons.all()) <= 5


NUMBERS = st.integers(min_value=-(10**400), max_value=10**400) | st.floats(allow_nan=True, allow_infinity=True)
PLAN = st.fixed_dictionaries(dict.fromkeys(("start", "step", "max_users", "hold_s", "settle_s", "spawn_rate"), NUMBERS))
STEP = st.fixed_dictionaries(
    dict.fromkeys(("index", "users", "started_at"), NUMBERS),
    optional={k: NUMBERS | st.none() for k in ("spawning_ended_at", "steady_from", "ends_at")},
)


@given(
    st.fixed_dictionaries(
        {
            "version": st.just(CAPACITY_VERSION),
            "plan": PLAN,
            "phase": st.sampled_from(PHASES),
            "served_at": NUMBERS | SCALARS,
        },
        optional={"step": STEP},
    )
    | JSON
)
def test_a_served_ramp_state_is_read_with_finite_figures_or_refused(raw: Any):
    try:
        state = RampState.from_json(raw)
    except CapacityContractError:
        return
    figures = [state.served_at, *vars(state.plan).values(), *(vars(state.step).values() if state.step else ())]
    assert all(v is None or math.isfinite(v) for v in figures)
