"""How many agents one worker process holds: onboard N agents against a local mediator, keep them connected
and pinging for a while, and print memory per agent and client CPU per ping beside the mediator's, taken in the
same windows, and their ratio (the harness's share of the work, which holds better from host to host than
either figure alone).

    .venv/bin/python bench/agent_density.py                 # 1000 native agents, local ACA-Py 1.7 mediator
    .venv/bin/python bench/agent_density.py --ping-interval 20 10   # 50, then 100 pings per second
    .venv/bin/python bench/agent_density.py -n 200 --flavour acapy-legacy
    .venv/bin/python bench/agent_density.py --invitation-url URL --admin-url URL --mediator-pid PID

Bounded: at most MAX_AGENTS agents, onboarding gives up after --onboard-timeout, each of at most
MAX_INTERVALS ping windows stops after --duration seconds. Figures of record are in bench/README.md ("Agent density").
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import gevent
import gevent.pool
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediator_tui.agents.factory import ENGINES, create_agent
from mediator_tui.agents.interface import AgentError, StartOptions
from mediator_tui.common.open_files import raise_open_file_limit
from mediator_tui.core.mediator.rotator import InvitationRotator
from mediator_tui.locust_support.timer_slack import allow_timer_slack
from mediator_tui.locust_support.worker_limits import AgentSlots, capacity

MAX_AGENTS = 20000
MAX_DURATION_S = 3600
MAX_INTERVALS = 4
KIB = 1024


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--agents", type=int, default=1000, help=f"agents to onboard (at most {MAX_AGENTS})")
    parser.add_argument("--engine", choices=ENGINES, default="native")
    parser.add_argument("--flavour", default="acapy", help="local mediator flavour (acapy, acapy-legacy)")
    parser.add_argument(
        "--invitation-url",
        help="use this mediator instead of starting one (with --admin-url "
        "invitations rotate; without, this one is reused)",
    )
    parser.add_argument("--admin-url", help="admin API of the mediator given by --invitation-url")
    parser.add_argument(
        "--mediator-pid",
        type=int,
        help="process of the mediator given by --invitation-url, for its CPU per ping (on this host)",
    )
    parser.add_argument("--rotate-every", type=int, default=50, help="fresh invitation every K onboardings")
    parser.add_argument("--concurrency", type=int, default=8, help="onboardings in flight at once")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of pinging at each interval")
    parser.add_argument(
        "--ping-interval",
        type=float,
        nargs="+",
        default=[20.0],
        help="seconds between pings of one agent; several values ping at each in turn (at most "
        f"{MAX_INTERVALS}), after one onboarding, so the rates are compared on the same host state",
    )
    parser.add_argument(
        "--idle-window",
        type=float,
        default=20.0,
        help="seconds of measuring the CPU of holding the agents, before, between and after the ping windows (0 skips)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="per-operation agent timeout")
    parser.add_argument("--onboard-timeout", type=float, default=900.0, help="give up onboarding after this")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line too")
    args = parser.parse_args(argv)
    if not 1 <= args.agents <= MAX_AGENTS:
        parser.error(f"--agents must be 1..{MAX_AGENTS}")
    if not 0 <= args.duration <= MAX_DURATION_S:
        parser.error(f"--duration must be 0..{MAX_DURATION_S}")
    intervals = args.ping_interval
    if (
        len(intervals) > MAX_INTERVALS
        or len(set(intervals)) < len(intervals)
        or not all(0 < value <= MAX_DURATION_S for value in intervals)
    ):
        parser.error(f"--ping-interval takes 1..{MAX_INTERVALS} different values, each 0..{MAX_DURATION_S} s")
    if not 0 <= args.idle_window <= 600:
        parser.error("--idle-window must be 0..600")
    if (args.admin_url or args.mediator_pid) and not args.invitation_url:
        parser.error("--admin-url and --mediator-pid go with --invitation-url")
    return args


def memory() -> tuple[int, int]:
    """(RSS, USS) of this process in bytes, after a collection so garbage does not count."""
    gc.collect()
    info = psutil.Process().memory_full_info()
    return info.rss, info.uss


def _busy(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:  # a credo agent's node process that ended: its time is lost with it
        return 0.0
    return times.user + times.system


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


@dataclass(frozen=True)
class CpuClock:
    """CPU seconds (user + system) of the client (this process and its children, such as credo agents' node
    processes, less the mediator's) and of the mediator (its process and children; None: not on this host)."""

    mediator_pid: int | None

    def read(self) -> tuple[float, float | None]:
        mediator = _tree(self.mediator_pid) if self.mediator_pid else []
        theirs = {p.pid for p in mediator}
        client = sum(_busy(p) for p in _tree(psutil.Process().pid) if p.pid not in theirs)
        return client, (sum(_busy(p) for p in mediator) if mediator else None)


def _spent(clock: CpuClock, before: tuple[float, float | None]) -> tuple[float, float | None]:
    after = clock.read()
    return after[0] - before[0], None if after[1] is None else after[1] - before[1]


def idle_cpu_per_second(clock: CpuClock, window: float) -> tuple[float, float | None]:
    """CPU seconds per second the client and the mediator spend while the agents are connected but not pinging."""
    if not window:
        return 0.0, 0.0
    before = clock.read()
    gevent.sleep(window)
    client, mediator = _spent(clock, before)
    return client / window, None if mediator is None else mediator / window


def invitation_source(args, stack: ExitStack):
    """A callable giving the next invitation URL, and the mediator's pid (None: not known), starting a local
    mediator when none is given."""
    if args.invitation_url and not args.admin_url:
        return (lambda: args.invitation_url), args.mediator_pid
    if args.admin_url:
        from mediator_tui.core.mediator import flavours

        admin = flavours.pick(args.flavour).admin(args.admin_url.rstrip("/"))
        return InvitationRotator(admin.create_invitation, args.rotate_every).next, args.mediator_pid
    from mediator_tui.core.mediator import LocalMediator

    print(f"starting a local {args.flavour} mediator ...", flush=True)
    mediator = stack.enter_context(LocalMediator(args.flavour, progress=lambda line: print("  " + line)))
    return mediator.rotator(args.rotate_every).next, mediator.pid


def onboard(args, next_invitation, slots: AgentSlots) -> tuple[list, list[str], float]:
    agents, errors = [], []
    started = time.monotonic()
    deadline = started + args.onboard_timeout
    pool = gevent.pool.Pool(args.concurrency)

    def one():
        if time.monotonic() > deadline:
            return
        try:
            slots.acquire()
        except AgentError as exc:
            errors.append(str(exc))
            return
        agent = create_agent(args.engine, args.timeout)
        try:
            agent.start(StartOptions(mediation_url=next_invitation()))
        except AgentError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            agent.shutdown()
            slots.release()
            return
        agents.append(agent)
        if len(agents) % 100 == 0:
            print(f"  {len(agents)} agents onboarded ({len(agents) / (time.monotonic() - started):.1f}/s)", flush=True)

    for _ in range(args.agents):
        pool.spawn(one)
    pool.join(timeout=args.onboard_timeout + args.timeout)
    pool.kill()
    return agents, errors, time.monotonic() - started


def keep_pinging(agents: list, duration: float, interval: float) -> tuple[int, list[str], list[float]]:
    """Every agent pings every `interval` seconds (first one at a random offset) until `duration` ends."""
    done, errors, latencies = [0], [], []
    stop_at = time.monotonic() + duration

    def loop(agent):
        gevent.sleep(random.uniform(0, interval))
        while time.monotonic() < stop_at and agent.alive:
            sent = time.monotonic()
            try:
                agent.ping_mediator()
                done[0] += 1
                latencies.append(time.monotonic() - sent)
            except AgentError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            gevent.sleep(max(0.0, min(interval - (time.monotonic() - sent), stop_at - time.monotonic())))

    greenlets = [gevent.spawn(loop, agent) for agent in agents]
    gevent.joinall(greenlets, timeout=duration + interval + 120)
    gevent.killall(greenlets)
    return done[0], errors, latencies


def node_memory(agents: list) -> dict[str, int]:
    """Credo agents are node processes: each one's unique (RssAnon) and the shared (RssFile) memory."""
    from mediator_tui.locust_support.process_memory import read_totals

    totals = read_totals(agent.pid for agent in agents if agent.pid)
    return {
        "processes": totals.processes,
        "unique": totals.unique_bytes,
        "shared": totals.shared_bytes,
        "pss": totals.pss_bytes or 0,
    }


def node_memory_figures(fresh: dict[str, int], settled: dict[str, int]) -> dict:
    """Per-agent node memory in MiB, right after onboarding (fresh) and after the pinging (settled)."""
    figures = {}
    for moment, totals in (("fresh", fresh), ("settled", settled)):
        count = max(1, totals["processes"])
        figures[f"node_processes_{moment}"] = totals["processes"]
        figures[f"node_unique_per_agent_{moment}_mib"] = round(totals["unique"] / count / KIB / KIB, 1)
        figures[f"node_shared_{moment}_mib"] = round(totals["shared"] / KIB / KIB, 1)
        figures[f"node_pss_per_agent_{moment}_mib"] = round(totals["pss"] / count / KIB / KIB, 1)
    return figures


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class PingWindow:
    interval: float
    pings: int
    errors: list[str]
    latencies: list[float]
    cpu_seconds: float
    seconds: float
    mediator_cpu_seconds: float | None = None  # the mediator's, in the same window

    def figures(self, idle_before: tuple[float, float | None], idle_after: tuple[float, float | None]) -> dict:
        """Its figures, named after its interval; the CPU of holding the connections (the mean of the idle
        windows around it) is taken off `cpu_ms_per_ping` and `mediator_cpu_ms_per_ping`, not off the gross
        figures. `client_to_mediator_cpu` is the client's CPU per ping over the mediator's (both net)."""
        tag = f"every_{self.interval:g}s"

        def per_ping(cpu: float | None) -> float | None:
            return round(cpu / self.pings * 1000, 3) if self.pings and cpu is not None else None

        def net(spent: float | None, which: int) -> float | None:
            idles = (idle_before[which], idle_after[which])
            if spent is None or None in idles:
                return None
            return spent - sum(idles) / 2 * self.seconds

        client, mediator = net(self.cpu_seconds, 0), net(self.mediator_cpu_seconds, 1)
        ratio = round(client / mediator, 3) if mediator and mediator > 0 else None
        gross_ratio = round(self.cpu_seconds / self.mediator_cpu_seconds, 3) if self.mediator_cpu_seconds else None

        def latency(fraction: float) -> float | None:
            value = percentile(self.latencies, fraction)
            return round(value * 1000, 1) if value is not None else None

        return {
            f"pings_{tag}": self.pings,
            f"ping_errors_{tag}": len(self.errors),
            f"first_ping_error_{tag}": self.errors[0] if self.errors else "",
            f"ping_p50_ms_{tag}": latency(0.5),
            f"ping_p95_ms_{tag}": latency(0.95),
            f"cpu_ms_per_ping_{tag}": per_ping(client),
            f"cpu_ms_per_ping_gross_{tag}": per_ping(self.cpu_seconds),
            f"mediator_cpu_ms_per_ping_{tag}": per_ping(mediator),
            f"mediator_cpu_ms_per_ping_gross_{tag}": per_ping(self.mediator_cpu_seconds),
            f"client_to_mediator_cpu_{tag}": ratio,
            f"client_to_mediator_cpu_gross_{tag}": gross_ratio,
        }


def run(args) -> dict:
    nofile = raise_open_file_limit()
    allow_timer_slack()  # as a Locust worker does (WorkerAgents.apply_limits)
    slots = AgentSlots(capacity())
    with ExitStack() as stack:
        next_invitation, mediator_pid = invitation_source(args, stack)
        clock = CpuClock(mediator_pid)
        # Warm the code paths (imports, caches) with one agent so the baseline holds no per-agent cost.
        warm = create_agent(args.engine, args.timeout)
        warm.start(StartOptions(mediation_url=next_invitation()))
        warm.ping_mediator()
        warm.shutdown()
        rss0, uss0 = memory()
        print(f"onboarding {args.agents} {args.engine} agents ({args.concurrency} at a time) ...", flush=True)
        agents, onboard_errors, onboard_s = onboard(args, next_invitation, slots)
        rss1, uss1 = memory()
        node_fresh = node_memory(agents) if args.engine == "credo" else None
        # Holding connections costs CPU too (ACA-Py pings every websocket every 3 s and wants a pong):
        # measured alone around each ping window, so that the per-ping figure is what a ping adds.
        idle = [idle_cpu_per_second(clock, args.idle_window)]
        windows = []
        for interval in args.ping_interval:
            print(f"pinging for {args.duration:g} s, every {interval:g} s per agent ...", flush=True)
            cpu0, started = clock.read(), time.monotonic()
            pings, errors, latencies = keep_pinging(agents, args.duration, interval)
            client, mediator = _spent(clock, cpu0)
            windows.append(PingWindow(interval, pings, errors, latencies, client, time.monotonic() - started, mediator))
            idle.append(idle_cpu_per_second(clock, args.idle_window))
        rss2, uss2 = memory()
        node_settled = node_memory(agents) if args.engine == "credo" else None
        connected = sum(1 for agent in agents if agent.alive)
        reconnects = sum(getattr(agent, "reconnects", 0) for agent in agents)
        for agent in agents:
            agent.shutdown()
    count = max(1, len(agents))
    result = {
        "engine": args.engine,
        "agents_requested": args.agents,
        "agents_onboarded": len(agents),
        "agents_connected_at_end": connected,
        "onboard_seconds": round(onboard_s, 1),
        "onboard_errors": len(onboard_errors),
        "first_onboard_error": onboard_errors[0] if onboard_errors else "",
        # a native agent lives in this process: its cost is what this process grew by
        "rss_per_agent_kib": round((rss1 - rss0) / count / KIB, 1),
        "uss_per_agent_kib": round((uss1 - uss0) / count / KIB, 1),
        "uss_per_agent_after_pings_kib": round((uss2 - uss0) / count / KIB, 1),
        "worker_rss_mib": round(rss2 / KIB / KIB, 1),
        "idle_cpu_percent": [round(client * 100, 2) for client, _ in idle],
        "mediator_idle_cpu_percent": [None if mediator is None else round(mediator * 100, 2) for _, mediator in idle],
        "reconnects": reconnects,
        "nofile": nofile,
        "max_agents_here": slots.capacity.max_agents,
        "limited_by": slots.capacity.limited_by,
    }
    for index, window in enumerate(windows):
        result.update(window.figures(idle[index], idle[index + 1]))
    if node_fresh is not None:
        # A credo agent's wallet lives in its node child; the figures above are only its Python side.
        result.update(node_memory_figures(node_fresh, node_settled))
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        print(json.dumps(result))
    return 0 if result["agents_onboarded"] else 1


if __name__ == "__main__":
    sys.exit(main())
