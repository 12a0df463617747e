"""What crosses a process boundary, written once: typed, versioned, Locust-free."""
