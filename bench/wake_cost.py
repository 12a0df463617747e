"""What this machine charges a process for working again after a sleep: the same small pieces of work,
timed back to back and right after sleeping 1 to 100 ms.

    .venv/bin/python bench/wake_cost.py

CPU per ping (bench/agent_density.py) is taken from a worker that sleeps between most of its events.
Caches cool while a process sleeps, so work after a sleep always costs somewhat more; on some virtual
machines (nested, on shadow page tables) every page touched again after a sleep is slow to reach, and
the same ping costs several times more CPU at a low ping rate than at a high one. This prints how large
that effect is here, so that CPU figures from different hosts can be compared. No network, no mediator;
it runs for about 20 seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediator_tui.agents.native import trustping, wire_json
from mediator_tui.agents.native.envelope import pack, unpack
from mediator_tui.agents.native.keys import KeyPair

PAGE = 4096
PAGES = 256
GAPS_MS = (0, 1, 5, 20, 100)


def page_touch():
    """Reading one byte of each of 256 pages that stay mapped: no allocation, no fault, pure memory."""
    memory = bytearray(PAGES * PAGE)
    memory[::PAGE] = b"\1" * PAGES  # map every page before timing
    view = memoryview(memory)
    return lambda: bytes(view[::PAGE])


def envelope_round_trip():
    """The DIDComm work of one ping round trip of the native engine: pack a ping, unpack an envelope."""
    ours, theirs = KeyPair(), KeyPair()
    message = trustping.ping()
    message["~transport"] = {"return_route": "all"}
    plaintext = wire_json.dump(message)
    keys = {theirs.verkey: theirs}.get
    return lambda: unpack(pack(plaintext, [theirs.verkey], ours), keys, lambda _key: ours.verkey)


def timed(work, gap_s: float, repeats: int) -> tuple[float, float]:
    """Mean (wall, thread CPU) seconds of `work` run after sleeping `gap_s` each time."""
    wall = cpu = 0.0
    for _ in range(repeats):
        if gap_s:
            time.sleep(gap_s)
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        work()
        wall += time.perf_counter() - wall0
        cpu += time.thread_time() - cpu0
    return wall / repeats, cpu / repeats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats", type=int, default=100, help="runs per gap (1..1000; 100 ms gaps run a third as often)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.repeats <= 1000:
        parser.error("--repeats must be 1..1000")
    works = {"256 pages touched": page_touch(), "envelope pack+unpack": envelope_round_trip()}
    print(f"{'work':22s} {'after sleeping':>14s} {'wall us':>9s} {'CPU us':>9s} {'x back to back':>15s}")
    for name, work in works.items():
        timed(work, 0, 50)  # warm its code and caches
        back_to_back = None
        for gap_ms in GAPS_MS:
            repeats = max(1, args.repeats // 3) if gap_ms >= 100 else args.repeats
            wall, cpu = timed(work, gap_ms / 1000, repeats)
            if back_to_back is None:
                back_to_back = max(cpu, 1e-9)
            print(
                f"{name:22s} {gap_ms:>11d} ms {wall * 1e6:9.1f} {cpu * 1e6:9.1f} {cpu / back_to_back:15.1f}", flush=True
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
