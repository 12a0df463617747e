"""Runs: a Locust master the tool starts (local) or one someone else started (attached)."""
