"""Polling a Locust master and turning its figures into snapshots."""
