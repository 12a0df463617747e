"""The layer below both the core and the agent engines: what both read the same way.

base64url (`b64url`) and DIDComm invitation URLs (`invitation`). It imports nothing else of
mediator_tui, nor any UI, Locust or gevent; the import contracts in pyproject.toml hold it to that.
"""
