"""The credo engine: each wallet is a Credo-ts agent in its own `node agent/agent.js` process.

`channel` speaks the JSON-lines protocol with one process; `agent` (`CredoAgent`)
implements the agent interface on top of it and watches the process; `setup`
finds node, the scripts of `agent/` and the askar native library, as agent errors.
"""
