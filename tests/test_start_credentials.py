"""The start script's credentials: channels only when their secrets are set."""
import subprocess
import sys

import pytest
from common import yaml_files

from tests.servers import ROOT

pytestmark = pytest.mark.unit

TELEGRAM = {"TELEGRAM_ACCESS_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": "s3cret"}


def write_credentials(tmp_path, env):
    target = tmp_path / "credentials.yml"
    result = subprocess.run([sys.executable, "-m", "deploy.credentials", str(target)], cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True,
                            timeout=120)
    return result, target


def test_without_secrets_only_rest_the_widget_and_the_staff_inbox(tmp_path):
    result, target = write_credentials(tmp_path, {})
    assert result.returncode == 0, result.stderr
    assert set(yaml_files.safe_load(target.read_text())) == {
        "connectors.rest.SourcedRestInput", "connectors.widget.WidgetInput", "handoff.inbox.StaffInboxInput"}


def test_a_fully_configured_channel_is_enabled_without_writing_its_secrets(tmp_path):
    result, target = write_credentials(tmp_path, TELEGRAM)
    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert "connectors.telegram.TelegramChannel" in text
    assert "s3cret" not in text and "${TELEGRAM_SECRET_TOKEN}" in text


def test_a_half_configured_channel_stops_the_start_with_a_clear_message(tmp_path):
    result, target = write_credentials(tmp_path, {"TELEGRAM_ACCESS_TOKEN": "123:abc"})
    assert result.returncode == 1
    assert "telegram is half-configured: TELEGRAM_SECRET_TOKEN is not set" in result.stderr
    assert not target.exists()


TWILIO = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t0ken", "TWILIO_NUMBER": "+15550001111"}


def test_start_up_says_plainly_what_twilio_needs_behind_a_proxy(tmp_path):
    result, _ = write_credentials(tmp_path, TWILIO)
    assert result.returncode == 0, result.stderr
    assert "set TWILIO_TRUSTED_PROXIES to the proxy's address" in result.stdout
    assert "Repeated deliveries from the platforms are recognised in this process only" in result.stdout
    configured, _ = write_credentials(tmp_path, {**TWILIO, "TWILIO_TRUSTED_PROXIES": "127.0.0.1"})
    assert configured.returncode == 0 and "TWILIO_TRUSTED_PROXIES" not in configured.stdout
