"""Checks requirements.lock for known vulnerabilities with pip-audit.

    python -m deploy.audit requirements.lock     (make audit runs it in .venv-audit)

Fails (exit 1) on any known vulnerability that has no recorded decision in
deploy/audit-decisions.yml. pip-audit asks PyPI's vulnerability service for each
pinned version; a package it could not check is reported as not audited, never as
safe. With AUDIT_STRICT=1 a package that could not be checked fails the audit too
(use it where the service is reachable; this project's build machines cannot
reach it, see the README's "Support and supply chain").
"""
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

DECISIONS_FILE = Path(__file__).resolve().parent / "audit-decisions.yml"


def decided_ids() -> Dict[str, str]:
    """Vulnerability id -> the decision recorded for it (a tiny YAML subset: "ID: text")."""
    decisions = {}
    for line in DECISIONS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            key, _, value = line.partition(":")
            decisions[key.strip()] = value.strip()
    return decisions


def run_pip_audit(lock_file: str) -> dict:
    pip_audit = Path(sys.executable).parent / "pip-audit"
    result = subprocess.run(
        [str(pip_audit), "-r", lock_file, "--no-deps", "--disable-pip", "--format", "json",
         "--progress-spinner", "off"],
        capture_output=True, text=True, timeout=900)
    try:
        return json.loads(result.stdout)
    except ValueError:
        print(result.stderr[-3000:], file=sys.stderr)
        raise SystemExit("pip-audit gave no report")


def main(argv: List[str]) -> int:
    report = run_pip_audit(argv[0] if argv else "requirements.lock")
    decisions = decided_ids()
    packages = report["dependencies"]
    unaudited = [p["name"] for p in packages if p.get("skip_reason")]
    undecided = []
    for package in packages:
        for vulnerability in package.get("vulns", []):
            ids = [vulnerability["id"], *vulnerability.get("aliases", [])]
            decision = next((decisions[i] for i in ids if i in decisions), None)
            line = f"{package['name']} {package['version']}: {vulnerability['id']}"
            if decision:
                print(f"known, decided: {line} ({decision})")
            else:
                undecided.append(line)
                print(f"VULNERABLE, no decision: {line}; fixed in {vulnerability.get('fix_versions')}")
    print(f"{len(packages) - len(unaudited)} of {len(packages)} pinned packages audited; "
          f"{len(undecided)} vulnerabilities without a decision.")
    if unaudited:
        print(f"NOT AUDITED: {len(unaudited)} packages: the vulnerability service could not be "
              f"reached or does not know them (e.g. {', '.join(unaudited[:5])}).")
    if undecided:
        return 1
    if unaudited and os.environ.get("AUDIT_STRICT") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
