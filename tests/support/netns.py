"""Hosts of their own on this machine, for a test: network namespaces on one bridge, each with its host name.

`Network(["mediator", "master", ...])` (a context manager; needs root, as `ip netns` does) makes one namespace
per host, each with loopback and an `eth0` on a bridge that lives in a namespace of its own (the "hub"), so
nothing is added to the machine's own network and no address of the test's subnet is routed from it. Every
namespace is named after the run (`mt` + a random tag), so runs side by side do not clash.

A host's processes run with `ip netns exec` in its namespace and, with `unshare --uts`, under its own host
name (what `socket.gethostname()` tells them). `Host.call_in` runs a function on a thread of this process
that entered the namespace: sockets it opens and threads it starts live in it (a relay, a client).

On exit, even when the test failed: every process in a host's namespace gets SIGTERM, then SIGKILL if it
is still there (nothing but the test's own processes can be in a namespace the test made), then the
namespaces are deleted, which removes their links.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")

SUBNET = "10.231.0"  # a /24 on the test's own bridge: no other network sees it
BRIDGE = "br0"
CLONE_NEWNET = 0x40000000
TERM_GRACE_S = 10.0
IP_TIMEOUT_S = 15.0
# `sh -c` sets the host name, then becomes the command: the pid a test holds is the command's own.
_AS_HOST = 'hostname "$1" && shift && exec "$@"'


class NetnsError(Exception):
    pass


def ip(*args: str) -> str:
    """Runs `ip ARGS`; its stdout, or NetnsError with its stderr."""
    try:
        done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=IP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NetnsError(f"ip {' '.join(args)}: {error}") from None
    if done.returncode:
        raise NetnsError(f"ip {' '.join(args)}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return done.stdout


def _enter(namespace: str) -> None:
    """Moves the calling thread (only it) into `namespace`."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise NetnsError(f"setns into {namespace}: {os.strerror(error)}")
    finally:
        os.close(fd)


def call_in(namespace: str, function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """`function(*args, **kwargs)` on a new thread inside `namespace`; what it opens and starts stays there."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            _enter(namespace)
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name=f"in-{namespace}", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class Host:
    """One namespace with one address, seen by its processes as a host named `name`."""

    def __init__(self, name: str, namespace: str, address: str):
        self.name = name
        self.namespace = namespace
        self.address = address
        self.started: list[subprocess.Popen[bytes]] = []

    def __repr__(self) -> str:
        return f"Host({self.name!r}, {self.address})"

    def command(self, argv: Iterable[str]) -> list[str]:
        """`argv` as it runs on this host."""
        return ["ip", "netns", "exec", self.namespace, "unshare", "--uts", "--", "sh", "-c", _AS_HOST, "sh"] + [
            self.name,
            *argv,
        ]

    def start(
        self, argv: Iterable[str], *, env: Mapping[str, str], cwd: Path, log_path: Path
    ) -> subprocess.Popen[bytes]:
        """A process on this host, in a process group of its own, its output in `log_path`."""
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                self.command(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def run(
        self, argv: Iterable[str], *, env: Mapping[str, str], cwd: Path, timeout_s: float
    ) -> subprocess.CompletedProcess[str]:
        """A command on this host, waited for; its output captured."""
        return subprocess.run(
            self.command(argv), env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout_s
        )

    def call_in(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        return call_in(self.namespace, function, *args, **kwargs)

    def pids(self) -> set[int]:
        """Every process in this host's namespace (all the test's own), never this test process."""
        try:
            listed = ip("netns", "pids", self.namespace).split()
        except NetnsError:
            return set()
        return {int(pid) for pid in listed} - {os.getpid()}

    def kill(self, sig: int = signal.SIGKILL) -> set[int]:
        """Sends `sig` to every process on this host; the pids it reached."""
        reached = set()
        for pid in self.pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                continue
            reached.add(pid)
        self.reap()
        return reached

    def reap(self) -> None:
        for process in self.started:
            process.poll()

    def wait_empty(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.pids():
            self.reap()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        self.reap()
        return True

    def end(self) -> None:
        """TERM to every process on it, then KILL to whatever still runs."""
        self.kill(signal.SIGTERM)
        if not self.wait_empty(TERM_GRACE_S):
            self.kill(signal.SIGKILL)
            if not self.wait_empty(TERM_GRACE_S):
                raise NetnsError(f"processes {sorted(self.pids())} on {self.name} survived SIGKILL")
        for process in self.started:
            process.wait(timeout=TERM_GRACE_S)


class Network:
    """Hosts named `names`, each at 10.231.0.N on one bridge; `hosts[name]`, `hub` (the bridge's namespace)."""

    def __init__(self, names: Iterable[str]):
        self.tag = "mt" + secrets.token_hex(4)
        self.hub = f"{self.tag}-hub"
        self.hosts: dict[str, Host] = {}
        for index, name in enumerate(names, start=1):
            self.hosts[name] = Host(name, f"{self.tag}-{name}", f"{SUBNET}.{index}")
        self._made: list[str] = []

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def __enter__(self) -> Network:
        try:
            self._make()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _add_namespace(self, namespace: str) -> None:
        ip("netns", "add", namespace)
        self._made.append(namespace)
        ip("-n", namespace, "link", "set", "lo", "up")

    def _make(self) -> None:
        self._add_namespace(self.hub)
        ip("-n", self.hub, "link", "add", BRIDGE, "type", "bridge")
        # A packet socket on the bridge sees the frames it forwards only in promiscuous mode (net/bridge/br_input.c).
        ip("-n", self.hub, "link", "set", BRIDGE, "promisc", "on", "up")
        for index, host in enumerate(self.hosts.values(), start=1):
            self._add_namespace(host.namespace)
            port = f"port{index}"
            ip("-n", self.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.namespace)
            ip("-n", self.hub, "link", "set", port, "master", BRIDGE, "up")
            ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", "eth0")
            ip("-n", host.namespace, "link", "set", "eth0", "up")

    def close(self) -> None:
        problems = []
        for host in self.hosts.values():
            if host.namespace in self._made:
                try:
                    host.end()
                except (NetnsError, subprocess.TimeoutExpired) as error:
                    problems.append(str(error))
        for namespace in reversed(self._made):
            try:
                ip("netns", "del", namespace)
            except NetnsError as error:
                problems.append(str(error))
        self._made.clear()
        if problems:
            raise NetnsError("; ".join(problems))
