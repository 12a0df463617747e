"""Workers on hosts as a master lists them and as they report, fed to a store a poll a second."""

from mediator_tui.contracts.agents_view import AgentsView, WorkerView
from mediator_tui.contracts.worker_report import AgentCounts, WorkerLimits, WorkerReport
from tests.support.master_payloads import Clock, make_store, stats_with

A = "0123456789abcdef0123456789abcdef"  # the hex tail of Locust's worker ids
B = "fedcba9876543210fedcba9876543210"


def worker(worker_id: str, state: str = "running", users: int = 5, cpu: float = 10.0) -> dict:
    return {"id": worker_id, "state": state, "user_count": users, "cpu_usage": cpu, "memory_usage": 1}


def report(
    worker_id: str,
    host: str,
    ts: float,
    cpu_seconds: float,
    agents: int = 10,
    open_files: int = 100,
    nofile: int = 1024,
    local_ports: int = 28232,
) -> WorkerView:
    return WorkerView(
        WorkerReport(
            worker_id=worker_id,
            ts=ts,
            engine="native",
            agents=AgentCounts(running=agents),
            limits=WorkerLimits(
                nofile=nofile, open_files=open_files, files_per_agent=1, local_ports=local_ports, ports_per_agent=1
            ),
            cpu_seconds=cpu_seconds,
            host=host,
        ),
        age_s=0.5,
        stale=False,
    )


class Run:
    """A store fed a poll a second: Locust's worker list and the workers' reports."""

    def __init__(self):
        self.clock = Clock(t=1_700_000_000.0)  # 2023-11-14 22:13:20 UTC
        self.store = make_store(self.clock)

    def poll(self, workers: list[dict], reports: list[WorkerView]) -> None:
        self.clock.t += 1.0
        stats = {**stats_with(10), "workers": workers, "worker_count": len(workers)}
        view = AgentsView(ts=self.clock.t, workers=tuple(reports)).to_json()
        self.store.feed(stats, view, t=self.clock.t)

    def hosts(self):
        return {h.host: h for h in self.store.snapshot().hosts}


def one_host_lost_to_cpu() -> Run:
    """Two workers on load-a and one on load-b; load-b's worker, at a full core in its last report, went missing."""
    run = Run()
    a1, a2, b1 = f"load-a_{A}", f"load-a_{B}", f"load-b_{A}"
    for second in range(2):
        run.poll(
            [worker(a1), worker(a2), worker(b1)],
            [
                report(a1, "load-a", 100 + second, cpu_seconds=0.4 * second, agents=10, open_files=210),
                report(a2, "load-a", 100 + second, cpu_seconds=0.3 * second, agents=12, open_files=230),
                report(b1, "load-b", 100 + second, cpu_seconds=0.98 * second, agents=40, open_files=260),
            ],
        )
    for second in range(2, 4):
        run.poll(
            [worker(a1), worker(a2), worker(b1, state="missing", users=0)],
            [
                report(a1, "load-a", 100 + second, cpu_seconds=0.4 * second, agents=10, open_files=210),
                report(a2, "load-a", 100 + second, cpu_seconds=0.3 * second, agents=12, open_files=230),
            ],
        )
    return run
