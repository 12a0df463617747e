"""Where the tool's routes stand in a Locust web app: beside Locust's own, under its `--web-base-path`."""

from __future__ import annotations


def web_base_path(environment) -> str:
    """`/locust` for `--web-base-path /locust/`, "" without one (or for an Environment built in code,
    which has no parsed options)."""
    return (getattr(environment.parsed_options, "web_base_path", None) or "").rstrip("/")
