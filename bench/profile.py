"""`make profile`: where the Rasa server's time goes under the bench load.

    .venv/bin/python -m bench.profile --out docs/bench [--requests 1000] [--concurrency 10]

Starts the assistant exactly as `make run` does (deploy/run-assistant: the action
server, and the Rasa server through deploy/rasa_server.py with the project's
SQLite conversations and in-process locks) on free loopback ports, with its own
fresh databases; warms it up; then attaches py-spy to the Rasa server process
while the bench's simulated patients (bench/load.py, TEXT_SCRIPTS) talk to it.

Writes to OUT:
  profile.svg      the flame graph (open it in a browser; hover a box)
  profile.md       the tables: stages of a message, hot spots, own time per package
and to results/profile/profile.txt py-spy's raw samples (collapsed stacks, a few
MB, not committed), to redo the tables: `python -m bench.profile --from FILE`.
"""
import argparse
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench import flamegraph, servers
from bench.load import TEXT_SCRIPTS, run_load
from common.paths import ROOT

PY_SPY = str(Path(sys.executable).parent / "py-spy")
MODEL = ROOT / "models" / "assistant.tar.gz"
SAMPLE_RATE = 100  # py-spy's default: enough samples, little slowdown


def record(pid: int, out: Path, load: Any) -> Dict[str, Any]:
    """Runs `load()` while py-spy samples `pid` into `out` (raw); returns the load's stats."""
    spy = subprocess.Popen([PY_SPY, "record", "--pid", str(pid), "--rate", str(SAMPLE_RATE),
                            "--format", "raw", "--function", "--output", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        stats = load()
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
        output, _ = spy.communicate(timeout=120)
    if not out.exists():
        raise RuntimeError(f"py-spy wrote nothing:\n{output[-2000:]}")
    return stats


def tables(stacks, header: List[str]) -> str:
    """The Markdown page of profile.md."""
    total = sum(stacks.values())
    lines = ["# Profile of the Rasa server under the bench load", ""] + header + [
        "", f"{total:,} samples of the Rasa server's busy time ({SAMPLE_RATE} per second; "
        "idle time waiting for the network is not sampled). Shares are of those samples.",
        "", "## Stages of a message", "",
        "A stage's share includes everything it calls; indented stages are parts of the one "
        "above.", "", "| stage | share |", "| --- | ---: |"]
    for stage, share in flamegraph.stage_shares(stacks):
        if share > 0:
            lines.append(f"| {'&nbsp;' * 4 * stage.depth}{stage.label} | {100 * share:.1f}% |")
    lines += ["", "## Hot spots", "",
              "Functions where time is spent (with what they call), largest first; a function "
              "that hands almost all of its time to one callee is left out for that callee, "
              "and so are the event loop's and Sanic's dispatchers.", "",
              "| function | file | total | own |", "| --- | --- | ---: | ---: |"]
    for times, share in flamegraph.hot_spots(stacks):
        lines.append(f"| `{times.frame.function}` | {times.frame.file} | {100 * share:.1f}% | "
                     f"{100 * times.own / total:.1f}% |")
    lines += ["", "## Own time per package", "",
              "Where the innermost frame of each sample is (the code actually running).", "",
              "| package | own time |", "| --- | ---: |"]
    for package, share in flamegraph.own_time_by_package(stacks)[:12]:
        lines.append(f"| {package} | {100 * share:.1f}% |")
    return "\n".join(lines) + "\n"


def write_outputs(raw: Path, out_dir: Path, header: List[str], name: str = "profile") -> None:
    stacks = flamegraph.parse_samples(raw.read_text().splitlines())
    (out_dir / f"{name}.md").write_text(tables(stacks, header))
    title = "Rasa server under the bench load - " + header[0]
    (out_dir / f"{name}.svg").write_text(flamegraph.flame_graph_svg(stacks, title))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="profile another checkout of the project (e.g. before a change; "
                             "see bench/compare.py), with this checkout's model")
    parser.add_argument("--name", default="profile",
                        help="the output files' name: NAME.svg, NAME.md")
    parser.add_argument("--from", dest="from_raw", type=Path,
                        help="only redo profile.md and profile.svg from these raw samples")
    args = parser.parse_args(argv)
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.from_raw:
        write_outputs(args.from_raw, out_dir, ["(tables redone from saved samples)"], args.name)
        return 0
    if not args.model.exists():
        print(f"error: no model at {args.model}; run `make train`", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="rasa-profile-"))
    raw = ROOT / "results" / "profile" / f"{args.name}.txt"
    raw.parent.mkdir(parents=True, exist_ok=True)
    try:
        with servers.assistant(args.model.resolve(), work, "profile",
                               root=args.root.resolve()) as server:
            print(f"profile: assistant up after {server.startup_seconds:.0f} s; warming up",
                  flush=True)
            run_load([server.url], TEXT_SCRIPTS, 5, 60, "profile-warm")
            load_before = os.getloadavg()
            print(f"profile: {args.requests} requests at concurrency {args.concurrency}, "
                  f"py-spy on pid {server.pid}", flush=True)
            stats = record(server.pid, raw, lambda: run_load(
                [server.url], TEXT_SCRIPTS, args.concurrency, args.requests, "profile"))
        header = [
            f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, `make profile`: the "
            f"assistant as `make run` starts it, {stats['requests']} text messages from "
            f"{args.concurrency} simulated patients at once (bench/load.py).",
            "",
            f"Under py-spy: {stats['throughput_rps']:.1f} msg/s, p50 {stats['p50_ms']:.0f} ms, "
            f"{stats['errors']} errors (py-spy slows the server a little; `make bench` "
            "measures speed). Load average on this shared 2-core machine: "
            f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after.",
        ]
        if args.root.resolve() != ROOT:
            header.append(f"Checkout profiled: {args.root} (not this one).")
        write_outputs(raw, out_dir, header, args.name)
        print((out_dir / f"{args.name}.md").read_text())
        print(f"Written: {out_dir / f'{args.name}.svg'}, {out_dir / f'{args.name}.md'}, {raw}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
