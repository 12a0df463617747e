"""The capacity search's step ramp: add this file to a scenario to ramp it step by step.

    locust -f locustMediatorPing.py,locustCapacity.py

Steps of CAPACITY_STEP wallets from CAPACITY_START to CAPACITY_MAX, each held
CAPACITY_HOLD after its spawning at LOCUST_SPAWN_RATE (settings of the master's
`.env`). The master serves where the ramp is on `/mediator-tui/capacity`; see
`mediator_tui/locust_support/step_ramp.py` for how the tool steers it.
"""

from mediator_tui.locust_support.step_ramp import StepRampShape

__all__ = ["StepRampShape"]
