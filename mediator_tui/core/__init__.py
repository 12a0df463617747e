"""The UI-free core: configuration, processes, the embedded mediator, runs, the metric store, the
mediator probe, the capacity search, thresholds and export.

Nothing under this package imports the engines (`mediator_tui.agents`), the worker code
(`mediator_tui.locust_support`), Textual, Locust or gevent: what it shares with the engines is in
`mediator_tui.common`. The import contracts in pyproject.toml and tests/unit/test_layering.py hold it to that.
"""
