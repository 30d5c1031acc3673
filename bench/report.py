"""The comparison table (terminal) and chart (PNG) from the benchmark's raw numbers."""
from pathlib import Path
from typing import Any, Dict, List, Optional

LEVELS_KEY = "load"


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def _fmt(value: Optional[float], digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _verdict(ok: Optional[bool]) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def rows(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One row per metric: project, default, ratio, /intent floor, target, verdict."""
    project, default = results["configs"]["project"], results["configs"]["default"]
    floor = results.get("floor", {})
    out: List[Dict[str, Any]] = []

    def add(metric, p, d, target=None, ok=None, fl=None, digits=2):
        out.append({"metric": metric, "project": p, "default": d, "ratio": ratio(p, d),
                    "floor": fl, "vs_floor": ratio(p, fl), "target": target or "",
                    "verdict": _verdict(ok), "digits": digits})

    # A shortened default (fewer epochs) is not the default's training time or F1.
    shortened = isinstance(results.get("plan", {}).get("default_epochs"), int)
    p_train, d_train = project["train_seconds"], default["train_seconds"]
    r = ratio(p_train, d_train)
    add("training time (s)", p_train, d_train, "<= 0.33x default",
        None if r is None else r <= 0.33, digits=1)
    add("holdout intent accuracy", project["nlu"]["accuracy"], default["nlu"]["accuracy"], digits=3)
    p_f1, d_f1 = project["nlu"]["macro_f1"], default["nlu"]["macro_f1"]
    add("holdout intent macro-F1", p_f1, d_f1, ">= default", p_f1 >= d_f1, digits=3)
    if shortened:
        for row in out[-3:]:
            if row["verdict"]:
                row["verdict"] += "*"
    add("start to first answer (s)", project["startup_seconds"], default["startup_seconds"], digits=1)
    p_rss, d_rss = project["rss_mib_after_warmup"], default["rss_mib_after_warmup"]
    r = ratio(p_rss, d_rss)
    add("RSS after warm-up (MiB)", p_rss, d_rss, "<= 0.6x default",
        None if r is None else r <= 0.6, digits=0)
    add("RSS after load (MiB)", project["rss_mib_after_load"], default["rss_mib_after_load"], digits=0)

    for level in sorted(project[LEVELS_KEY], key=int):
        p, d = project[LEVELS_KEY][level], default[LEVELS_KEY].get(level, {})
        f = floor.get(level, {})
        rt = ratio(p["throughput_rps"], d.get("throughput_rps"))
        is_c10 = int(level) == 10
        add(f"throughput c={level} (msg/s)", p["throughput_rps"], d.get("throughput_rps"),
            ">= 3x default" if is_c10 else None,
            (rt is not None and rt >= 3) if is_c10 else None, fl=f.get("throughput_rps"))
        r_default = ratio(p["p50_ms"], d.get("p50_ms"))
        r_floor = ratio(p["p50_ms"], f.get("p50_ms"))
        ok = None
        if r_default is not None and r_floor is not None:
            ok = r_default <= 0.5 and r_floor <= 1.5
        add(f"p50 latency c={level} (ms)", p["p50_ms"], d.get("p50_ms"),
            "<= 0.5x default, <= 1.5x floor", ok, fl=f.get("p50_ms"), digits=0)
        add(f"p95 latency c={level} (ms)", p["p95_ms"], d.get("p95_ms"),
            fl=f.get("p95_ms"), digits=0)

    scaling = results.get("scaling") or {}
    if scaling.get("one_process"):
        one = scaling["one_process"]["throughput_rps"]
        two = scaling["two_processes"]["throughput_rps"]
        out.append({"metric": "scaling c=10 (msg/s): 1 proc | 2 proc", "project": one,
                    "default": two, "ratio": ratio(two, one), "floor": None,
                    "vs_floor": None, "target": "(2 proc / 1 proc)", "verdict": "",
                    "digits": 2})
    return out


def table(results: Dict[str, Any]) -> str:
    header = ["metric", "project", "default", "proj/def", "/intent floor", "proj/floor",
              "target", "result"]
    lines = []
    for row in rows(results):
        d = row["digits"]
        lines.append([row["metric"], _fmt(row["project"], d), _fmt(row["default"], d),
                      _fmt(row["ratio"], 2), _fmt(row["floor"], d), _fmt(row["vs_floor"], 2),
                      row["target"], row["verdict"]])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]
    left = {0, 6, 7}

    def fmt_line(cells):
        return "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    text = [fmt_line(header), fmt_line(["-" * w for w in widths])]
    text += [fmt_line(cells) for cells in lines]
    scaling = results.get("scaling") or {}
    if scaling.get("skipped"):
        text.append(f"scaling: skipped - {scaling['skipped']}")
    elif scaling.get("one_process"):
        text.append(f"scaling: project config, concurrency 10, {scaling['setup']}; "
                    "the ratio column is 2 processes / 1 process")
    epochs = results.get("plan", {}).get("default_epochs")
    if isinstance(epochs, int):
        text.append(f"* the default config was trained with epochs={epochs} instead of 100 "
                    "(shortened run): its training time and F1 are not the default's.")
    text.append("Ratios are project / default (scaling: 2 / 1). Targets: see the "
                "'target' column; no verdict = informational.")
    return "\n".join(text)


def chart(results: Dict[str, Any], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no display; also works in CI
    import matplotlib.pyplot as plt

    project, default = results["configs"]["project"], results["configs"]["default"]
    floor = results.get("floor", {})
    levels = sorted(project[LEVELS_KEY], key=int)
    xs = [int(level) for level in levels]
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    colours = {"project": "tab:blue", "default": "tab:orange", "floor": "tab:gray"}

    ax = axes[0][0]
    for name, data in (("project", project[LEVELS_KEY]), ("default", default[LEVELS_KEY]),
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
        ax.annotate("1 / 2 processes (shared stores)",
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
    width = 0.13
    series = [("project", project[LEVELS_KEY]), ("default", default[LEVELS_KEY]),
              ("floor", floor)]
    for i, (name, data) in enumerate(series):
        for j, pct in enumerate(("p50_ms", "p95_ms")):
            vals = [(data.get(l) or {}).get(pct) or 0 for l in levels]
            pos = [k + (i * 2 + j - 2.5) * width for k in range(len(levels))]
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
