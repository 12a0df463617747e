"""mediator-tui: a terminal control room for load-testing DIDComm mediators."""

__version__ = "0.1.0"
