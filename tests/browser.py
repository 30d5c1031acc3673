"""Helpers for the chat widget's browser tests: Debian's Chromium and the servers.

Playwright's own browser downloads are not used: Chromium comes from the
system package (apt install chromium), found at CHROMIUM_PATH or /usr/bin/chromium.
"""
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Playwright

from tests.servers import ROOT, action_server, rasa_server

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Both channels: REST for the conversation, widget for the page and the script.
CREDENTIALS = "connectors.rest.SourcedRestInput: {}\nconnectors.widget.WidgetInput: {}\n"


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless system Chromium, or a skip saying how to get it."""
    if not CHROMIUM.exists():
        pytest.skip(f"No Chromium at {CHROMIUM}: install Debian's chromium package "
                    "or set CHROMIUM_PATH (the browser tests never download a browser)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextmanager
def widget_servers(log_dir: Path, work_dir: Path) -> Iterator[str]:
    """Real action and Rasa servers on loopback serving the widget; yields Rasa's base URL."""
    log_dir.mkdir(parents=True, exist_ok=True)
    credentials = work_dir / "credentials.yml"
    credentials.write_text(CREDENTIALS)
    bookings = {"BOOKINGS_DATABASE_URL": f"sqlite:///{work_dir / 'bookings.db'}"}
    with action_server(log_dir, env=bookings) as action_url:
        # rasa_server passes the repository's credentials.yml first; argparse keeps the last one.
        with rasa_server(log_dir, action_url, extra_args=["--credentials", str(credentials)]) as url:
            yield url
