"""The layer below the core and the agent engines: what both need, importing nothing else of ours."""
