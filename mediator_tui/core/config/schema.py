"""Every setting the tool reads, in one table.

Names are the ones users of the tool we replace (and of its successor) already have
in their `.env`, so an existing file keeps working. Our own additions follow
Locust's naming where Locust has the same notion (`LOCUST_USERS`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

GROUPS = ("target", "load", "agents", "issuer", "distributed", "mediator")


@dataclass(frozen=True)
class Setting:
    key: str
    kind: str  # str, int, float, cores, bool, json, choice, port, host, invitation, files, duration, url, pid, names, args
    # (a duration with choices also takes those words)
    default: str
    help: str
    group: str
    secret: bool = False
    choices: tuple[str, ...] = ()


SETTINGS: tuple[Setting, ...] = (
    # target
    Setting(
        "MEDIATION_URL",
        "invitation",
        "",
        "Mediator invitation URL (oob= or c_i=); empty starts the embedded local mediator",
        "target",
    ),
    Setting(
        "MEDIATOR_FLAVOUR",
        "choice",
        "auto",
        "Embedded mediator when MEDIATION_URL is empty",
        "target",
        choices=("auto", "acapy", "acapy-legacy", "credo"),
    ),
    Setting(
        "MEDIATOR_CPU_LIMIT",
        "cores",
        "",
        "Embedded mediator: CPU limit in cores, as a Kubernetes pod's (0.8 = 800m); empty for none",
        "target",
    ),
    Setting(
        "MEDIATOR_ARGS",
        "args",
        "",
        "Embedded mediator: more flags for its command line, as shell words "
        "(e.g. --ws-heartbeat-interval 30 --ws-timeout-interval 60); no secrets",
        "target",
    ),
    Setting(
        "MEDIATOR_PROXY",
        "choice",
        "none",
        "Embedded mediator: the reverse proxy in front of it (nginx: websocket upgrades to its ws port, the rest "
        "to its http port); none: agents reach it directly",
        "target",
        choices=("none", "nginx"),
    ),
    Setting(
        "MEDIATOR_PROXY_IDLE_TIMEOUT",
        "duration",
        "60s",
        "Embedded mediator's proxy: it closes a websocket idle this long, as a load balancer's "
        "idle timeout (plain HTTP keeps nginx's 60s); empty: nginx's default, 60s",
        "target",
    ),
    Setting(
        "MEDIATOR_STORAGE",
        "choice",
        "sqlite",
        "Embedded ACA-Py: where its wallet lives, a SQLite file or a private PostgreSQL cluster (askar postgres_storage)",
        "target",
        choices=("sqlite", "postgres"),
    ),
    Setting(
        "MEDIATOR_POSTGRES_MAX_CONNECTIONS",
        "int",
        "100",
        "Embedded mediator on PostgreSQL: the server's max_connections (low: the database refuses connections)",
        "target",
    ),
    Setting(
        "MEDIATOR_INSTANCES",
        "int",
        "1",
        "Embedded mediator: ACA-Py processes sharing its wallet behind its proxy, taken in turn (2 needs "
        "MEDIATOR_STORAGE=postgres and MEDIATOR_PROXY=nginx)",
        "target",
    ),
    Setting(
        "INVITATION_ROTATE_EVERY",
        "int",
        "50",
        "Embedded mediator: a fresh invitation every N onboardings (0 keeps one)",
        "target",
    ),
    Setting("WITH_MEDIATION", "bool", "true", "Agents connect through the mediator", "target"),
    Setting(
        "PICKUP_STRATEGY",
        "choice",
        "implicit",
        "How agents collect queued messages",
        "target",
        choices=("implicit", "pickup-v2", "pickup-v2-live"),
    ),
    # load
    Setting(
        "LOCUST_FILES",
        "files",
        "locustMediatorPing.py",
        "Scenario files, comma separated; extra Locust flags may follow",
        "load",
    ),
    Setting("LOCUST_USERS", "int", "10", "Locust users (each runs its scenario's agents)", "load"),
    Setting("LOCUST_SPAWN_RATE", "float", "1", "New Locust users per second", "load"),
    Setting(
        "LOCUST_RUN_TIME", "duration", "", "Stop after this long (e.g. 90s, 5m, 1h); empty runs until stopped", "load"
    ),
    Setting(
        "LOCUST_WORKERS",
        "int",
        "0",
        "Worker processes on this host; 0 means one per core (none when REMOTE_WORKERS is set)",
        "load",
    ),
    Setting("LOCUST_MIN_WAIT", "float", "60", "Shortest wait between a user's tasks, seconds", "load"),
    Setting("LOCUST_MAX_WAIT", "float", "120", "Longest wait between a user's tasks, seconds", "load"),
    Setting("VERIFIED_TIMEOUT_SECONDS", "float", "60", "Timeout of one agent operation, seconds", "load"),
    Setting(
        "ONBOARDING_MAX_IN_FLIGHT",
        "int",
        "64",
        "Onboardings in flight per worker at most: the adaptive cap's ceiling (0: no cap, onboard as users spawn)",
        "load",
    ),
    Setting("ONBOARDING_START_IN_FLIGHT", "int", "4", "Onboardings in flight per worker before the cap adapts", "load"),
    Setting(
        "ONBOARDING_TARGET_LATENCY",
        "float",
        "1",
        "Onboarding latency, seconds, under which the cap grows (or twice the usual one, if longer); see large-runs",
        "load",
    ),
    Setting("MESSAGE_TO_SEND", "str", "ping", "Basic message text the message scenarios send", "load"),
    Setting(
        "CONNECTIONS_PER_AGENT", "int", "1", "DIDComm connections each agent makes in the connection scenario", "load"
    ),
    Setting(
        "OFFLINE_SECONDS",
        "float",
        "10",
        "Offline scenario: how long the offline wallet stays away (socket closed, not collecting), seconds",
        "load",
    ),
    Setting("OFFLINE_MESSAGES", "int", "5", "Offline scenario: messages its peer sends it meanwhile", "load"),
    Setting(
        "STORM_AFTER",
        "duration",
        "",
        "Embedded mediator: restart it this long after the swarm started, a reconnect storm measured in the "
        "export; empty for none",
        "load",
    ),
    Setting("CAPACITY_START", "int", "10", "Capacity search: Locust users of the first step", "load"),
    Setting("CAPACITY_STEP", "int", "10", "Capacity search: Locust users added per step", "load"),
    Setting("CAPACITY_MAX", "int", "200", "Capacity search: Locust users of the last step", "load"),
    Setting(
        "CAPACITY_HOLD",
        "duration",
        "60s",
        "Capacity search: how long each step runs after its spawning; auto: measured once its agents are "
        "onboarded, as long as 200 pings and one ping per user take at the LOCUST_*_WAIT waits",
        "load",
        choices=("auto",),
    ),
    Setting(
        "CAPACITY_SETTLE",
        "duration",
        "10s",
        "Capacity search: start of each hold left unmeasured (onboarding, warm-up)",
        "load",
    ),
    # agents
    Setting(
        "AGENT_ENGINE",
        "choice",
        "native",
        "native: in-process Python agents; credo: one Credo-ts Node process per agent",
        "agents",
        choices=("native", "credo"),
    ),
    Setting(
        "RECONNECT_POLICY",
        "choice",
        "backoff",
        "native engine: how a dropped link to the mediator comes back; backoff is Credo's (100 ms doubling), "
        "backoff-jitter doubles from 0.5 s to 5 s with jitter, immediate retries every 0.1 s",
        "agents",
        choices=("backoff", "backoff-jitter", "immediate"),
    ),
    Setting(
        "WALLET_POPULATION",
        "str",
        "",
        "native engine: file of saved wallets; a missing file is made with the wallets the run onboards, an "
        "existing one is reconnected instead of onboarding (holds keys: mode 0600)",
        "agents",
    ),
    Setting("AGENT_IP", "str", "127.0.0.1", "Address listening (non-mediated) agents bind and advertise", "agents"),
    Setting("START_PORT", "port", "10000", "First port of the pool for listening agents", "agents"),
    Setting("END_PORT", "port", "12000", "End of the port pool (exclusive)", "agents"),
    # issuer
    Setting("ISSUER_URL", "url", "", "Issuer ACA-Py admin API", "issuer"),
    Setting("ISSUER_HEADERS", "json", "{}", "Headers for the issuer admin API (JSON object)", "issuer", secret=True),
    Setting(
        "ISSUER_TYPE",
        "choice",
        "acapy",
        "Issuer API: acapy (issue-credential 1.0 for CRED_DEF) or acapy_v2 (2.0, indy format)",
        "issuer",
        choices=("acapy", "acapy_v2"),
    ),
    Setting("CRED_DEF", "str", "", "Credential definition id (Indy/AnonCreds issuance)", "issuer"),
    Setting("CRED_ATTR", "json", "[]", "Credential attributes (JSON list)", "issuer"),
    Setting("SCHEMA", "str", "", "Schema id (Indy/AnonCreds issuance)", "issuer"),
    Setting("LEDGER", "str", "", "Ledger name the issuer uses", "issuer"),
    Setting(
        "IS_ANONCREDS", "bool", "false", "Issuer wallet is AnonCreds (issue-credential 2.0 anoncreds format)", "issuer"
    ),
    Setting("VERIFIER_URL", "url", "", "Verifier ACA-Py admin API", "issuer"),
    Setting(
        "VERIFIER_HEADERS", "json", "{}", "Headers for the verifier admin API (JSON object)", "issuer", secret=True
    ),
    # distributed
    Setting(
        "MASTER_HOST",
        "host",
        "127.0.0.1",
        "Address the local Locust master binds for workers: 127.0.0.1 this host only, 0.0.0.0 every interface, "
        "or one of this host's addresses; other than loopback, the run prints the command that adds workers on "
        "another host",
        "distributed",
    ),
    Setting("MASTER_PORT", "port", "5557", "Port the local Locust master listens on for workers", "distributed"),
    Setting(
        "REMOTE_WORKERS",
        "int",
        "0",
        "Workers on other hosts (mediator-tui worker) the local master waits for before the swarm starts; "
        "needs MASTER_HOST other than loopback; set, LOCUST_WORKERS=0 starts no worker on this host",
        "distributed",
    ),
    Setting("ATTACH_URL", "url", "", "Web URL of a remote Locust master to attach to", "distributed"),
    Setting("ATTACH_USERNAME", "str", "", "Basic-auth user of the remote master", "distributed"),
    Setting("ATTACH_PASSWORD", "str", "", "Basic-auth password of the remote master", "distributed", secret=True),
    # mediator: what the mediator probe reads besides the embedded mediator, which it knows
    Setting(
        "MEDIATOR_PID",
        "pid",
        "",
        "Process id of a mediator on this host to read CPU, memory and connections of",
        "mediator",
    ),
    Setting(
        "MEDIATOR_ADMIN_URL",
        "url",
        "",
        "ACA-Py admin API of the mediator, for its sessions, connections, mediations and routes",
        "mediator",
    ),
    Setting(
        "MEDIATOR_ADMIN_HEADERS",
        "json",
        "{}",
        "Headers for the mediator's admin API (JSON object), e.g. its x-api-key",
        "mediator",
        secret=True,
    ),
    Setting(
        "MEDIATOR_METRICS_URL",
        "url",
        "",
        "Prometheus text endpoint of the mediator (e.g. http://host:9464/metrics)",
        "mediator",
    ),
    Setting(
        "MEDIATOR_METRICS",
        "names",
        "",
        "More series of that endpoint to record as they are, comma separated",
        "mediator",
    ),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
