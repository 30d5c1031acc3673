"""The report's numbers, computed from conversations (staff/report_data.py).

Every function returns plain rows (lists of dicts), the same rows the CSV files
hold and the HTML shows, so the two can never disagree.
"""
import difflib
import re
import string
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence

from handoff.store import Handoff
from staff.report_data import FORMS, Conversation, UserMessage, Window, pseudonym, quotable_text
from staff.report_handoffs import handoff_rows, summary_rows as handoff_summary_rows

Row = Dict[str, Any]
FORM_STAGES = ("started", "completed", "cancelled", "red_flag")
SIMILAR_ENOUGH = 0.9  # difflib ratio above which two unanswered messages are one group


@dataclass
class Metrics:
    summary: List[Row]
    per_day: List[Row]
    channels: List[Row]
    channels_per_day: List[Row]
    languages: List[Row]
    messages_per_conversation: List[Row]
    intents: List[Row]
    conditions: List[Row]
    unanswered: List[Row]
    low_confidence: List[Row]
    red_flags: List[Row]
    booking_funnel: List[Row]
    model: List[Row]
    handoffs: List[Row] = field(default_factory=list)  # per reason (staff/report_handoffs.py)


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def days_between(first: date, last: date) -> List[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def report_days(conversations: List[Conversation], window: Window) -> List[date]:
    """Every day from --since (or the first conversation) to --until (or the last)."""
    seen = [window.day(m.timestamp) for c in conversations for m in c.messages]
    if not seen and not (window.since and window.until):
        return []
    first = window.since or min(seen)
    last = window.until or max(seen)
    return days_between(first, last)


def per_day(conversations: List[Conversation], window: Window) -> List[Row]:
    """Conversations (by the day they started) and message outcomes (by the day sent)."""
    started = Counter(window.day(c.messages[0].timestamp) for c in conversations)
    counts: Dict[date, Counter] = defaultdict(Counter)
    for message in (m for c in conversations for m in c.messages):
        day = counts[window.day(message.timestamp)]
        day["user_messages"] += 1
        reason = message.unanswered_reason
        if reason:
            day[reason] += 1
            day["unanswered"] += 1
    rows = []
    for day in report_days(conversations, window):
        c = counts[day]
        rows.append({
            "date": day.isoformat(), "conversations": started[day], "user_messages": c["user_messages"],
            "unanswered": c["unanswered"], "fallback": c["fallback"] + c["nlu_fallback"],
            "out_of_scope": c["out_of_scope"],
            "unanswered_rate": rate(c["unanswered"], c["user_messages"]),
            "fallback_rate": rate(c["fallback"] + c["nlu_fallback"], c["user_messages"]),
            "out_of_scope_rate": rate(c["out_of_scope"], c["user_messages"]),
        })
    return rows


def channels(conversations: List[Conversation]) -> List[Row]:
    by_channel: Dict[str, Counter] = defaultdict(Counter)
    for conversation in conversations:
        by_channel[conversation.channel]["conversations"] += 1
        by_channel[conversation.channel]["user_messages"] += len(conversation.messages)
    return [{"channel": name, "conversations": c["conversations"], "user_messages": c["user_messages"]}
            for name, c in sorted(by_channel.items(), key=lambda item: (-item[1]["conversations"], item[0]))]


def languages(conversations: List[Conversation]) -> List[Row]:
    """Conversations per language (the language each conversation was last in)."""
    by_language: Dict[str, Counter] = defaultdict(Counter)
    for conversation in conversations:
        by_language[conversation.language]["conversations"] += 1
        by_language[conversation.language]["user_messages"] += len(conversation.messages)
    return [{"language": name, "conversations": c["conversations"], "user_messages": c["user_messages"]}
            for name, c in sorted(by_language.items(), key=lambda item: (-item[1]["conversations"], item[0]))]


def channels_per_day(conversations: List[Conversation], window: Window) -> List[Row]:
    counts = Counter((window.day(c.messages[0].timestamp), c.channel) for c in conversations)
    return [{"date": day.isoformat(), "channel": channel, "conversations": n}
            for (day, channel), n in sorted(counts.items())]


def messages_per_conversation(conversations: List[Conversation]) -> List[Row]:
    lengths = Counter(len(c.messages) for c in conversations)
    return [{"user_messages": n, "conversations": lengths[n]} for n in sorted(lengths)]


def intents(conversations: List[Conversation]) -> List[Row]:
    """What patients asked: every message except answers to a form's questions."""
    counts = Counter(m.intent or "(none)" for c in conversations for m in c.messages if not m.consumed_by_form)
    return [{"intent": name, "messages": n} for name, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def conditions(conversations: List[Conversation]) -> List[Row]:
    """Conversations that mentioned each condition (entity or the condition slot)."""
    counts = Counter(name for c in conversations for name in c.conditions())
    return [{"condition": name, "conversations": n} for name, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def normalise(text: str) -> str:
    """Case, punctuation, digits and spacing do not make two messages different."""
    text = re.sub(r"\d+", " ", text.lower())
    text = text.translate(str.maketrans({ch: " " for ch in string.punctuation}))
    return " ".join(text.split())


def unanswered(conversations: List[Conversation], window: Window, key: bytes) -> List[Row]:
    """Messages the bot could not answer, near-identical ones grouped, biggest groups first."""
    groups: List[Dict[str, Any]] = []
    for conversation in conversations:
        for message in conversation.messages:
            reason = message.unanswered_reason
            if not reason:
                continue
            quoted = quotable_text(message, conversation.private)
            group = find_group(groups, normalise(quoted))
            if group is None:
                group = {"key": normalise(quoted), "text": quoted, "count": 0, "reasons": Counter(),
                         "conversations": set(), "sample": pseudonym(conversation, key),
                         "last_seen": message.timestamp}
                groups.append(group)
            group["count"] += 1
            group["reasons"][reason] += 1
            group["conversations"].add(pseudonym(conversation, key))
            group["last_seen"] = max(group["last_seen"], message.timestamp)
    groups.sort(key=lambda g: (-g["count"], g["key"]))
    return [{"text": g["text"], "count": g["count"],
             "reasons": " ".join(f"{r}:{n}" for r, n in sorted(g["reasons"].items())),
             "conversations": len(g["conversations"]), "sample_conversation": g["sample"],
             "last_seen": window.day(g["last_seen"]).isoformat()} for g in groups]


def find_group(groups: List[Dict[str, Any]], key: str) -> Optional[Dict[str, Any]]:
    for group in groups:
        if group["key"] == key:
            return group
    for group in groups:
        if difflib.SequenceMatcher(None, group["key"], key).ratio() >= SIMILAR_ENOUGH:
            return group
    return None


def message_row(conversation: Conversation, message: UserMessage, window: Window, key: bytes) -> Row:
    return {"date": window.day(message.timestamp).isoformat(), "conversation": pseudonym(conversation, key),
            "channel": message.channel, "language": conversation.language, "intent": message.intent,
            "confidence": round(message.confidence, 3), "text": quotable_text(message, conversation.private)}


def low_confidence(conversations: List[Conversation], window: Window, key: bytes, threshold: float) -> List[Row]:
    """Answered, but the model was unsure: worth a look, maybe a wrong answer."""
    return [message_row(c, m, window, key) for c in conversations for m in c.messages
            if m.confidence < threshold and not m.unanswered_reason and not m.consumed_by_form
            and m.intent != "nlu_fallback"]


def red_flags(conversations: List[Conversation], window: Window, key: bytes) -> List[Row]:
    """Every emergency or crisis trigger, for clinical review."""
    return [{**message_row(c, m, window, key), "kind": m.red_flag_kind}
            for c in conversations for m in c.messages if m.red_flag]


def booking_funnel(conversations: List[Conversation]) -> List[Row]:
    """Per form: started, completed, cancelled, stopped by a red flag, abandoned at each slot."""
    rows = []
    for form in FORMS:
        attempts = [a for c in conversations for a in c.forms if a.form == form]
        outcomes = Counter(a.outcome for a in attempts)
        rows.append({"form": form, "stage": "started", "slot": "", "count": len(attempts)})
        for outcome in FORM_STAGES[1:]:
            rows.append({"form": form, "stage": outcome, "slot": "", "count": outcomes[outcome]})
        abandoned = Counter(a.last_requested_slot or "(none)" for a in attempts if a.outcome == "abandoned")
        for slot, n in sorted(abandoned.items(), key=lambda i: (-i[1], i[0])):
            rows.append({"form": form, "stage": "abandoned", "slot": slot, "count": n})
    return rows


def funnel_count(rows: List[Row], form: str, stage: str) -> int:
    return sum(r["count"] for r in rows if r["form"] == form and r["stage"] == stage)


def summary(metrics: Metrics, conversations: List[Conversation], window: Window, threshold: float,
            handoffs: Sequence[Handoff] = ()) -> List[Row]:
    messages = sum(len(c.messages) for c in conversations)
    unanswered_total = sum(r["unanswered"] for r in metrics.per_day)
    def day(timestamp: float) -> str:
        return datetime.fromtimestamp(timestamp, window.zone).date().isoformat()
    rows = [
        ("period_start", day(window.start)), ("period_end", day(window.end - 1)),
        ("retention_days", window.retention_days),
        ("conversations", len(conversations)), ("user_messages", messages),
        ("unanswered", unanswered_total),
        ("fallback", sum(r["fallback"] for r in metrics.per_day)),
        ("out_of_scope", sum(r["out_of_scope"] for r in metrics.per_day)),
        ("unanswered_rate", rate(unanswered_total, messages)),
        ("low_confidence_threshold", threshold), ("low_confidence", len(metrics.low_confidence)),
        ("red_flags", len(metrics.red_flags)),
    ]
    for form in FORMS:
        for stage in (*FORM_STAGES, "abandoned"):
            rows.append((f"{form}_{stage}", funnel_count(metrics.booking_funnel, form, stage)))
    rows += handoff_summary_rows(handoffs)
    rows += [(f"model_{r['name']}", r["value"]) for r in metrics.model]
    return [{"metric": name, "value": value} for name, value in rows]


def compute(conversations: List[Conversation], window: Window, key: bytes, threshold: float,
            model: List[Row], handoffs: Sequence[Handoff] = ()) -> Metrics:
    metrics = Metrics(
        summary=[], per_day=per_day(conversations, window), channels=channels(conversations),
        channels_per_day=channels_per_day(conversations, window), languages=languages(conversations),
        messages_per_conversation=messages_per_conversation(conversations),
        intents=intents(conversations), conditions=conditions(conversations),
        unanswered=unanswered(conversations, window, key),
        low_confidence=low_confidence(conversations, window, key, threshold),
        red_flags=red_flags(conversations, window, key), booking_funnel=booking_funnel(conversations),
        model=model, handoffs=handoff_rows(handoffs),
    )
    metrics.summary = summary(metrics, conversations, window, threshold, handoffs)
    return metrics
