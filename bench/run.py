"""Benchmark: the project's config.yml against Rasa's default config, on this project's
domain and data. Trains both (timed), tests NLU on the held-out file, serves each
and measures start-up, memory, latency and throughput.

How each is served (SERVINGS):
  project   exactly as `make run` serves it: deploy/run-assistant (its action server,
            deploy/rasa_server.py, SQLite conversations, in-process locks)
  default   as a user trying Rasa would: plain `rasa run`, the stock REST channel,
            Rasa's own default stores (in-memory tracker store, in-process locks),
            and `rasa run actions` for the shared domain's custom actions
  default_project_stores
            Rasa's default config served like the project (deploy/run-assistant):
            the difference the configs alone make, on the project's stores

    .venv/bin/python -m bench.run --out results/bench [--quick] [--keep-work]

Writes OUT/bench.json (raw numbers) and OUT/bench.png and prints a table.
Models are trained into a temporary directory, never into models/.
"""
import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional

from bench import report, servers
from bench.load import INTENT_SCRIPTS, TEXT_SCRIPTS, run_load
from common.paths import ROOT
from common import yaml_files

PROJECT_CONFIG = ROOT / "config.yml"
DEFAULT_CONFIG = Path(__file__).resolve().parent / "default_config.yml"
PIPELINE = ROOT / "build" / "spacy_pipeline" / "meta.json"

# Requests per concurrency level (fixed, so the run takes a bounded time), warm-up
# requests, and a time cap per level in case a config is far slower than expected.
FULL = {"levels": {1: 120, 10: 400, 50: 600}, "warmup": 40, "scaling": 400, "cap": 420,
        "workers_rounds": 3}
QUICK = {"levels": {1: 15, 10: 60, 50: 100}, "warmup": 10, "scaling": 60, "cap": 180,
         "workers_rounds": 2}
SERVINGS = {
    "project": "config.yml as `make run` serves it: deploy/run-assistant (deploy/rasa_server.py, "
               "SQLite conversations, in-process locks, the project's channels)",
    "default": "Rasa's default config as a user trying Rasa would serve it: plain `rasa run`, "
               "the stock REST channel, Rasa's own in-memory tracker store and in-process locks",
    "default_project_stores": "Rasa's default config served like the project "
                              "(deploy/run-assistant: SQLite conversations, in-process locks)",
}
QUICK_DEFAULT_EPOCHS = 10


class Progress:
    """Line-based progress (works without a TTY, e.g. in CI): each stage prints a
    start and an end line with timings; long stages print a heartbeat."""

    def __init__(self, heartbeat: float = 30.0) -> None:
        self.started = time.monotonic()
        self.heartbeat = heartbeat

    def _line(self, text: str) -> None:
        total = time.monotonic() - self.started
        print(f"[bench {dt.datetime.utcnow():%H:%M:%S} +{total / 60:5.1f} min] {text}",
              flush=True)

    def note(self, text: str) -> None:
        self._line(text)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._line(f"{name} ...")
        started = time.monotonic()
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.heartbeat):
                self._line(f"  {name}: still running ({time.monotonic() - started:.0f} s)")

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
        self._line(f"{name}: done in {time.monotonic() - started:.1f} s")


def machine_info() -> Dict[str, Any]:
    def version(package: str) -> Optional[str]:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    cpu_model = next((line.split(":", 1)[1].strip()
                      for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), None)
    mem_total = next((int(line.split()[1]) // 1024
                      for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:")), None)
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "mem_total_mib": mem_total,
        "loadavg_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "rasa": version("rasa"),
        "rasa_sdk": version("rasa-sdk"),
        "spacy": version("spacy"),
        "tensorflow": version("tensorflow"),
        "note": "shared machine: other jobs used the same CPUs during the run, so "
                "timings are noisy",
    }


def write_default_with_epochs(path: Path, epochs: int) -> None:
    """The pipeline and policies Rasa auto-fills for the default config, written out
    with fewer epochs (a shortened run; same components, so same serving cost)."""
    import importlib.util
    import yaml

    rasa_dir = Path(importlib.util.find_spec("rasa").submodule_search_locations[0])
    filled = yaml_files.safe_load((rasa_dir / "engine" / "recipes" / "config_files"
                             / "default_config.yml").read_text())
    for component in filled["pipeline"] + filled["policies"]:
        if "epochs" in component:
            component["epochs"] = epochs
    filled["assistant_id"] = "bench-default"
    path.write_text(f"# Rasa's auto-filled default config with epochs={epochs} (bench --quick)\n"
                    + yaml.safe_dump(filled, sort_keys=False))


def mib(kib: int) -> float:
    return kib / 1024


def measure_servings(starters: Dict[str, Callable[[], ContextManager[servers.RasaServer]]],
                     plan: Dict[str, Any], progress: Progress) -> Dict[str, Dict[str, Any]]:
    """Start-up, memory, and latency/throughput per concurrency level for each served
    model. The servers are started one after the other (start-up is timed alone) and
    then kept running side by side, idle but for their turn, so that each level is
    measured on every server within a few minutes, under much the same background
    load. The /intent floor is measured on the project's server."""
    results: Dict[str, Dict[str, Any]] = {}
    with ExitStack() as stack:
        started: Dict[str, servers.RasaServer] = {}
        for name, start in starters.items():
            with progress.stage(f"{name}: start server until the first answer"):
                server = started[name] = stack.enter_context(start())
            progress.note(f"  {name}: first answer after {server.startup_seconds:.1f} s")
            with progress.stage(f"{name}: warm-up ({plan['warmup']} requests)"):
                run_load([server.url], TEXT_SCRIPTS, 5, plan["warmup"], f"{name}-warm",
                         plan["cap"])
                if name == "project":
                    run_load([server.url], INTENT_SCRIPTS, 5, plan["warmup"] // 2,
                             f"{name}-warmfloor", plan["cap"])
            results[name] = {"served": SERVINGS[name], "startup_seconds": server.startup_seconds,
                             "rss_mib_after_warmup": mib(server.rss_kib()), "load": {}}
        results["project"]["floor"] = {}
        for level, count in plan["levels"].items():
            for name, server in started.items():
                with progress.stage(f"{name}: text messages, concurrency {level}, "
                                    f"{count} requests"):
                    stats = run_load([server.url], TEXT_SCRIPTS, level, count, name, plan["cap"],
                                     cpu_seconds=server.cpu_seconds)
                stats["loadavg"] = os.getloadavg()[0]
                results[name]["load"][str(level)] = stats
                progress.note(_load_line(stats))
            with progress.stage(f"project: /intent floor, concurrency {level}, {count} requests"):
                stats = run_load([started["project"].url], INTENT_SCRIPTS, level, count,
                                 "project-floor", plan["cap"])
            results["project"]["floor"][str(level)] = stats
            progress.note(_load_line(stats))
        for name, server in started.items():
            results[name]["rss_mib_after_load"] = mib(server.rss_kib())
    return results


def _load_line(stats: Dict[str, Any]) -> str:
    def ms(v):
        return "-" if v is None else f"{v:.0f} ms"
    text = (f"  -> {stats['throughput_rps']:.2f} msg/s, p50 {ms(stats['p50_ms'])}, "
            f"p95 {ms(stats['p95_ms'])}, {stats['requests']} ok, {stats['errors']} errors, "
            f"{stats['empty_answers']} empty")
    return text + (" (stopped by the time cap)" if stats["stopped_by_time_cap"] else "")


def measure_scaling(model: Path, work: Path, action_url: str, lock_url: Optional[str],
                    plan: Dict[str, Any], progress: Progress) -> Dict[str, Any]:
    """Throughput at concurrency 10: one Rasa process vs two replicas, requests split
    by sender, both against the same shared tracker store and Redis lock store."""
    if lock_url is None:
        return {"skipped": "redis-server is not installed (apt-get install redis-server); "
                           "two processes need a shared Redis lock store"}
    with ExitStack() as stack:
        try:
            from local_services.postgres import find_postgres_bin, running_postgres
            if find_postgres_bin() is None:
                raise RuntimeError("PostgreSQL not installed")
            with progress.stage("scaling: start a throwaway PostgreSQL tracker store"):
                tracker = stack.enter_context(running_postgres())
            setup = "2 replicas, shared PostgreSQL tracker store + Redis lock store"
        except Exception as problem:  # fall back to a shared SQLite file
            progress.note(f"  PostgreSQL unavailable ({problem}); using a shared SQLite file")
            tracker = servers.sqlite_url(work / "conversations-scaling.db")
            setup = "2 replicas, shared SQLite tracker store + Redis lock store"
        out: Dict[str, Any] = {"setup": setup}
        count = plan["scaling"]
        shared = {"TRACKER_STORE_URL": tracker, "LOCK_STORE_URL": lock_url}
        for replicas in (1, 2):
            key = "one_process" if replicas == 1 else "two_processes"
            with ExitStack() as running:
                with progress.stage(f"scaling: start {replicas} Rasa process(es)"):
                    started = [running.enter_context(servers.project_server(
                        model, work, f"scale{replicas}-{i}", action_url, shared))
                        for i in range(replicas)]
                urls = [s.url for s in started]
                run_load(urls, TEXT_SCRIPTS, 10, plan["warmup"], f"scale{replicas}-warm",
                         plan["cap"])
                with progress.stage(f"scaling: {replicas} process(es), concurrency 10, "
                                    f"{count} requests"):
                    stats = run_load(urls, TEXT_SCRIPTS, 10, count, f"scale{replicas}",
                                     plan["cap"])
                stats["rss_mib"] = sum(mib(s.rss_kib()) for s in started)
                out[key] = stats
                progress.note(_load_line(stats))
        out["two_over_one"] = report.ratio(out["two_processes"]["throughput_rps"],
                                           out["one_process"]["throughput_rps"])
        return out


def measure_workers(model: Path, work: Path, lock_url: Optional[str], plan: Dict[str, Any],
                    progress: Progress) -> Dict[str, Any]:
    """Both cores of one machine: `make run` with SANIC_WORKERS=2 and a local Redis lock
    store against `make run` as it is (one worker), started side by side and loaded
    in alternating rounds, so that both see the same background load."""
    if lock_url is None:
        return {"skipped": "redis-server is not installed; two workers need a Redis lock store"}
    setups = {"one_worker": {},
              "two_workers": {"SANIC_WORKERS": "2", "LOCK_STORE_URL": lock_url}}
    out: Dict[str, Any] = {"setup": "make run (SQLite conversations) with 1 worker and "
                                    "in-process locks, against 2 workers and a local Redis "
                                    "lock store", "levels": {}}
    with ExitStack() as stack:
        started = {}
        for key, env in setups.items():
            with progress.stage(f"both cores: start make run, {key.replace('_', ' ')}"):
                started[key] = stack.enter_context(servers.assistant(model, work, key, env))
            run_load([started[key].url], TEXT_SCRIPTS, 10, plan["warmup"], f"{key}-warm",
                     plan["cap"])
        for key, server in started.items():
            out[f"rss_mib_{key}"] = mib(server.rss_kib())
        for level in (10, 50):
            count = plan["levels"][level]
            rounds: Dict[str, List[Dict[str, Any]]] = {key: [] for key in setups}
            for number in range(plan["workers_rounds"]):
                for key, server in started.items():
                    with progress.stage(f"both cores: {key}, concurrency {level}, round "
                                        f"{number + 1}"):
                        stats = run_load([server.url], TEXT_SCRIPTS, level, count,
                                         f"{key}-c{level}-r{number}", plan["cap"],
                                         cpu_seconds=server.cpu_seconds)
                    stats["loadavg"] = os.getloadavg()[0]
                    rounds[key].append(stats)
                    progress.note(_load_line(stats))
            summary = {key: {"throughput_rps": statistics.median(r["throughput_rps"] for r in runs),
                             "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                             "rounds": runs} for key, runs in rounds.items()}
            summary["two_over_one"] = report.ratio(summary["two_workers"]["throughput_rps"],
                                                   summary["one_worker"]["throughput_rps"])
            out["levels"][str(level)] = summary
    return out


def save(results: Dict[str, Any], out_dir: Path) -> None:
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2))


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    parser.add_argument("--quick", action="store_true",
                        help="few requests per level, for a smoke run (training is unchanged)")
    parser.add_argument("--default-epochs", type=int,
                        help="train the default config with this many epochs instead of "
                             "Rasa's 100 (--quick: 10). Latency and memory stay representative "
                             "(same components); training time and F1 are then not the "
                             "default config's")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the temporary directory (models, logs)")
    for name in ("project", "default"):
        parser.add_argument(f"--{name}-model", type=Path,
                            help=f"use this already-trained {name}-config model instead of "
                                 "training one (give its training time too)")
        parser.add_argument(f"--{name}-train-seconds", type=float,
                            help=f"wall-clock of the separate `rasa train` of --{name}-model")
    args = parser.parse_args(argv)
    pretrained = {}
    for name in ("project", "default"):
        model, seconds = getattr(args, f"{name}_model"), getattr(args, f"{name}_train_seconds")
        if bool(model) != (seconds is not None):
            parser.error(f"--{name}-model and --{name}-train-seconds go together")
        if model:
            pretrained[name] = (model.resolve(), seconds)
    plan = QUICK if args.quick else FULL
    if args.quick and args.default_epochs is None:
        args.default_epochs = QUICK_DEFAULT_EPOCHS

    if not PIPELINE.exists():
        print("error: build/spacy_pipeline is missing; run `make pipeline` first", file=sys.stderr)
        return 2
    # SIGTERM (e.g. CI cancelling) unwinds like Ctrl-C, so every server gets stopped.
    signal.signal(signal.SIGTERM, _interrupt)

    out_dir = args.out if args.out.is_absolute() else Path.cwd() / args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="rasa-bench-"))
    progress = Progress()
    progress.note(f"work directory {work}; output {out_dir}; "
                  f"{'quick' if args.quick else 'full'} run")
    results: Dict[str, Any] = {"machine": machine_info(), "plan": {
        "levels": {str(k): v for k, v in plan["levels"].items()},
        "warmup_requests": plan["warmup"], "scaling_requests": plan["scaling"],
        "time_cap_seconds_per_level": plan["cap"], "quick": args.quick,
        "text_scripts": TEXT_SCRIPTS, "intent_scripts": INTENT_SCRIPTS,
        "response_timeout_seconds": servers.BENCH_RESPONSE_TIMEOUT,
    }, "configs": {}}
    # Rasa rewrites a config with auto-filled keys (the default one) in place, so it
    # trains from a copy; the project config is used where it is (relative paths).
    default_copy = work / "default" / "config.yml"
    default_copy.parent.mkdir()
    if args.default_epochs:
        write_default_with_epochs(default_copy, args.default_epochs)
        progress.note(f"default config with epochs={args.default_epochs} instead of 100: its "
                      "training time and F1 are NOT the default config's")
    else:
        shutil.copyfile(DEFAULT_CONFIG, default_copy)
    results["plan"]["default_epochs"] = args.default_epochs or "rasa default (100)"
    configs = {"project": PROJECT_CONFIG, "default": default_copy}
    wall = time.monotonic()
    try:
        with ExitStack() as stack:
            with progress.stage("start Redis (lock store)"):
                lock_url = stack.enter_context(servers.redis_server())
            if lock_url is None:
                progress.note("  redis-server not found: in-process locks, no scaling run")
            with progress.stage("start the action server (for the default and the replicas)"):
                action_url = stack.enter_context(servers.action_server(work))
            models: Dict[str, Path] = {}
            for name, config in configs.items():
                entry: Dict[str, Any] = {"config": (
                    "config.yml" if name == "project" else
                    f"Rasa's auto-filled default, epochs={args.default_epochs}"
                    if args.default_epochs else "bench/default_config.yml")}
                if name in pretrained:
                    # Trained separately with the same config, e.g. because 100-epoch
                    # DIET+TED training takes over an hour on 2 shared cores.
                    models[name], entry["train_seconds"] = pretrained[name]
                    entry["trained_separately"] = str(models[name])
                    progress.note(f"{name}: using {models[name]}, trained separately in "
                                  f"{entry['train_seconds']:.0f} s")
                else:
                    with progress.stage(f"{name}: rasa train"):
                        entry["train_seconds"] = servers.train(
                            config, work / "models", name, work / f"train-{name}.log")
                    models[name] = work / "models" / f"{name}.tar.gz"
                entry["model_mib"] = mib(models[name].stat().st_size // 1024)
                progress.note(f"  {name}: trained in {entry['train_seconds']:.1f} s")
                with progress.stage(f"{name}: rasa test nlu on tests/nlu_holdout.yml"):
                    entry["nlu"] = servers.test_nlu(models[name], work / f"nlu-{name}",
                                                    work / f"test-nlu-{name}.log")
                progress.note(f"  {name}: accuracy {entry['nlu']['accuracy']:.3f}, "
                              f"macro-F1 {entry['nlu']['macro_f1']:.3f}")
                results["configs"][name] = entry
                save(results, out_dir)  # partial results survive a later failure
            starters = {
                "project": lambda: servers.assistant(models["project"], work, "project"),
                "default": lambda: servers.stock_rasa_server(models["default"], work, "default",
                                                             action_url),
                "default_project_stores": lambda: servers.assistant(
                    models["default"], work, "default-project-stores"),
            }
            measured = measure_servings(starters, plan, progress)
            results["floor"] = measured["project"].pop("floor")
            for name, entry in measured.items():
                results["configs"].setdefault(name, {}).update(entry)
            save(results, out_dir)
            try:
                results["workers"] = measure_workers(models["project"], work, lock_url, plan,
                                                     progress)
            except Exception as problem:  # keep everything measured so far
                progress.note(f"both-cores run failed: {problem}")
                results["workers"] = {"skipped": f"failed: {str(problem)[:500]}"}
            save(results, out_dir)
            try:
                results["scaling"] = measure_scaling(models["project"], work, action_url,
                                                     lock_url, plan, progress)
            except Exception as problem:  # keep everything measured so far
                progress.note(f"scaling run failed: {problem}")
                results["scaling"] = {"skipped": f"failed: {str(problem)[:500]}"}
        results["machine"]["loadavg_at_end"] = os.getloadavg()
        results["wall_clock_seconds"] = time.monotonic() - wall
        save(results, out_dir)
        report.chart(results, out_dir / "bench.png")
        print()
        print(report.table(results))
        print(f"\nWall clock {results['wall_clock_seconds'] / 60:.1f} min. Written: "
              f"{out_dir / 'bench.json'}, {out_dir / 'bench.png'}")
        return 0
    except KeyboardInterrupt:
        progress.note("interrupted; servers stopped")
        return 130
    finally:
        # Logs and NLU reports are worth keeping next to the results; models are not.
        logs = out_dir / "logs"
        shutil.rmtree(logs, ignore_errors=True)
        logs.mkdir(parents=True, exist_ok=True)
        for item in work.iterdir():
            if item.suffix == ".log" or item.name.startswith("nlu-"):
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, logs / item.name)
        if args.keep_work:
            progress.note(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
