"""The pause between failed starts of a wallet: doubling, bounded, forgotten after a start that works."""

from mediator_tui.locust_support.start_backoff import StartBackoff


class Clock:
    t = 100.0

    def __call__(self) -> float:
        return self.t


def test_pauses_double_from_one_second_up_to_thirty_and_end_with_a_good_start():
    clock = Clock()
    backoff = StartBackoff(clock=clock)
    assert not backoff.waiting
    pauses = []
    for _ in range(8):
        backoff.failed("connection refused")
        pauses.append(backoff.pause_s)
        clock.t += backoff.pause_s - 0.01
        assert backoff.waiting
        clock.t += 0.01
        assert not backoff.waiting
    assert pauses == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff.describe() == "30 s pause after 8 failed starts; last error: connection refused"
    backoff.succeeded()
    backoff.failed("exited with code 1")
    assert (
        backoff.pause_s == 1 and backoff.describe() == "1 s pause after 1 failed start; last error: exited with code 1"
    )


def test_a_long_crash_loop_stays_at_the_cap():
    backoff = StartBackoff(clock=Clock())
    for _ in range(5000):
        backoff.failed("x")
    assert backoff.pause_s == 30
