"""The deployment files in deploy/ (compose and Kubernetes) use only what the tool has: every command line
they give the image parses with the tool's own parser, every variable they set is a setting of the schema
with a value it accepts, no secret setting has a value in them, and the master, its port and the workers
that join it agree across the files and with docs/deploy.md.

There is no Docker Compose nor cluster here to load them: the YAML is read as they would read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mediator_tui.commands.cli import build_parser
from mediator_tui.core.config.schema import BY_KEY
from mediator_tui.core.config.validate import parse_value
from tests.support.paths import REPO

DEPLOY = REPO / "deploy"
COMPOSE_FILES = ("compose.yaml", "compose.embedded.yaml")
KUBERNETES = DEPLOY / "kubernetes"
IMAGE = "mediator-tui"  # the Dockerfile's image (README: docker build -t mediator-tui .), ENTRYPOINT mediator-tui
SECRETS = "mediator-tui-secrets"
# The one value a user must replace before applying: the settings ConfigMap cannot know their mediator.
PLACEHOLDER = "REPLACE-WITH-YOUR-INVITATION"
_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _compose(name: str) -> dict[str, Any]:
    (doc,) = _documents(DEPLOY / name)
    return doc


def _kubernetes() -> list[dict[str, Any]]:
    return [doc for path in sorted(KUBERNETES.glob("*.yaml")) for doc in _documents(path)]


def _kind(kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in _kubernetes() if d.get("kind") == kind and d["metadata"]["name"] == name]
    return found


def _containers() -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in _kubernetes():
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec", spec)
        for container in pod.get("containers", []):
            yield f"{doc['kind']}/{doc['metadata']['name']}", container


def _compose_environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    # Compose's own ${VAR:-default}: the value when VAR is not set.
    return {key: _DEFAULTED.sub(lambda m: m.group(2), str(value)) for key, value in env.items()}


def _command_lines() -> list[tuple[str, list[str]]]:
    """Every command line the files give the image's entry point, mediator-tui."""
    lines = []
    for name in COMPOSE_FILES:
        for service_name, service in _compose(name)["services"].items():
            if "command" in service:
                lines.append((f"{name}:{service_name}", [str(word) for word in service["command"]]))
    for where, container in _containers():
        if container["image"] == IMAGE and "command" not in container:  # `command` replaces the entry point
            lines.append((f"kubernetes:{where}", [str(word) for word in container["args"]]))
    return lines


def _settings_given() -> list[tuple[str, str, str]]:
    """(file, setting, value) of every variable the files set."""
    given = []
    for name in COMPOSE_FILES:
        for service_name, service in _compose(name)["services"].items():
            given += [(f"{name}:{service_name}", k, v) for k, v in _compose_environment(service).items()]
    for doc in _kubernetes():
        if doc["kind"] == "ConfigMap":
            given += [(f"ConfigMap/{doc['metadata']['name']}", k, str(v)) for k, v in doc["data"].items()]
    for where, container in _containers():
        given += [(where, item["name"], str(item.get("value", ""))) for item in container.get("env", [])]
    return given


def _parse(argv: list[str]):
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exit_:
        raise AssertionError(f"`mediator-tui {' '.join(argv)}` is refused by the tool's parser") from exit_


@pytest.mark.parametrize(("where", "argv"), _command_lines(), ids=[where for where, _ in _command_lines()])
def test_every_command_line_parses_with_the_tools_parser(where, argv):
    # The worker lines (compose.yaml:worker, compose.embedded.yaml:worker, Deployment/mediator-tui-worker)
    # need the `worker` command.
    args = _parse(argv)
    if argv[0] == "worker":
        assert args.command == "worker" and args.processes == 1
    else:
        assert args.headless and args.export == "/export" and args.command is None


def test_every_variable_set_is_a_setting_with_a_value_the_tool_accepts():
    for where, key, value in _settings_given():
        assert key in BY_KEY, f"{where}: {key} is no setting of the tool"
        if PLACEHOLDER in value:
            continue
        try:
            parse_value(BY_KEY[key], value)
        except ValueError as error:
            raise AssertionError(f"{where}: {key}={value!r} {error}") from None


def test_no_secret_setting_has_a_value_in_the_files():
    secret_keys = {key for key, setting in BY_KEY.items() if setting.secret}
    for where, key, value in _settings_given():
        assert key not in secret_keys or not value, f"{where}: {key}, a secret, has a value in the file"
    assert not [d for d in _kubernetes() if d["kind"] == "Secret"], "a Secret's values belong to the user's cluster"
    texts = [path.read_text(encoding="utf-8") for path in DEPLOY.rglob("*.yaml")]
    for key in secret_keys:
        assert not any(re.search(rf"\b{key}\s*[:=]", text) for text in texts), f"{key} is written in deploy/"


def test_the_compose_workers_join_the_master_on_its_port_with_the_secrets_of_env():
    services = _compose("compose.yaml")["services"]
    master, worker = services["master"], services["worker"]
    master_env = _compose_environment(master)
    assert master_env["MASTER_HOST"] == "0.0.0.0"
    port = master_env["MASTER_PORT"]
    assert f"{port}:{port}" in master["ports"]
    assert _parse(worker["command"]).master == f"master:{port}"
    assert int(master_env["REMOTE_WORKERS"]) >= 1 and master_env["LOCUST_WORKERS"] == "0"
    for service in (master, worker):
        assert service["image"] == IMAGE and (DEPLOY / service["build"]["context"] / "Dockerfile").is_file()
        assert service["env_file"] == ".env"
        assert service["ulimits"]["nofile"]["soft"] >= 65536


def test_the_embedded_variant_shares_the_masters_network_for_its_loopback_mediator():
    services = _compose("compose.embedded.yaml")["services"]
    assert _compose_environment(services["master"])["MEDIATION_URL"] == ""
    assert services["worker"]["network_mode"] == "service:master"
    port = _compose_environment(_compose("compose.yaml")["services"]["master"])["MASTER_PORT"]
    assert _parse(services["worker"]["command"]).master == f"127.0.0.1:{port}"


def test_the_kubernetes_workers_reach_the_master_through_its_service():
    job = _kind("Job", "mediator-tui-master")
    (master,) = job["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item["value"] for item in master["env"]}
    assert env["MASTER_HOST"] == "0.0.0.0"
    (container_port,) = master["ports"]
    assert str(container_port["containerPort"]) == env["MASTER_PORT"]
    service = _kind("Service", "mediator-tui-master")
    assert service["spec"]["selector"].items() <= job["spec"]["template"]["metadata"]["labels"].items()
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] == container_port["name"]
    deployment = _kind("Deployment", "mediator-tui-worker")
    (worker,) = deployment["spec"]["template"]["spec"]["containers"]
    assert _parse(worker["args"]).master == f"{service['metadata']['name']}:{service_port['port']}"
    settings = _kind("ConfigMap", "mediator-tui-settings")["data"]
    assert int(settings["REMOTE_WORKERS"]) == deployment["spec"]["replicas"]


def test_the_kubernetes_master_and_workers_read_their_secrets_from_the_secret():
    for where, container in _containers():
        if container["image"] == IMAGE and "command" not in container:
            refs = [source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source]
            assert refs == [SECRETS], where


def test_kustomize_applies_every_manifest_but_the_export_reader():
    kustomization = _documents(KUBERNETES / "kustomization.yaml")[0]
    manifests = {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml", "export-reader.yaml"}
    assert set(kustomization["resources"]) == manifests
    assert [image["name"] for image in kustomization["images"]] == [IMAGE]


def test_the_manual_scales_what_the_files_define():
    page = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "docker compose up --scale worker=" in page
    deployment = _kind("Deployment", "mediator-tui-worker")["metadata"]["name"]
    assert f"kubectl scale deployment/{deployment} --replicas" in page
    assert f"kubectl create secret generic {SECRETS}" in page
    assert "deploy.md" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")
