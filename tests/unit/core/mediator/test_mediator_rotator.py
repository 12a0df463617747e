"""A fresh invitation every K onboardings, also under concurrent callers."""

import threading

import pytest

from mediator_tui.core.mediator import InvitationRotator


def counter():
    made = []

    def create():
        made.append(f"invitation-{len(made)}")
        return made[-1]

    return create, made


def test_new_invitation_after_every_k_calls():
    create, _made = counter()
    rotator = InvitationRotator(create, every=3)
    handed = [rotator.next() for _ in range(7)]
    assert handed == ["invitation-0"] * 3 + ["invitation-1"] * 3 + ["invitation-2"]
    assert rotator.created == 3


def test_each_invitation_goes_to_exactly_k_callers_across_threads():
    create, made = counter()
    rotator = InvitationRotator(create, every=10)
    handed: list[str] = []
    lock = threading.Lock()

    def onboard():
        for _ in range(50):
            url = rotator.next()
            with lock:
                handed.append(url)

    threads = [threading.Thread(target=onboard) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(handed) == 400
    assert len(made) == 40
    assert all(handed.count(url) == 10 for url in made)


def test_k_below_one_is_refused():
    with pytest.raises(ValueError):
        InvitationRotator(lambda: "x", every=0)
