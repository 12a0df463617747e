"""The step ramp of a capacity search as the master serves it on `/mediator-tui/capacity`.

The shape (`mediator_tui.locust_support.step_ramp`) runs on the Locust master and
publishes a `RampState`; the tool reads it with `RampState.from_json()` and steers
the ramp by posting a `RampCommand`. Times are unix seconds of the master's clock.
A payload of another `version` is refused with both versions named, so a tool and a
master of different releases fail loudly instead of misreading each other. Fields added
within a version have defaults that keep the older meaning (a plan without `auto_hold` has a
fixed hold), and a reader ignores fields it does not know; the `steady` command is only sent
to a master whose plan says `auto_hold`, which only a master that knows the command serves.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from mediator_tui.common.numbers import checked

VERSION = 1
ROUTE = "/mediator-tui/capacity"

# Where the ramp is: before `/swarm`; stepping on its own (plain Locust); held at each step
# until the tool says what comes next; ended by a stop command; past its maximum.
PHASES = ("waiting", "ramping", "paced", "stopped", "done")
COMMANDS = ("pace", "step", "stop", "steady")
# A computed hold (CAPACITY_HOLD=auto) measures each step long enough for MIN_PINGS pings, enough for a p95
# that ten slow pings (5 %) move, and for every user to ping at least once (its longest wait), never
# shorter than MIN_WINDOW_S (the probe's per-second points and the store's per-second percentiles).
MIN_PINGS = 200
MIN_WINDOW_S = 30.0
_Dataclass = TypeVar("_Dataclass", bound="DataclassInstance")


class CapacityContractError(ValueError):
    """A ramp payload or command that cannot be read; the message names the field."""


@dataclass(frozen=True)
class RampPlan:
    start: int
    step: int
    max_users: int
    hold_s: float  # how long each step runs once its spawning ended (0 with a computed hold)
    settle_s: float  # the first part of the hold that is not measured
    spawn_rate: float
    # CAPACITY_HOLD=auto: each step's window opens once its agents are onboarded and lasts `window_s(users)`,
    # computed from the users' waits between tasks (LOCUST_MIN_WAIT..LOCUST_MAX_WAIT).
    auto_hold: bool = False
    min_wait_s: float = 0.0
    max_wait_s: float = 0.0

    @property
    def mean_wait_s(self) -> float:
        """Locust's `between(min, max)` draws each wait uniformly: a user runs a task every mean wait."""
        return (self.min_wait_s + self.max_wait_s) / 2

    def pings_s(self, users: int) -> float:
        """Seconds `users` users take for MIN_PINGS pings at one a mean wait each (0 without waits)."""
        return MIN_PINGS * self.mean_wait_s / users if users > 0 else 0.0

    def window_s(self, users: int) -> float:
        """How long a step of `users` users is measured: the rest of the hold after the settle, or (computed)
        the longest of MIN_PINGS pings, one ping from every user and MIN_WINDOW_S, in whole seconds."""
        if not self.auto_hold:
            return self.hold_s - self.settle_s
        return float(math.ceil(max(MIN_WINDOW_S, self.pings_s(users), self.max_wait_s)))

    def hold_for(self, users: int) -> float:
        """How long a step of `users` users runs once its spawning ended, when nobody opens its window later."""
        return self.settle_s + self.window_s(users) if self.auto_hold else self.hold_s

    def problems(self) -> list[str]:
        found = []
        if self.start < 1:
            found.append(f"CAPACITY_START must be at least 1 (is {self.start})")
        if self.step < 1:
            found.append(f"CAPACITY_STEP must be at least 1 (is {self.step})")
        if self.max_users < self.start:
            found.append(f"CAPACITY_MAX ({self.max_users}) is below CAPACITY_START ({self.start})")
        if self.auto_hold:
            if self.settle_s < 0:
                found.append(f"CAPACITY_SETTLE must not be negative (is {self.settle_s:g} s)")
            if not 0 <= self.min_wait_s <= self.max_wait_s:
                found.append(
                    f"LOCUST_MIN_WAIT ({self.min_wait_s:g} s) must be between 0 and LOCUST_MAX_WAIT "
                    f"({self.max_wait_s:g} s) for a computed hold"
                )
        elif self.settle_s < 0 or self.hold_s <= self.settle_s:
            found.append(
                f"CAPACITY_HOLD ({self.hold_s:g} s) must be longer than CAPACITY_SETTLE "
                f"({self.settle_s:g} s): the steady window is what is left of the hold"
            )
        if self.spawn_rate <= 0:
            found.append(f"LOCUST_SPAWN_RATE must be above 0 (is {self.spawn_rate:g})")
        return found

    def targets(self) -> tuple[int, ...]:
        """The users of each step of the plain ramp; the last one is the maximum."""
        below = tuple(range(self.start, self.max_users, self.step))
        return below + (self.max_users,)


@dataclass(frozen=True)
class RampStep:
    index: int  # 0 for the first step; bisection steps keep counting
    users: int
    started_at: float
    spawning_ended_at: float | None = None  # Locust's spawning_complete for this step
    # spawning end + settle; with a computed hold, moved to when the tool says the step's agents are onboarded
    steady_from: float | None = None
    ends_at: float | None = None  # spawning end + hold; with a computed hold, steady_from + the window

    def steady(self, now: float) -> bool:
        return self.steady_from is not None and now >= self.steady_from

    def held(self, now: float) -> bool:
        return self.ends_at is not None and now >= self.ends_at


@dataclass(frozen=True)
class RampState:
    plan: RampPlan
    phase: str
    step: RampStep | None = None  # the current (or last) step
    served_at: float = 0.0  # the master's clock when this was served: readers time steps on it, not on theirs
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes | dict[str, Any]) -> RampState:
        payload = _payload(text)
        _check_version(payload)
        plan = _fields(RampPlan, _dict(payload, "plan"), "plan")
        phase = payload.get("phase")
        if phase not in PHASES:
            raise CapacityContractError(f"ramp state: phase {phase!r} is not one of {', '.join(PHASES)}")
        served_at, why = checked(payload.get("served_at"))
        if served_at is None:
            raise CapacityContractError(f"ramp state: served_at: {why}, not a time")
        step = payload.get("step")
        return cls(
            plan=plan,
            phase=phase,
            served_at=served_at,
            step=None if step is None else _fields(RampStep, _dict(payload, "step"), "step"),
        )


@dataclass(frozen=True)
class RampCommand:
    """`pace`: hold every step until told; `step`: go to `users` now (and hold there); `stop`: end the ramp;
    `steady`: the step's agents are onboarded, its window opens now (a computed hold only)."""

    command: str
    users: int | None = None
    version: int = VERSION

    def __post_init__(self) -> None:
        if self.command not in COMMANDS:
            raise CapacityContractError(f"ramp command {self.command!r} is not one of {', '.join(COMMANDS)}")
        if self.command == "step" and (
            not isinstance(self.users, int) or isinstance(self.users, bool) or self.users < 0
        ):
            raise CapacityContractError(f"ramp command 'step' needs users as a whole number >= 0, not {self.users!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes | dict[str, Any]) -> RampCommand:
        payload = _payload(text)
        _check_version(payload)
        command: Any = payload.get("command")  # any JSON value: __post_init__ names one that is not a command
        return cls(command=command, users=payload.get("users"))


def _payload(text: object) -> dict[str, Any]:
    """`text` as served: JSON text, or the value a client already parsed from it."""
    if not isinstance(text, (str, bytes, bytearray)):
        payload = text
    else:
        try:
            payload = json.loads(text)
        except ValueError as error:
            raise CapacityContractError(f"ramp payload is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise CapacityContractError(f"ramp payload is a JSON {type(payload).__name__}, not an object")
    return payload


def _check_version(payload: dict[str, Any]) -> None:
    if payload.get("version") != VERSION:
        raise CapacityContractError(
            f"ramp payload of version {payload.get('version')!r}; "
            f"this tool reads version {VERSION}: use the same release on master and tool"
        )


def _dict(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise CapacityContractError(f"ramp state: {key} is not an object")
    return value


def _fields(cls: type[_Dataclass], values: dict[str, Any], where: str) -> _Dataclass:
    kinds: dict[object, type | tuple[type, ...]] = {
        "bool": bool,
        "int": int,
        "float": (int, float),
        "float | None": (int, float, type(None)),
    }
    read = {}
    for name, field in cls.__dataclass_fields__.items():
        value = values.get(name, field.default)
        wanted = kinds[field.type]
        if value is MISSING or isinstance(value, bool) != (wanted is bool) or not isinstance(value, wanted):
            shown = "missing" if value is MISSING else f"{value!r}"
            raise CapacityContractError(f"ramp state: {where}.{name} is {shown}, not a {field.type}")
        why = "" if value is None or wanted is bool else checked(value)[1]
        if why:  # NaN, infinite or absurdly large: no step can be timed or sized by it
            raise CapacityContractError(f"ramp state: {where}.{name}: {why}")
        read[name] = value
    return cls(**read)
