"""The one thing pyproject.toml cannot say: the top-level `locustfiles/` and `agent/` ship inside the package.

They are installed as `mediator_tui/bundled/locustfiles` and `mediator_tui/bundled/agent`
(found by `mediator_tui.common.bundled`), so an installed tool runs its scenarios and
the Credo agent from any folder. `agent/node_modules` stays out: the tool installs
the agent's Node dependencies itself (`mediator-tui agents provision`).
"""

from setuptools import find_packages, setup

BUNDLED = {
    "mediator_tui.bundled.locustfiles": "locustfiles",
    "mediator_tui.bundled.agent": "agent",
    "mediator_tui.bundled.agent.lib": "agent/lib",
    "mediator_tui.bundled.agent.contexts": "agent/contexts",
}

setup(
    packages=[*find_packages(include=["mediator_tui", "mediator_tui.*"]), *BUNDLED],
    package_dir=BUNDLED,
    package_data={
        "mediator_tui.bundled.locustfiles": ["*.py"],
        "mediator_tui.bundled.agent": ["*.js", "package.json", "package-lock.json", ".npmrc"],
        "mediator_tui.bundled.agent.lib": ["*.js"],
        "mediator_tui.bundled.agent.contexts": ["*.jsonld"],
    },
)
