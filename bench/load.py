"""Load generator: simulated patients, each a short conversation over the REST webhook.

asyncio + aiohttp (installed with Rasa) rather than threads, so that the client
itself takes as little of the 2 CPU cores as possible from the server.
"""
import asyncio
import itertools
import statistics
import time
import zlib
from typing import Callable, Dict, List, Optional, Sequence

import aiohttp

# Each simulated user runs one of these scripts, in order, as its own sender.
# The mix: medical FAQ questions, follow-ups that rely on the condition named
# earlier in the conversation, and clinic-action turns (served by the action server).
TEXT_SCRIPTS: List[List[str]] = [
    ["Does Botox help migraines?", "what are the side effects", "how long does it last"],
    ["is it safe", "what are your opening hours", "where are you located"],
    ["botox for sweaty palms", "does it hurt?", "is it covered by insurance?"],
    ["hi", "can botox help with teeth grinding at night", "how much does it cost"],
    ["what is botox", "how long does it last", "what are your opening hours", "thanks"],
    ["my eyelid keeps twitching, can botox help", "what are the side effects",
     "where are you located"],
    # A tap on a button the answer offered (the widget sends its payload).
    ["Does Botox help migraines?", "/ask_onset", "where are you located"],
]

# The same conversations as pre-classified "/intent" messages: Rasa skips NLU for
# them, so this is the floor of what the dialogue side, actions and stores cost.
INTENT_SCRIPTS: List[List[str]] = [
    ["/ask_migraine", "/ask_side_effects", "/ask_duration"],
    ["/ask_side_effects", "/ask_hours", "/ask_location"],
    ['/ask_sweating{"body_area": "hands"}', "/ask_pain", "/ask_insurance"],
    ["/greet", "/ask_tmj", "/ask_cost"],
    ["/ask_what_is_botox", "/ask_duration", "/ask_hours", "/thank_you"],
    ["/ask_eye_twitching", "/ask_side_effects", "/ask_location"],
    ["/ask_migraine", "/ask_onset", "/ask_location"],
]

# Patients who tap the offered buttons after their first question: every tap
# makes the input guard read the bot's latest buttons (bench/compare.py --scripts taps).
TAP_SCRIPTS: List[List[str]] = [
    ["Does Botox help migraines?", "/ask_onset", "/ask_side_effects"],
    ["botox for sweaty palms", "/ask_pain", "/ask_duration"],
]


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def summarise(latencies: List[float], errors: int, empty: int, seconds: float,
              concurrency: int, capped: bool) -> Dict[str, object]:
    done = len(latencies)
    return {
        "concurrency": concurrency,
        "requests": done,
        "errors": errors,
        "empty_answers": empty,
        "seconds": round(seconds, 3),
        "throughput_rps": done / seconds if seconds > 0 else 0.0,
        "p50_ms": 1000 * percentile(latencies, 50) if latencies else None,
        "p95_ms": 1000 * percentile(latencies, 95) if latencies else None,
        "mean_ms": 1000 * statistics.fmean(latencies) if latencies else None,
        "stopped_by_time_cap": capped,
    }


async def _run(urls: List[str], scripts: List[List[str]], concurrency: int,
               total_requests: int, tag: str, time_cap: float) -> Dict[str, object]:
    latencies: List[float] = []
    counters = {"errors": 0, "empty": 0, "sent": 0}
    script_ids = itertools.count()
    deadline = time.monotonic() + time_cap
    capped = False

    async def user(session: aiohttp.ClientSession) -> None:
        nonlocal capped
        while counters["sent"] < total_requests:
            if time.monotonic() > deadline:
                capped = True
                return
            n = next(script_ids)
            sender = f"bench-{tag}-c{concurrency}-{n}"
            # Several replicas: requests are split by sender, as a load balancer
            # with sticky sessions would, so one conversation stays on one process.
            url = urls[zlib.crc32(sender.encode()) % len(urls)] + "/webhooks/rest/webhook"
            for message in scripts[n % len(scripts)]:
                if counters["sent"] >= total_requests:
                    return
                counters["sent"] += 1
                started = time.perf_counter()
                try:
                    async with session.post(url, json={"sender": sender, "message": message}) as reply:
                        body = await reply.json(content_type=None)
                        ok = reply.status == 200
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                    ok, body = False, None
                if not ok:
                    counters["errors"] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if not body:
                    counters["empty"] += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(user(session) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return summarise(latencies, counters["errors"], counters["empty"], seconds,
                     concurrency, capped)


def run_load(urls: List[str], scripts: List[List[str]], concurrency: int,
             total_requests: int, tag: str, time_cap: float = 600,
             cpu_seconds: Optional[Callable[[], float]] = None) -> Dict[str, object]:
    """`total_requests` POSTs from `concurrency` simulated users at once; each user
    runs scripts one after the other, each script with a new sender. Stops early
    (and says so) after `time_cap` seconds, so a slow config cannot stall the run.
    With `cpu_seconds` (the server's CPU time so far), also the server's CPU time
    per answered message: the measure least disturbed by other jobs on the machine."""
    cpu_before = cpu_seconds() if cpu_seconds else None
    stats = asyncio.run(_run(urls, scripts, concurrency, total_requests, tag, time_cap))
    if cpu_seconds and stats["requests"]:
        stats["server_cpu_ms_per_message"] = (1000 * (cpu_seconds() - cpu_before)
                                              / stats["requests"])
    return stats
