"""Security checks against the assistant started the way `make run` starts it.

`make run` (deploy/run-assistant) runs here for real (own ports, own var dir,
own SQLite files), with SITE_ORIGIN set, so what is checked is what a clinic deploys:
the HTTP API is off, `/` shows no version, no Server header, CORS only for the
clinic's site, and both servers listen on loopback only.
"""
import socket
import subprocess
from pathlib import Path
from typing import Dict

import pytest
import requests

from common.paths import ROOT
from local_services.processes import base_env
from tests.make_run_deployment import SITE_ORIGIN

pytestmark = pytest.mark.unit

SCRIPT = ROOT / "deploy" / "run-assistant"
API_PATHS = ["/status", "/version", "/model/parse", "/conversations/someone/tracker",
             "/conversations/someone/messages", "/domain", "/model"]


def run_script(env: Dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], cwd=ROOT, env=base_env(env), capture_output=True,
                          text=True, timeout=timeout)


# ---------------------------------------------------------------------------
# The start script's decisions (nothing is started)
# ---------------------------------------------------------------------------
def test_the_api_is_refused_without_auth_before_anything_starts(tmp_path: Path):
    env = {"RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": "", "RASA_JWT_SECRET": "",
           "RUN_ASSISTANT_VAR_DIR": str(tmp_path / "var")}
    result = run_script(env, str(tmp_path / "no-such-model.tar.gz"))
    assert result.returncode == 2
    assert "Refusing to start: RASA_ENABLE_API=true needs RASA_AUTH_TOKEN or RASA_JWT_SECRET" in result.stderr
    assert not (tmp_path / "var").exists(), "nothing was written or started"


def test_the_api_is_enabled_only_with_a_token_and_the_token_is_not_printed(tmp_path: Path):
    base = {"RUN_ASSISTANT_DRY_RUN": "1", "RASA_ENABLE_API": "", "SITE_ORIGIN": ""}
    off = run_script(base).stdout
    assert "--enable-api" not in off
    token = run_script({**base, "RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": "s3cret-token"}).stdout
    assert "--enable-api --auth-token ***" in token and "s3cret-token" not in token
    jwt = run_script({**base, "RASA_ENABLE_API": "true", "RASA_JWT_SECRET": "jwt-s3cret"}).stdout
    assert "--enable-api --jwt-secret ***" in jwt and "jwt-s3cret" not in jwt
    assert run_script({**base, "RASA_ENABLE_API": "yes"}).returncode == 2


def test_servers_bind_to_loopback_by_default_and_cors_is_never_everyone():
    dry = run_script({"RUN_ASSISTANT_DRY_RUN": "1", "SITE_ORIGIN": SITE_ORIGIN, "RASA_INTERFACE": ""})
    assert dry.returncode == 0
    assert "--interface 127.0.0.1 " in dry.stdout
    assert "SANIC_HOST=127.0.0.1 " in dry.stdout  # the action server
    assert f"--cors {SITE_ORIGIN}" in dry.stdout
    assert run_script({"RUN_ASSISTANT_DRY_RUN": "1", "SITE_ORIGIN": "*"}).returncode == 2


# ---------------------------------------------------------------------------
# The running assistant: `make run` with SITE_ORIGIN set, started once with
# tests/test_make_run.py (tests/make_run_deployment.py), so what is checked is
# what a clinic deploys.
# ---------------------------------------------------------------------------
@pytest.mark.system
@pytest.mark.xdist_group("make-run")
def test_the_http_api_is_off(deployed):
    for path in API_PATHS:
        for method in ("GET", "POST", "PUT"):
            reply = requests.request(method, deployed.url + path, json={"text": "hi"}, timeout=10)
            assert reply.status_code in (403, 404, 405), (method, path, reply.status_code)
            # Sanic's 404 names the path; no data: no events, slots, parse results or version.
            for leak in ('"events"', '"slots"', '"intent"', '"version"', "rasa"):
                assert leak not in reply.text.lower(), (method, path, reply.text[:200])


@pytest.mark.system
@pytest.mark.xdist_group("make-run")
def test_no_version_banner_or_server_header(deployed):
    root = requests.get(deployed.url + "/", timeout=10)
    assert root.status_code == 200
    assert "Rasa" not in root.text and "3.6" not in root.text
    for path in ("/", "/webhooks/rest/", "/webhooks/widget/", "/nope"):
        reply = requests.get(deployed.url + path, timeout=10)
        assert "server" not in {name.lower() for name in reply.headers}, (path, reply.headers)
        assert not any("rasa" in value.lower() or "sanic" in value.lower() for value in reply.headers.values())
    answer = requests.post(deployed.url + "/webhooks/rest/webhook",
                           json={"sender": "security-check", "message": "hello"}, timeout=30)
    assert answer.status_code == 200 and "server" not in {n.lower() for n in answer.headers}


@pytest.mark.system
@pytest.mark.xdist_group("make-run")
def test_cors_is_only_for_the_clinic_site(deployed):
    webhook = deployed.url + "/webhooks/rest/webhook"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = requests.options(webhook, headers={"Origin": SITE_ORIGIN, **preflight}, timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == SITE_ORIGIN
    for origin in ("https://evil.example", "null", SITE_ORIGIN + ".evil.example", "http://www.harborview-clinic.example"):
        refused = requests.options(webhook, headers={"Origin": origin, **preflight}, timeout=10)
        assert "Access-Control-Allow-Origin" not in refused.headers, origin
        post = requests.post(webhook, json={"sender": "cors-check", "message": "hi"},
                             headers={"Origin": origin}, timeout=30)
        assert "Access-Control-Allow-Origin" not in post.headers, origin


@pytest.mark.system
@pytest.mark.xdist_group("make-run")
def test_a_cross_site_form_post_is_refused(deployed):
    # A page on any site can send a form or text/plain without a CORS preflight.
    webhook = deployed.url + "/webhooks/rest/webhook"
    body = '{"sender": "csrf", "message": "/affirm"}'
    assert requests.post(webhook, data=body, headers={"Content-Type": "text/plain"}, timeout=10).status_code == 415
    assert requests.post(webhook, data={"sender": "csrf", "message": "hi"}, timeout=10).status_code == 415


def listening_addresses(port: int) -> set:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.system
@pytest.mark.xdist_group("make-run")
def test_both_servers_listen_on_loopback_only(deployed):
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    for port in (deployed.rasa_port, deployed.action_port):
        addresses = listening_addresses(port)
        if not addresses:
            pytest.skip("/proc/net/tcp is not readable here")
        assert addresses <= loopback, (port, addresses)
    # And from outside loopback (this machine's other address, if it has one) nothing answers.
    try:
        outside = socket.gethostbyname(socket.gethostname())
    except OSError:
        return
    if not outside.startswith("127."):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{outside}:{deployed.rasa_port}/", timeout=5)
