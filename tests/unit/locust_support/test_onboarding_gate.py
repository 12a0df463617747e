"""The onboarding gate: onboardings in flight capped, the cap moved by their latency and failures, users beyond
it waiting their turn (gevent greenlets of one process, as a worker's users are)."""

import gevent
import pytest

from mediator_tui.locust_support.onboarding_gate import OnboardingGate


class Clock:
    t = 100.0

    def __call__(self) -> float:
        return self.t


def users_waiting(gate: OnboardingGate, count: int) -> tuple[list, list[gevent.Greenlet]]:
    admitted: list = []
    greenlets = [gevent.spawn(lambda: admitted.append(gate.admit())) for _ in range(count)]
    gevent.sleep(0)
    return admitted, greenlets


def test_no_more_than_the_cap_onboard_at_once_and_the_rest_wait_their_turn_in_order():
    gate = OnboardingGate(start=3, ceiling=10, target_s=1.0, clock=Clock())
    admitted, greenlets = users_waiting(gate, 8)
    assert len(admitted) == 3
    state = gate.state()
    assert (state.waiting, state.in_flight, state.cap) == (5, 3, 3)
    admitted[0].withdrawn()  # no verdict: the cap stays, the next in line is let in
    gevent.sleep(0)
    assert len(admitted) == 4 and gate.state().in_flight == 3
    assert [g.dead for g in greenlets] == [True] * 4 + [False] * 4  # first come, first admitted
    gevent.killall(greenlets)


def test_fast_onboardings_grow_the_cap_by_about_one_per_cap_of_them_up_to_the_ceiling():
    clock = Clock()
    gate = OnboardingGate(start=2, ceiling=6, target_s=1.0, clock=clock)
    caps = []
    for _ in range(40):
        admission = gate.admit()
        clock.t += 0.2
        admission.succeeded()
        caps.append(gate.cap)
    assert caps == sorted(caps) and caps[-1] == 6  # grows, never past the ceiling
    assert caps[3] == 3  # 2 + 1/2 + 1/2.5 + 1/2.9: one more after about a cap's worth, not one per onboarding


def test_a_failure_halves_the_cap_once_for_the_onboardings_admitted_before_it():
    clock = Clock()
    gate = OnboardingGate(start=8, ceiling=16, target_s=1.0, clock=clock)
    in_flight = [gate.admit() for _ in range(8)]
    in_flight[0].failed()  # a timeout
    assert gate.cap == 4
    for admission in in_flight[1:4]:
        admission.failed()  # the same congestion: not cut again
    assert gate.cap == 4
    for admission in in_flight[4:]:
        admission.withdrawn()
    later = gate.admit()
    later.failed()  # admitted after the cut: a new signal
    assert gate.cap == 2


def ended(gate: OnboardingGate, clock: Clock, latencies: tuple[float, ...]) -> list[int]:
    """The cap after each of these onboardings, one after the other."""
    caps = []
    for latency in latencies:
        admission = gate.admit()
        clock.t += latency
        admission.succeeded()
        caps.append(gate.cap)
    return caps


def test_slow_onboardings_halve_the_cap_one_alone_does_not_and_the_cap_never_falls_below_one():
    clock = Clock()
    gate = OnboardingGate(start=4, ceiling=16, target_s=1.0, clock=clock)
    assert ended(gate, clock, (0.4, 0.4, 0.4, 5.0, 0.4)) == [4, 4, 4, 4, 5]  # a pause of the host: no cut
    # Over the target and twice the usual: once most of the latest are, the cap halves.
    assert ended(gate, clock, (1.5, 1.5, 1.5)) == [5, 2, 2]
    assert ended(gate, clock, (1.5, 1.5, 1.5)) == [2, 1, 1]  # judged on those admitted since the cut
    assert ended(gate, clock, (1.5, 1.5, 1.5)) == [1, 1, 1]
    assert gate.admit() is not None  # one onboarding at a time still gets through


def test_a_user_stopped_while_waiting_leaves_the_queue_without_taking_a_turn():
    gate = OnboardingGate(start=1, ceiling=4, target_s=1.0, clock=Clock())
    first = gate.admit()
    admitted, greenlets = users_waiting(gate, 3)
    greenlets[0].kill()
    assert gate.state().waiting == 2
    first.withdrawn()
    greenlets[1].join(timeout=5)
    assert len(admitted) == 1 and greenlets[1].dead and not greenlets[2].dead
    assert (gate.state().waiting, gate.state().in_flight) == (1, 1)
    greenlets[2].kill()


def test_a_ceiling_of_zero_admits_everyone_at_once():
    gate = OnboardingGate(start=4, ceiling=0, target_s=1.0, clock=Clock())
    admitted, _ = users_waiting(gate, 50)
    assert len(admitted) == 50
    assert (gate.state().in_flight, gate.state().cap) == (50, 0)


def test_on_a_slow_host_the_budget_is_twice_the_usual_latency_not_the_target():
    clock = Clock()
    gate = OnboardingGate(start=2, ceiling=8, target_s=1.0, clock=clock)
    # Every one over the target; the first, with nothing before it, is judged on the target alone.
    assert ended(gate, clock, (1.5, 1.4, 2.5, 2.7, 2.0)) == [2, 2, 2, 3, 3]
    assert gate.budget_s() == pytest.approx(2.8)
    assert ended(gate, clock, (4.0, 4.0)) == [3, 1]  # the latency climbed: a queue builds up at the mediator
