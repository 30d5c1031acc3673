"""Writes the credentials file Rasa starts with: credentials.yml (REST and the
widget) plus every messaging channel whose secrets are set in the environment.

    python -m deploy.credentials var/credentials.yml

A channel with only some of its variables set stops the start with a message
naming what is missing. The written file holds `${VAR}` references, not secrets.
"""
import os
import sys
from pathlib import Path

import yaml

from common.paths import ROOT, VAR
from common import yaml_files
from connectors.settings import enabled_channels, start_up_notes



def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else VAR / "credentials.yml"
    base = yaml_files.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    try:
        channels = enabled_channels(os.environ)
    except ValueError as problem:
        print(f"error: {problem}. Set all of its variables or none (see credentials.channels.yml).",
              file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump({**base, **channels}, sort_keys=False), encoding="utf-8")
    names = ", ".join(path.rsplit(".", 1)[-1] for path in channels) or "none"
    print(f"Messaging channels enabled: {names}")
    for note in start_up_notes(os.environ):
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
