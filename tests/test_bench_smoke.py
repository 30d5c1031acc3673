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
    return {
        "machine": {"date": "2026-11-25", "cpu_count": 2, "rasa": "3.6.21"},
        "configs": {"project": config(100, 0.9, 300, 30, 40),
                    "default": config(1000, 0.8, 1000, 5, 200)},
        "floor": {"1": _load(8, 30, 50), "10": _load(40, 30, 60)},
        "scaling": {"setup": "2 replicas", "one_process": {"throughput_rps": 30},
                    "two_processes": {"throughput_rps": 45}},
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


def test_table_has_ratios_and_verdicts():
    text = report.table(_results())
    assert "throughput c=10" in text and "PASS" in text
    assert "scaling c=10" in text
    rows = {r["metric"]: r for r in report.rows(_results())}
    assert rows["training time (s)"]["verdict"] == "PASS"          # 0.1x
    assert rows["throughput c=10 (msg/s)"]["verdict"] == "PASS"    # 6x
    assert rows["p50 latency c=10 (ms)"]["verdict"] == "PASS"      # 0.2x default, 1.33x floor
    assert rows["RSS after warm-up (MiB)"]["verdict"] == "PASS"    # 0.3x


def test_chart_is_written(tmp_path):
    report.chart(_results(), tmp_path / "bench.png")
    assert (tmp_path / "bench.png").stat().st_size > 0


def test_rss_of_this_process_is_read_from_proc():
    assert rss_kib(os.getpid()) > 0
