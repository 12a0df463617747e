"""What feeds the metric store: the Locust master client and its poller, the mediator probe."""
