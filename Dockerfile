# mediator-tui with both agent engines and the embedded mediator (acapy-legacy on the image's Python 3.11).
# Node 20 for the Credo agents; Debian bookworm's Python 3.11 for the tool itself.
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-dev build-essential make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .

ENV PATH=/app/.venv/bin:$PATH \
    XDG_CACHE_HOME=/app/.cache
RUN make setup agent \
 && mediator-tui mediator provision --flavour acapy-legacy

# Locust web UI of the local master is bound to loopback; the TUI runs in the terminal.
ENTRYPOINT ["mediator-tui"]
