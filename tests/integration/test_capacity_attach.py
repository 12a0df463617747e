"""`mediator-tui capacity --attach URL` on a Locust master and workers someone else started (synthetic users)."""

import json

from mediator_tui.commands.cli import main
from mediator_tui.contracts.capacity import RampState
from tests.integration.scenarios import CAPACITY_FILES, ramp_env


def test_an_attached_search_whose_first_step_breaks_exits_3_and_stops_the_masters_load(
    locust_cluster, tmp_path, capsys, monkeypatch
):
    cluster = locust_cluster(CAPACITY_FILES, ramp_env(2, 2, 6, "4s", "1s"), workers=2)
    monkeypatch.chdir(tmp_path)
    code = main(["capacity", "--attach", cluster.url, "--export", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 3, out
    # The master's own settings set the plan; every 10th synthetic request fails: over the default 1 %.
    assert "capacity search: 2 to 6 Locust users by 2 at " in out and "each step 4 s after spawning (1 s settle)" in out
    step = next(line for line in out.splitlines() if line.startswith("step 1: "))
    assert step.startswith("step 1: 2 users, agents not reported ") and "BROKEN: fail_ratio>1% (0." in step, out
    assert step.endswith("[failures]"), out
    assert "verdict: the first step (2 users, agents not reported) already broke: fail_ratio>1%" in out
    capacity = json.loads((tmp_path / "out" / "summary.json").read_text())["capacity"]
    assert (capacity["users_held"], capacity["users_broken"], capacity["broke_first"]) == (None, 2, "failures")
    cluster.wait_for(lambda: cluster.stats()["state"] == "stopped", 20, "the load to stop")
    assert RampState.from_json(cluster.client.capacity()).phase in ("stopped", "waiting")
