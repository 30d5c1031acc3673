"""Fast checks of the benchmark's pure helpers (no training, no servers, no timings)."""
import os

import pytest

from bench import report
from bench.load import INTENT_SCRIPTS, TEXT_SCRIPTS, percentile, summarise
from bench.servers import rss_kib

pytestmark = pytest.mark.unit


def _load(rps, p50, p95):
    return {"throughput_rps": rps, "p50_ms": p50, "p95_ms": p95}


def _results():
    def config(train, f1, rss, rps, p50):
        return {"train_seconds": train, "startup_seconds": 10.0,
                "nlu": {"accuracy": f1, "macro_f1": f1},
                "rss_mib_after_warmup": rss, "rss_mib_after_load": rss + 10,
                "load": {"1": _load(rps / 5, p50, p50 * 2), "10": _load(rps, p50, p50 * 2)}}
    on_project_stores = config(1000, 0.8, 1000, 4, 250)
    for key in ("train_seconds", "nlu"):
        del on_project_stores[key]  # the default's model: trained and tested once
    on_project_stores["served"] = "the default config served like the project"

    def rounds(rps, p50):
        return {"throughput_rps": rps, "p50_ms": p50, "rounds": [_load(rps, p50, p50)] * 2}
    return {
        "machine": {"date": "2026-11-25", "cpu_count": 2, "rasa": "3.6.21",
                    "loadavg_at_start": [1.5, 1, 1], "loadavg_at_end": [2.5, 2, 2]},
        "configs": {"project": config(100, 0.9, 300, 30, 40),
                    "default": config(1000, 0.8, 1000, 5, 200),
                    "default_project_stores": on_project_stores},
        "floor": {"1": _load(8, 30, 50), "10": _load(40, 30, 60)},
        "scaling": {"setup": "2 replicas", "one_process": {"throughput_rps": 30},
                    "two_processes": {"throughput_rps": 45}, "two_over_one": 1.5},
        "workers": {"levels": {"10": {"one_worker": rounds(30, 300), "two_workers": rounds(42, 220),
                                      "two_over_one": 1.4}},
                    "rss_mib_one_worker": 700, "rss_mib_two_workers": 1300},
    }


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None


def test_summarise_counts_throughput_over_the_measured_time():
    stats = summarise([0.1] * 20, errors=1, empty=0, seconds=2.0, concurrency=10, capped=False)
    assert stats["requests"] == 20 and stats["throughput_rps"] == 10
    assert round(stats["p50_ms"]) == 100


def test_intent_scripts_mirror_the_text_scripts():
    assert [len(s) for s in INTENT_SCRIPTS] == [len(s) for s in TEXT_SCRIPTS]
    assert all(m.startswith("/") for s in INTENT_SCRIPTS for m in s)
    # Button taps are part of the text load, as the widget sends them.
    assert any(m.startswith("/") for s in TEXT_SCRIPTS for m in s)


def test_table_has_ratios_targets_and_verdicts():
    text = report.table(_results())
    assert "throughput c=10" in text and "PASS" in text
    assert "1 worker 30.0 msg/s" in text and "(1.40x)" in text
    assert "2 processes 45.0 msg/s" in text
    assert "load average (1 min) at start 1.5, at end 2.5" in text
    rows = {r["metric"]: r for r in report.rows(_results())}
    assert rows["training time (s)"]["verdict"] == "PASS"          # 0.1x, target <= 0.21x
    assert rows["throughput c=10 (msg/s)"]["verdict"] == "PASS"    # 6x, target >= 3x
    assert rows["throughput c=10 (msg/s)"]["ratio_project_stores"] == 30 / 4
    assert rows["p50 latency c=10 (ms)"]["verdict"] == "PASS"      # 0.2x, target <= 0.4x
    assert rows["RSS after warm-up (MiB)"]["verdict"] == "PASS"    # 0.3x, target <= 0.47x
    assert rows["p95 latency c=10 (ms)"]["verdict"] == ""          # informational


def test_a_missed_target_says_so():
    results = _results()
    results["configs"]["project"]["load"]["10"] = _load(12, 90, 100)  # 2.4x, 0.45x
    rows = {r["metric"]: r for r in report.rows(results)}
    assert rows["throughput c=10 (msg/s)"]["verdict"] == "MISS"
    assert rows["p50 latency c=10 (ms)"]["verdict"] == "MISS"


def test_chart_is_written(tmp_path):
    report.chart(_results(), tmp_path / "bench.png")
    assert (tmp_path / "bench.png").stat().st_size > 0


def test_rss_of_this_process_is_read_from_proc():
    assert rss_kib(os.getpid()) > 0
