"""Capacity search: step figures, service levels, the search and its verdict, the driver over HTTP."""
