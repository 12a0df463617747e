"""Agent engines behind one interface (see `interface`)."""
