"""The comparison table (terminal) and chart (PNG) from the benchmark's raw numbers."""
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

LEVELS_KEY = "load"


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def _fmt(value: Optional[float], digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _verdict(ok: Optional[bool]) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


# The targets of the comparison with Rasa's default as a user would run it
# (issue 16): ratio project / default, and whether lower or higher is better.
TARGETS = {
    "training time (s)": ("<=", 0.21),
    "RSS after warm-up (MiB)": ("<=", 0.47),
    "throughput c=10 (msg/s)": (">=", 3.0),
    "p50 latency c=1 (ms)": ("<=", 0.4),
    "p50 latency c=10 (ms)": ("<=", 0.4),
}


def _target(metric: str, value: Optional[float]) -> Tuple[str, Optional[bool]]:
    if metric not in TARGETS:
        return "", None
    sense, bound = TARGETS[metric]
    text = f"{sense} {bound:g}x default"
    if value is None:
        return text, None
    return text, value <= bound if sense == "<=" else value >= bound


def rows(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One row per metric: project, default (Rasa's own stores) and their ratio with
    the target; the default on the project's stores and the /intent floor, for context."""
    configs = results["configs"]
    project, default = configs["project"], configs["default"]
    on_project_stores = configs.get("default_project_stores", {})
    floor = results.get("floor", {})
    out: List[Dict[str, Any]] = []

    def add(metric, p, d, ps=None, fl=None, digits=2, ok=None):
        r = ratio(p, d)
        target, verdict = _target(metric, r)
        if ok is not None:
            verdict = ok
        out.append({"metric": metric, "project": p, "default": d, "ratio": r,
                    "target": target, "verdict": _verdict(verdict),
                    "default_project_stores": ps, "ratio_project_stores": ratio(p, ps),
                    "floor": fl, "vs_floor": ratio(p, fl), "digits": digits})

    # A shortened default (fewer epochs) is not the default's training time or F1.
    shortened = isinstance(results.get("plan", {}).get("default_epochs"), int)
    add("training time (s)", project["train_seconds"], default["train_seconds"], digits=1)
    add("holdout intent accuracy", project["nlu"]["accuracy"], default["nlu"]["accuracy"], digits=3)
    p_f1, d_f1 = project["nlu"]["macro_f1"], default["nlu"]["macro_f1"]
    add("holdout intent macro-F1", p_f1, d_f1, digits=3, ok=p_f1 >= d_f1)
    out[-1]["target"] = ">= default"
    if shortened:
        for row in out[-3:]:
            if row["verdict"]:
                row["verdict"] += "*"

    def served(config: Dict[str, Any], key: str) -> Optional[float]:
        return config.get(key)

    add("start to first answer (s)", project["startup_seconds"], default["startup_seconds"],
        served(on_project_stores, "startup_seconds"), digits=1)
    add("RSS after warm-up (MiB)", project["rss_mib_after_warmup"], default["rss_mib_after_warmup"],
        served(on_project_stores, "rss_mib_after_warmup"), digits=0)
    add("RSS after load (MiB)", project["rss_mib_after_load"], default["rss_mib_after_load"],
        served(on_project_stores, "rss_mib_after_load"), digits=0)

    for level in sorted(project[LEVELS_KEY], key=int):
        p, d = project[LEVELS_KEY][level], default[LEVELS_KEY].get(level, {})
        ps = on_project_stores.get(LEVELS_KEY, {}).get(level, {})
        f = floor.get(level, {})
        add(f"throughput c={level} (msg/s)", p["throughput_rps"], d.get("throughput_rps"),
            ps.get("throughput_rps"), f.get("throughput_rps"))
        add(f"p50 latency c={level} (ms)", p["p50_ms"], d.get("p50_ms"), ps.get("p50_ms"),
            f.get("p50_ms"), digits=0)
        add(f"p95 latency c={level} (ms)", p["p95_ms"], d.get("p95_ms"), ps.get("p95_ms"),
            f.get("p95_ms"), digits=0)
        cpu = "server_cpu_ms_per_message"
        if p.get(cpu) is not None:
            add(f"server CPU per message c={level} (ms)", p.get(cpu), d.get(cpu), ps.get(cpu),
                digits=1)
    return out


def table(results: Dict[str, Any]) -> str:
    header = ["metric", "project", "default", "proj/def", "target", "result",
              "default, project's stores", "proj/that", "/intent floor", "proj/floor"]
    lines = []
    for row in rows(results):
        d = row["digits"]
        lines.append([row["metric"], _fmt(row["project"], d), _fmt(row["default"], d),
                      _fmt(row["ratio"], 2), row["target"], row["verdict"],
                      _fmt(row["default_project_stores"], d), _fmt(row["ratio_project_stores"], 2),
                      _fmt(row["floor"], d), _fmt(row["vs_floor"], 2)])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]
    left = {0, 4, 5}

    def fmt_line(cells):
        return "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    text = [fmt_line(header), fmt_line(["-" * w for w in widths])]
    text += [fmt_line(cells) for cells in lines]
    served = results["configs"]
    text.append("project: " + served["project"].get("served", "config.yml"))
    text.append("default: " + served["default"].get("served", "Rasa's default config"))
    if "default_project_stores" in served:
        text.append("default, project's stores: " + served["default_project_stores"]["served"])
    text += _workers_lines(results.get("workers") or {})
    scaling = results.get("scaling") or {}
    if scaling.get("skipped"):
        text.append(f"replicas: skipped - {scaling['skipped']}")
    elif scaling.get("one_process"):
        text.append(f"replicas ({scaling['setup']}), concurrency 10: 1 process "
                    f"{scaling['one_process']['throughput_rps']:.1f} msg/s, 2 processes "
                    f"{scaling['two_processes']['throughput_rps']:.1f} msg/s "
                    f"({scaling['two_over_one']:.2f}x)")
    epochs = results.get("plan", {}).get("default_epochs")
    if isinstance(epochs, int):
        text.append(f"* the default config was trained with epochs={epochs} instead of 100 "
                    "(shortened run): its training time and F1 are not the default's.")
    machine = results.get("machine", {})
    if machine.get("loadavg_at_start"):
        text.append("load average (1 min) at start {:.1f}, at end {}".format(
            machine["loadavg_at_start"][0],
            f"{machine['loadavg_at_end'][0]:.1f}" if machine.get("loadavg_at_end") else "-"))
    text.append("Ratios are project / default. No verdict = informational.")
    return "\n".join(text)


def _workers_lines(workers: Dict[str, Any]) -> List[str]:
    if workers.get("skipped"):
        return [f"both cores: skipped - {workers['skipped']}"]
    lines = []
    for level, summary in sorted(workers.get("levels", {}).items(), key=lambda kv: int(kv[0])):
        one, two = summary["one_worker"], summary["two_workers"]
        lines.append(f"both cores, concurrency {level} (median of {len(one['rounds'])} alternating "
                     f"rounds): 1 worker {one['throughput_rps']:.1f} msg/s p50 "
                     f"{one['p50_ms']:.0f} ms; SANIC_WORKERS=2 + Redis locks "
                     f"{two['throughput_rps']:.1f} msg/s p50 {two['p50_ms']:.0f} ms "
                     f"({summary['two_over_one']:.2f}x)")
    if workers.get("rss_mib_two_workers"):
        lines.append(f"both cores, memory: {workers['rss_mib_one_worker']:.0f} MiB with 1 worker, "
                     f"{workers['rss_mib_two_workers']:.0f} MiB with 2")
    return lines


def chart(results: Dict[str, Any], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no display; also works in CI
    import matplotlib.pyplot as plt

    project, default = results["configs"]["project"], results["configs"]["default"]
    on_project_stores = results["configs"].get("default_project_stores", {}).get(LEVELS_KEY, {})
    floor = results.get("floor", {})
    levels = sorted(project[LEVELS_KEY], key=int)
    xs = [int(level) for level in levels]
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    colours = {"project": "tab:blue", "default": "tab:orange", "floor": "tab:gray",
               "default, project's stores": "tab:red"}

    ax = axes[0][0]
    for name, data in (("project", project[LEVELS_KEY]), ("default", default[LEVELS_KEY]),
                       ("default, project's stores", on_project_stores),
                       ("/intent floor", floor)):
        pts = [(int(l), data[l]["throughput_rps"]) for l in levels if l in data]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=name,
                    color=colours.get(name, colours["floor"]))
    scaling = results.get("scaling") or {}
    if scaling.get("one_process"):
        ax.scatter([10, 10], [scaling["one_process"]["throughput_rps"],
                              scaling["two_processes"]["throughput_rps"]],
                   marker="^", color=["tab:cyan", "tab:green"], zorder=3)
        ax.annotate("1 / 2 replicas (PostgreSQL + Redis)",
                    (10, scaling["two_processes"]["throughput_rps"]),
                    textcoords="offset points", xytext=(8, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([str(x) for x in xs])
    ax.set_xlabel("concurrent users")
    ax.set_ylabel("messages / s")
    ax.set_title("Throughput, POST /webhooks/rest/webhook")
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right")

    ax = axes[0][1]
    width = 0.1
    series = [("project", project[LEVELS_KEY]), ("default", default[LEVELS_KEY]),
              ("default, project's stores", on_project_stores), ("floor", floor)]
    for i, (name, data) in enumerate(series):
        for j, pct in enumerate(("p50_ms", "p95_ms")):
            vals = [(data.get(l) or {}).get(pct) or 0 for l in levels]
            pos = [k + (i * 2 + j - 3.5) * width for k in range(len(levels))]
            ax.bar(pos, vals, width, color=colours[name], alpha=1.0 if j == 0 else 0.5,
                   label=f"{name} {pct[:3]}")
    ax.set_xticks(range(len(levels)))
    ax.set_xticklabels([f"c={l}" for l in levels])
    ax.set_yscale("log")
    ax.set_ylabel("ms (log scale)")
    ax.set_title("Latency p50 (solid) / p95 (light)")
    ax.legend(fontsize=7, ncol=3)

    ax = axes[1][0]
    names = ["project", "default"]
    warm = [results["configs"][n]["rss_mib_after_warmup"] for n in names]
    loaded = [results["configs"][n]["rss_mib_after_load"] for n in names]
    ax.bar([0 - 0.2, 1 - 0.2], warm, 0.4, label="after warm-up",
           color=[colours[n] for n in names])
    ax.bar([0 + 0.2, 1 + 0.2], loaded, 0.4, label="after load",
           color=[colours[n] for n in names], alpha=0.5)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(names)
    ax.set_ylabel("MiB (RSS, incl. children)")
    ax.set_title("Rasa server memory")
    ax.legend()

    ax = axes[1][1]
    train = [results["configs"][n]["train_seconds"] for n in names]
    ax.bar([0, 1], train, 0.5, color=[colours[n] for n in names])
    ax.set_xticks([0, 1])
    epochs = results.get("plan", {}).get("default_epochs")
    ax.set_xticklabels(["project", f"default ({epochs} epochs, not 100)"
                        if isinstance(epochs, int) else "default"])
    ax.set_ylabel("training time (s)")
    ax.set_title("Training time and holdout macro-F1")
    f1_ax = ax.twinx()
    f1 = [results["configs"][n]["nlu"]["macro_f1"] for n in names]
    f1_ax.plot([0, 1], f1, "kD-", label="macro-F1")
    f1_ax.set_ylim(0, 1.05)
    f1_ax.set_ylabel("holdout intent macro-F1")
    for x, v in zip([0, 1], f1):
        f1_ax.annotate(f"{v:.3f}", (x, v), textcoords="offset points", xytext=(6, -12))
    f1_ax.legend(loc="upper left")

    machine = results.get("machine", {})
    fig.suptitle(f"config.yml vs Rasa default config - {machine.get('date', '')}, "
                 f"{machine.get('cpu_count', '?')} CPUs (shared), rasa {machine.get('rasa', '?')}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    """Re-renders the table and chart from a bench.json: python -m bench.report FILE"""
    import json
    import sys

    source = Path(sys.argv[1] if len(sys.argv) > 1 else "results/bench/bench.json")
    results = json.loads(source.read_text())
    chart(results, source.with_suffix(".png"))
    print(table(results))


if __name__ == "__main__":
    main()
