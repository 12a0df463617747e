# mediator-tui with both agent engines and the embedded mediator (acapy-legacy on the image's Python 3.11).
# Node 20 for the Credo agents; Debian bookworm's Python 3.11 for the tool itself.
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-dev build-essential make \
 && rm -rf /var/lib/apt/lists/*

# Installed as a user's `pip install .` installs it (not editable): the scenarios and the
# Credo agent's sources ship inside the package, so the tool runs from any folder.
COPY . /tmp/mediator-tui
ENV PATH=/opt/mediator-tui/bin:$PATH \
    XDG_CACHE_HOME=/var/cache/mediator-tui-home
RUN python3 -m venv /opt/mediator-tui \
 && /opt/mediator-tui/bin/pip install --no-cache-dir /tmp/mediator-tui \
 && rm -rf /tmp/mediator-tui \
 && mediator-tui agents provision \
 && mediator-tui mediator provision --flavour acapy-legacy

WORKDIR /work
# Locust web UI of the local master is bound to loopback; the TUI runs in the terminal.
ENTRYPOINT ["mediator-tui"]
