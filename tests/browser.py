"""Debian's Chromium for the browser tests, driven by Playwright.

Playwright's own browser downloads are not used: Chromium comes from the system
package (apt install chromium; `make test` installs it), found at CHROMIUM_PATH
or /usr/bin/chromium.
"""
import os
from pathlib import Path

from playwright.sync_api import Browser, Playwright

from tests.infrastructure import unavailable

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless system Chromium (a skip, or a failure under CI, if it is missing)."""
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM}: install Debian's chromium package "
                    "or set CHROMIUM_PATH (the browser tests never download a browser)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
