"""Before and after one change, measured fairly on a shared machine.

    .venv/bin/python -m bench.compare --before /tmp/before-checkout [--after .] \\
        [--rounds 3] [--requests 400] [--concurrency 10] [--scripts text|intent|taps]

Starts both checkouts of the project exactly as `make run` does (each with its
own action server and fresh SQLite databases; same model), both at once, then
sends the same load to one and then the other, round after round. Alternating
in short rounds means both see the same background load from other jobs; the
ratio per round, and its median, is the result (printed, and written as JSON
with --json). The Rasa server's CPU time per message is the steadiest of the
measures on a busy machine: it counts only what the server itself did. A checkout is a directory with the project's files, for example
`git worktree add` or `git archive <commit> | tar -x -C DIR`, with `.venv` and
`build` linked to this checkout's.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench import servers
from bench.load import INTENT_SCRIPTS, TAP_SCRIPTS, TEXT_SCRIPTS, run_load
from common.paths import ROOT


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--scripts", choices=("text", "intent", "taps"), default="text")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    scripts = {"text": TEXT_SCRIPTS, "intent": INTENT_SCRIPTS, "taps": TAP_SCRIPTS}[args.scripts]
    work = Path(tempfile.mkdtemp(prefix="rasa-compare-"))
    rounds: List[Dict[str, Any]] = []
    try:
        with ExitStack() as stack:
            running = {name: stack.enter_context(servers.assistant(
                args.model.resolve(), work, name, root=root.resolve()))
                for name, root in (("before", args.before), ("after", args.after))}
            for name, server in running.items():
                run_load([server.url], scripts, 5, 60, f"{name}-warm")
            for number in range(1, args.rounds + 1):
                result: Dict[str, Any] = {"loadavg": os.getloadavg()[0]}
                for name, server in running.items():
                    result[name] = run_load([server.url], scripts, args.concurrency,
                                            args.requests, f"{name}-r{number}",
                                            cpu_seconds=server.cpu_seconds)
                before, after = result["before"], result["after"]
                for key in ("throughput_rps", "p50_ms", "server_cpu_ms_per_message"):
                    result[f"{key}_ratio"] = after[key] / before[key]
                rounds.append(result)
                print(f"round {number} (load {result['loadavg']:.1f}): " + "; ".join(
                    f"{name} {stats['throughput_rps']:.1f} msg/s, p50 {stats['p50_ms']:.0f} ms, "
                    f"server CPU {stats['server_cpu_ms_per_message']:.1f} ms/msg"
                    for name, stats in (("before", before), ("after", after))), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary: Dict[str, Any] = {
        f"{key}_median": {name: statistics.median(r[name][key] for r in rounds)
                          for name in ("before", "after")}
        for key in ("throughput_rps", "p50_ms", "server_cpu_ms_per_message")}
    summary.update({f"{key}_ratio_median": statistics.median(r[f"{key}_ratio"] for r in rounds)
                    for key in ("throughput_rps", "p50_ms", "server_cpu_ms_per_message")})
    summary.update({"rounds": rounds, "concurrency": args.concurrency,
                    "requests": args.requests, "scripts": args.scripts})
    print("medians: " + "; ".join(
        f"{key} before {summary[key + '_median']['before']:.1f}, after "
        f"{summary[key + '_median']['after']:.1f} (after/before {summary[key + '_ratio_median']:.2f})"
        for key in ("throughput_rps", "p50_ms", "server_cpu_ms_per_message")))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
