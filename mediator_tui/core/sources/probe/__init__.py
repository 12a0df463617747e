"""The mediator probe: a source of the metric store reading the mediator's own side, once a second.

- `ProbeTarget` / `probe_target(config.values, embedded_mediator)`: what to read (process, ACA-Py
  admin API, Prometheus endpoint), from the settings `MEDIATOR_PID`, `MEDIATOR_ADMIN_URL`,
  `MEDIATOR_ADMIN_HEADERS`, `MEDIATOR_METRICS_URL`, `MEDIATOR_METRICS` and the embedded mediator (and its
  PostgreSQL's log, when MEDIATOR_STORAGE=postgres).
- `ProbeRunner(target, deliver).start()` ... `.stop()`: one thread delivering a `ProbeSample`
  about once a second; `.tick()` reads once without the thread (`readers=Readers(...)`, `clock=` for tests).
- `state.mediator_state`: why an unanswering mediator does not answer, saturated (busy) or stalled.
- Readers, each never raising (a failure is the sample's `error`, a timeout its `stalled`):
  `ProcessReader`, `AdminReader`, `MetricsReader`, `DatabaseReader` (connections the database refused).
  Samples: `samples.py`.
"""

from mediator_tui.core.metrics.probe_samples import AdminCounts, AdminStatus, MetricsSample, ProbeSample, ProcessSample
from mediator_tui.core.sources.probe.admin_reader import AdminReader
from mediator_tui.core.sources.probe.metrics_reader import KNOWN_SERIES, MetricsReader
from mediator_tui.core.sources.probe.process_reader import ProcessReader
from mediator_tui.core.sources.probe.runner import ProbeRunner
from mediator_tui.core.sources.probe.target import ProbeTarget, probe_target

__all__ = [
    "KNOWN_SERIES",
    "AdminCounts",
    "AdminReader",
    "AdminStatus",
    "MetricsReader",
    "MetricsSample",
    "ProbeRunner",
    "ProbeSample",
    "ProbeTarget",
    "ProcessReader",
    "ProcessSample",
    "probe_target",
]
