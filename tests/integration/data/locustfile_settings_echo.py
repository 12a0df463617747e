"""Users that show, as a request row, what their worker read: MESSAGE_TO_SEND, whether ISSUER_HEADERS (a
secret) is set, and the worker's host as ECHO_HOST names it (not a setting: each host's own).

Row: `setting <MESSAGE_TO_SEND> on <ECHO_HOST>, issuer headers set|unset`.
"""

import os

from locust import User, constant, task

from mediator_tui.locust_support import join_answer  # noqa: F401  (the master answers `mediator-tui worker`)
from mediator_tui.locust_support.settings import scenario_settings


class SettingsEcho(User):
    wait_time = constant(0.5)

    @task
    def echo(self) -> None:
        settings = scenario_settings()
        headers = "set" if settings.issuer_headers else "unset"
        self.environment.events.request.fire(
            request_type="setting",
            name=f"{settings.message} on {os.environ.get('ECHO_HOST', 'the master host')}, issuer headers {headers}",
            response_time=1,
            response_length=0,
            exception=None,
            context={},
        )
