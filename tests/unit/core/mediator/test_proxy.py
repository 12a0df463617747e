"""The reverse proxy's setting, its nginx configuration and what the tool says when nginx is missing."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from mediator_tui.core.mediator import nginx
from mediator_tui.core.mediator.errors import MediatorError, ProvisionError
from mediator_tui.core.mediator.proxy import NGINX, NONE, ProxySetting, proxy_setting


def test_the_setting_names_a_known_proxy_and_an_idle_timeout_of_at_least_a_second():
    assert not ProxySetting().wanted and ProxySetting(NGINX, 5).wanted
    assert proxy_setting(NGINX, None).idle_timeout_s == nginx.DEFAULT_IDLE_TIMEOUT_S
    assert ProxySetting(NGINX, 5).describe() == "nginx, idle timeout 5 s"
    with pytest.raises(MediatorError, match="unknown reverse proxy 'haproxy' \\(known: none, nginx\\)"):
        ProxySetting("haproxy")
    with pytest.raises(MediatorError, match="at least 1 s, not 0.5"):
        ProxySetting(NONE, 0.5)


def _config(tmp_path, idle_timeout_s: float = 5) -> str:
    return nginx.config(nginx.ProxyFiles(tmp_path), "127.0.0.1", 8000, [8001], [8002], idle_timeout_s)


def test_upgrades_go_to_the_ws_port_and_the_rest_to_the_http_port(tmp_path):
    text = _config(tmp_path)
    assert re.search(r"upstream mediator_http \{\s*server 127\.0\.0\.1:8001 max_fails=0;", text)
    assert re.search(r"upstream mediator_ws \{\s*server 127\.0\.0\.1:8002 max_fails=0;", text)
    # The reference Caddyfile's matcher: Connection holds Upgrade and Upgrade is websocket.
    [pattern] = re.findall(r'"~\*(.+)" mediator_ws;', text)
    matches = re.compile(pattern, re.IGNORECASE).search
    assert matches("keep-alive, Upgrade|websocket") and matches("upgrade|WebSocket")
    assert not matches("keep-alive|") and not matches("close|websocket") and not matches("upgrade|h2c")
    assert "listen 127.0.0.1:8000;" in text
    location = _block(text, "location /")
    assert "if ($mediator_inbound = mediator_ws)" in location and "proxy_pass http://mediator_http;" in location
    assert "proxy_pass http://mediator_ws;" in _block(text, "location @websocket")


def test_two_instances_are_both_upstreams_of_each_inbound_kind(tmp_path):
    text = nginx.config(nginx.ProxyFiles(tmp_path), "127.0.0.1", 8000, [8001, 8011], [8002, 8012], 5)
    http = re.search(r"upstream mediator_http \{([^}]*)\}", text)
    ws = re.search(r"upstream mediator_ws \{([^}]*)\}", text)
    assert http and re.findall(r"server (\S+) max_fails=0;", http.group(1)) == ["127.0.0.1:8001", "127.0.0.1:8011"]
    assert ws and re.findall(r"server (\S+) max_fails=0;", ws.group(1)) == ["127.0.0.1:8002", "127.0.0.1:8012"]
    # nginx's default balancing: round robin, no hash or sticky directive
    assert "hash " not in text and "ip_hash" not in text


def _block(text: str, opening: str) -> str:
    """The text of the block that opens with `opening {`, up to its last closing brace."""
    start = text.index(opening + " {")
    depth, end = 0, start
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0 and text[end] == "}":
            break
    return text[start : end + 1]


def test_the_idle_timeout_is_the_websockets_read_and_send_timeout_in_whole_seconds(tmp_path):
    text = _config(tmp_path, 2.4)
    websocket = _block(text, "location @websocket")
    assert "proxy_read_timeout 2s;" in websocket and "proxy_send_timeout 2s;" in websocket
    # plain HTTP keeps nginx's default: a loaded mediator's slow answer is not cut as an idle websocket
    http = _block(text, "location /").replace(_block(text, "if ($mediator_inbound = mediator_ws)"), "")
    assert "proxy_read_timeout 60s;" in http and "proxy_send_timeout 60s;" in http
    assert "2s;" not in http


def test_everything_it_writes_stays_in_its_folder(tmp_path):
    text = _config(tmp_path)
    files = nginx.ProxyFiles(tmp_path)
    assert "daemon off;" in text
    for line in (f"pid {files.pid};", f"error_log {files.error_log} warn;", f"access_log {files.access_log} "):
        assert line in text
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        assert f"{kind}_temp_path {files.temp}/{kind};" in text
    assert nginx.command("/usr/sbin/nginx", files)[-2:] == ["-e", str(files.error_log)]


def test_without_nginx_and_without_apt_the_error_names_the_package(monkeypatch):
    monkeypatch.setattr(nginx, "find", lambda: None)
    monkeypatch.setattr(nginx.os, "geteuid", lambda: 1000)
    with pytest.raises(ProvisionError, match=r"install Debian's `nginx` package .* or set MEDIATOR_PROXY=none"):
        nginx.ensure()


def test_a_failed_apt_install_says_so_with_its_output(monkeypatch):
    monkeypatch.setattr(nginx, "find", lambda: None)
    monkeypatch.setattr(nginx.os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(
        nginx.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 100, "", "E: Unable to locate package nginx"),
    )
    with pytest.raises(ProvisionError, match="(?s)failed \\(exit 100\\).*Unable to locate package nginx"):
        nginx.ensure()
