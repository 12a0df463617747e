"""The layer below both the core and the agent engines: what both read the same way.

base64url (`b64url`), DIDComm invitation URLs (`invitation`), the open-file limit (`open_files`),
the tool's cache and state folders (`app_dirs`), installs into the cache (`cached_install`), the
files shipped with the package (`bundled`), the `agent/` Node project with its askar library
(`node_agent`), the environment of a child process (`child_env`), remote text made inert for a terminal
(`terminal_text`), the address a master binds (`bind_address`) and the clock runs are timed on (`steady_clock`). It imports nothing else of mediator_tui, nor any UI, Locust or gevent; the import
contracts in pyproject.toml hold it to that.
"""
