"""The capacity search's step ramp: a Locust `LoadTestShape` on the master, steerable over HTTP.

Add `locustfiles/locustCapacity.py` to the scenario (`locust -f
locustMediatorPing.py,locustCapacity.py`, workers on any host) and the ramp runs
as Locust runs any shape: `/swarm` (or `--headless`) starts it. The plan comes
from the settings (`.env` of the master, overlaid by its environment):
CAPACITY_START, CAPACITY_STEP, CAPACITY_MAX Locust users, CAPACITY_HOLD per step
counted from the end of the step's spawning (or `auto`: computed per step from
LOCUST_MIN_WAIT and LOCUST_MAX_WAIT), CAPACITY_SETTLE of it not measured, at
LOCUST_SPAWN_RATE.

Who decides the next target: the shape, always; the tool only tells it. On its
own (plain Locust, nobody asking) the shape steps from start to maximum, each
step held for its hold, then stops the load. A tool judging the steps posts
`pace` on `/mediator-tui/capacity` first: from then on every step is held past
its hold until the tool posts `step` with the next user count (the next step
of the ramp, or a bisection target below it) or `stop`. So the tool never
races a step change (it reads the end of a step while that step's load still
runs), a bisection is just another step, and the run is a shape run the whole
time, which Locust would otherwise end when the tool calls `/swarm` itself.
With a computed hold (CAPACITY_HOLD=auto) the tool also posts `steady` once the
step's agents are onboarded: the step's window opens then and lasts what the plan
computes for its users (`RampPlan.window_s`), so onboarding thousands of agents at
the mediator's pace is not measured as the step's steady state. The same `GET`
serves the `RampState` (`mediator_tui.contracts.capacity`).
"""

from __future__ import annotations

from flask import request
from locust import LoadTestShape, events

from mediator_tui.contracts.capacity import ROUTE, CapacityContractError, RampCommand
from mediator_tui.core.capacity.plan import plan_from_settings
from mediator_tui.locust_support.ramp_timeline import RampNotRunning, StepRamp
from mediator_tui.locust_support.web_path import web_base_path


class StepRampShape(LoadTestShape):
    """Locust's face of `StepRamp`; the plan is read when Locust creates the shape."""

    def __init__(self):
        self.ramp = StepRamp(plan_from_settings())
        super().__init__()

    def tick(self):
        return self.ramp.tick()


@events.init.add_listener
def _on_init(environment, web_ui=None, **_kwargs) -> None:
    shape = environment.shape_class
    if not isinstance(shape, StepRampShape):
        return
    # On the master (or a lone `locust -f`): the workers' spawning is over when it fires there.
    environment.events.spawning_complete.add_listener(lambda **_kw: shape.ramp.spawning_complete())
    # Not on reset_time(): a master calls that again inside the first step's spawning.
    environment.events.test_stop.add_listener(lambda **_kw: shape.ramp.load_stopped())
    if web_ui is not None:
        prefix = web_base_path(environment)
        _serve(web_ui, shape.ramp, prefix + ROUTE)


def _serve(web_ui, ramp: StepRamp, path: str) -> None:
    def mediator_tui_capacity():
        if request.method == "POST":
            try:
                ramp.command(RampCommand.from_json(request.get_data()))
            except CapacityContractError as error:
                status = 409 if isinstance(error, RampNotRunning) else 400
                return web_ui.app.response_class(str(error), status=status, mimetype="text/plain")
        return web_ui.app.response_class(ramp.state().to_json(), mimetype="application/json")

    web_ui.app.add_url_rule(
        path, "mediator_tui_capacity", web_ui.auth_required_if_enabled(mediator_tui_capacity), methods=["GET", "POST"]
    )
