"""A local run that cannot start says why and leaves nothing behind."""

from __future__ import annotations

import pytest

from mediator_tui.core.processes import group_members
from mediator_tui.core.run.controller import RunError, RunLoad
from mediator_tui.core.run.local import LocalRun, LocalSpec


def test_a_broken_locustfile_gives_the_masters_error_and_no_process_survives(tmp_path):
    broken = tmp_path / "locustBroken.py"
    broken.write_text("from locust import User\ndef broken(:\n")
    run = LocalRun(
        LocalSpec(
            locustfiles=(broken,),
            workers=1,
            mediation_url="http://127.0.0.1:9/unused",
            run_dir=tmp_path,
            ready_timeout_s=30,
        ),
        RunLoad(users=1, spawn_rate=1),
    )
    first_group = run.group
    try:
        with pytest.raises(RunError) as error:
            run.start()
        assert "exited during start" in str(error.value) and "SyntaxError" in str(error.value)
        assert first_group.pgid is not None and not group_members(first_group.pgid)
        # The user fixes the file and starts again with the same run.
        broken.write_text(
            "from locust import User, task\n\nclass Idle(User):\n    @task\n    def nothing(self):\n        pass\n"
        )
        run.start()
        assert run.snapshot().status.mode == "local"
    finally:
        run.shutdown()
    assert not group_members(run.group.pgid)
