"""What crosses a process boundary, written once: typed, versioned, Locust-free.

- `worker_report`: what a worker reports about its agents each second;
- `agents_view`: what the master serves on `/mediator-tui/agents`;
- `request_histograms`: what the master serves on `/mediator-tui/requests`.

Producers build these dataclasses and send `to_json()`; readers call `from_json()`,
which reads every field tolerantly (`fields`) and refuses a payload of another
version (`version.VersionMismatch`, naming both versions).
"""
