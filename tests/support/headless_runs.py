"""`mediator-tui --headless --export DIR` run as a user runs it, a separate process: start it, read its
progress lines, wait for its end, read its export."""

from __future__ import annotations

import base64
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.paths import REPO, SYNTHETIC


def fake_invitation() -> str:
    """A well-formed invitation nobody answers: the synthetic scenario never uses it."""
    message = {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation",
        "@id": "test",
        "services": [
            {
                "id": "#inline",
                "type": "did-communication",
                "recipientKeys": ["did:key:z6MkTestKey"],
                "serviceEndpoint": "http://127.0.0.1:9",
            }
        ],
    }
    return "http://127.0.0.1:9?oob=" + base64.urlsafe_b64encode(json.dumps(message).encode()).decode().rstrip("=")


def headless(tmp_path: Path, settings: dict[str, str], *args: str) -> subprocess.Popen:
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LOCUST_", "MEDIATION_"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mediator_tui",
            "--env",
            str(env_file),
            "--headless",
            "--export",
            str(tmp_path / "out"),
            *args,
        ],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def synthetic(tmp_path: Path, *args: str) -> subprocess.Popen:
    return headless(tmp_path, {"MEDIATION_URL": fake_invitation()}, "-f", str(SYNTHETIC), "--workers", "2", *args)


def finish(process: subprocess.Popen, timeout_s: float = 120) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=timeout_s)
    return process.returncode, stderr


def read_export(directory: Path) -> tuple[dict, list[dict]]:
    summary = json.loads((directory / "summary.json").read_text())
    with open(directory / "requests.csv", newline="") as f:
        return summary, list(csv.DictReader(f))


def wait_for_line(process: subprocess.Popen, text: str, timeout_s: float) -> str:
    """Read stderr until a line holds `text` (progress lines arrive every 5 s when stderr is no terminal)."""
    deadline = time.monotonic() + timeout_s
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r}; stderr so far:\n{''.join(seen)}")


EMBEDDED = {
    "MEDIATION_URL": "",
    "AGENT_ENGINE": "native",
    "LOCUST_MIN_WAIT": "0.2",
    "LOCUST_MAX_WAIT": "0.5",
    "VERIFIED_TIMEOUT_SECONDS": "20",
    "MEDIATOR_FLAVOUR": "acapy",
}
