"""Writes the report: CSV files, PNG charts embedded in one self-contained HTML page."""
import base64
import csv
import html
import io
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from staff.report_metrics import Metrics, Row  # noqa: E402

CSV_FILES = {
    "summary.csv": "summary",
    "conversations_per_day.csv": "per_day",
    "channels.csv": "channels",
    "channels_per_day.csv": "channels_per_day",
    "languages.csv": "languages",
    "messages_per_conversation.csv": "messages_per_conversation",
    "intents.csv": "intents",
    "conditions.csv": "conditions",
    "unanswered.csv": "unanswered",
    "low_confidence.csv": "low_confidence",
    "red_flags.csv": "red_flags",
    "booking_funnel.csv": "booking_funnel",
    "handoffs.csv": "handoffs",
}
# Column names, so that a CSV with no rows still says what it would hold.
CSV_COLUMNS = {
    "summary": ["metric", "value"],
    "per_day": ["date", "conversations", "user_messages", "unanswered", "fallback", "out_of_scope",
                "unanswered_rate", "fallback_rate", "out_of_scope_rate"],
    "channels": ["channel", "conversations", "user_messages"],
    "channels_per_day": ["date", "channel", "conversations"],
    "languages": ["language", "conversations", "user_messages"],
    "messages_per_conversation": ["user_messages", "conversations"],
    "intents": ["intent", "messages"],
    "conditions": ["condition", "conversations"],
    "unanswered": ["text", "count", "reasons", "conversations", "sample_conversation", "last_seen"],
    "low_confidence": ["date", "conversation", "channel", "language", "intent", "confidence", "text"],
    "red_flags": ["date", "conversation", "channel", "language", "kind", "intent", "confidence", "text"],
    "booking_funnel": ["form", "stage", "slot", "count"],
    "handoffs": ["reason", "reason_label", "requested", "outside_staff_hours", "picked_up", "timed_out",
                 "still_waiting", "median_wait_seconds", "p90_wait_seconds"],
}
TOP = 15  # bars in the intent and condition charts
COLOURS = ["#2a6f97", "#e07a5f", "#81b29a", "#f2cc8f", "#6d597a", "#3d405b", "#b56576"]


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
def write_csvs(metrics: Metrics, out: Path) -> List[Path]:
    written = []
    for filename, attribute in CSV_FILES.items():
        path = out / filename
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS[attribute])
            writer.writeheader()
            writer.writerows(getattr(metrics, attribute))
        written.append(path)
    return written


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------
def png(figure) -> str:
    """The figure as a data: URI, so the page needs no other file."""
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=96)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def empty_chart(title: str) -> str:
    figure, axes = plt.subplots(figsize=(7, 1.6))
    axes.text(0.5, 0.5, "No data in this period", ha="center", va="center", color="#666")
    axes.set_axis_off()
    axes.set_title(title)
    return png(figure)


def conversations_per_day_chart(metrics: Metrics) -> str:
    title = "Conversations per day, by channel"
    if not metrics.per_day:
        return empty_chart(title)
    days = [r["date"] for r in metrics.per_day]
    channels = [r["channel"] for r in metrics.channels]
    figure, axes = plt.subplots(figsize=(8, 3.4))
    bottom = [0] * len(days)
    for colour, channel in zip(COLOURS * 4, channels):
        counts = {r["date"]: r["conversations"] for r in metrics.channels_per_day if r["channel"] == channel}
        heights = [counts.get(day, 0) for day in days]
        axes.bar(range(len(days)), heights, bottom=bottom, label=channel, color=colour)
        bottom = [b + h for b, h in zip(bottom, heights)]
    label_days(axes, days)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("conversations")
    axes.set_title(title)
    axes.legend(fontsize=8, ncol=min(len(channels), 5))
    return png(figure)


def label_days(axes, days: Sequence[str]) -> None:
    step = max(1, len(days) // 12)
    axes.set_xticks(range(0, len(days), step))
    axes.set_xticklabels([d[5:] for d in days[::step]], rotation=45, ha="right", fontsize=8)


def messages_per_conversation_chart(metrics: Metrics) -> str:
    title = "Messages per conversation (patient messages)"
    if not metrics.messages_per_conversation:
        return empty_chart(title)
    figure, axes = plt.subplots(figsize=(8, 3))
    rows = metrics.messages_per_conversation
    axes.bar([r["user_messages"] for r in rows], [r["conversations"] for r in rows], color=COLOURS[0])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("patient messages in the conversation")
    axes.set_ylabel("conversations")
    axes.set_title(title)
    return png(figure)


def horizontal_bars(rows: List[Row], label: str, value: str, title: str, colour: str) -> str:
    if not rows:
        return empty_chart(title)
    rows = rows[:TOP][::-1]  # biggest on top
    figure, axes = plt.subplots(figsize=(8, 0.6 + 0.3 * len(rows)))
    axes.barh([r[label] for r in rows], [r[value] for r in rows], color=colour)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(value.replace("_", " "))
    axes.set_title(title)
    axes.tick_params(axis="y", labelsize=8)
    return png(figure)


def unanswered_rate_chart(metrics: Metrics) -> str:
    title = "Share of patient messages the bot could not answer, per day"
    if not metrics.per_day:
        return empty_chart(title)
    days = [r["date"] for r in metrics.per_day]

    def percent(row: Row, column: str) -> float:
        return 100 * row[column] if row["user_messages"] else float("nan")  # a gap: no messages that day
    figure, axes = plt.subplots(figsize=(8, 3))
    axes.plot(range(len(days)), [percent(r, "fallback_rate") for r in metrics.per_day],
              marker="o", label="fallback (not understood)", color=COLOURS[1])
    axes.plot(range(len(days)), [percent(r, "out_of_scope_rate") for r in metrics.per_day],
              marker="s", label="out of scope", color=COLOURS[0])
    label_days(axes, days)
    axes.set_ylabel("% of patient messages")
    axes.set_ylim(bottom=0)
    axes.set_title(title)
    axes.legend(fontsize=8)
    return png(figure)


def booking_funnel_chart(metrics: Metrics) -> str:
    title = "Booking and callback requests: how they ended"
    if not any(r["count"] for r in metrics.booking_funnel):
        return empty_chart(title)
    figure, axes = plt.subplots(figsize=(8, 3.4))
    labels, values, colours = [], [], []
    for index, form in enumerate(sorted({r["form"] for r in metrics.booking_funnel}, reverse=True)):
        for row in (r for r in metrics.booking_funnel if r["form"] == form):
            stage = f"abandoned at {row['slot']}" if row["stage"] == "abandoned" else row["stage"]
            labels.append(f"{form.replace('_form', '')}: {stage}")
            values.append(row["count"])
            colours.append(COLOURS[index])
    axes.barh(labels[::-1], values[::-1], color=colours[::-1])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("requests")
    axes.tick_params(axis="y", labelsize=8)
    axes.set_title(title)
    return png(figure)


def charts(metrics: Metrics) -> Dict[str, str]:
    return {
        "per_day": conversations_per_day_chart(metrics),
        "lengths": messages_per_conversation_chart(metrics),
        "intents": horizontal_bars(metrics.intents, "intent", "messages", "Topics patients asked about (intents)", COLOURS[0]),
        "conditions": horizontal_bars(metrics.conditions, "condition", "conversations", "Conditions mentioned", COLOURS[2]),
        "unanswered": unanswered_rate_chart(metrics),
        "funnel": booking_funnel_chart(metrics),
    }


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem;
     border-bottom: 2px solid #2a6f97; padding-bottom: 0.2rem; }
.note { color: #555; font-size: 0.9rem; }
.cards { display: flex; flex-wrap: wrap; gap: 0.7rem; margin: 1rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem 0.9rem; min-width: 8rem; }
.card b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; margin: 0.6rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f6f8; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; display: block; margin: 0.6rem 0; }
.alert { border-left: 4px solid #c0392b; padding-left: 0.8rem; }
.warning { background: #fdecea; padding: 0.6rem 0.8rem; }
"""


def escape(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def table(rows: List[Row], columns: Sequence[str], empty: str = "None in this period.", limit: Optional[int] = None) -> str:
    if not rows:
        return f'<p class="note">{escape(empty)}</p>'
    shown = rows[:limit] if limit else rows
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="n">{escape(r.get(c))}</td>' if isinstance(r.get(c), (int, float)) else f"<td>{escape(r.get(c))}</td>"
            for c in columns) + "</tr>"
        for r in shown)
    more = f'<p class="note">{len(rows) - len(shown)} more in the CSV file.</p>' if len(shown) < len(rows) else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def image(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{escape(alt)}">'


def cards(summary: Dict[str, Any]) -> str:
    shown = [("Conversations", "conversations"), ("Patient messages", "user_messages"),
             ("Unanswered", "unanswered"), ("Red flags", "red_flags"),
             ("Bookings completed", "consultation_form_completed"),
             ("Callbacks completed", "callback_form_completed"),
             ("Hand-offs to staff", "handoffs")]
    return '<div class="cards">' + "".join(
        f'<div class="card"><b>{escape(summary.get(key, 0))}</b>{escape(label)}</div>' for label, key in shown) + "</div>"


def model_section(metrics: Metrics) -> str:
    if not metrics.model:
        return '<p class="note">No model information found.</p>'
    return table(metrics.model, ["name", "value"])


def sign_off_notice(banner: Optional[str]) -> str:
    """The not-signed-off warning (staff/content_review.py), at the top of the page."""
    if not banner:
        return ""
    return f'<p class="alert warning" role="alert"><strong>{escape(banner)}</strong></p>'


def minutes(seconds: Any) -> str:
    return "no waits" if seconds in ("", None) else f"{float(seconds) / 60:.1f} min"


def handoff_section(metrics: Metrics, summary: Dict[str, Any]) -> str:
    if not metrics.handoffs:
        return '<p class="note">No conversation was handed to staff in this period.</p>'
    return (f"<p>{escape(summary.get('handoffs', 0))} conversation(s) handed to staff, "
            f"{escape(summary.get('handoffs_outside_staff_hours', 0))} of them asked outside staff hours "
            f"(the bot offered a callback); {escape(summary.get('handoffs_timed_out', 0))} waited in vain. "
            f"Waiting time until a staff member replied: median "
            f"{escape(minutes(summary.get('handoff_wait_median_seconds')))}, 90th percentile "
            f"{escape(minutes(summary.get('handoff_wait_p90_seconds')))}.</p>"
            + table(metrics.handoffs, ["reason_label", "requested", "outside_staff_hours", "picked_up",
                                       "timed_out", "still_waiting", "median_wait_seconds",
                                       "p90_wait_seconds"]))


def render_html(metrics: Metrics, images: Dict[str, str], generated: str,
                sign_off_banner: Optional[str] = None) -> str:
    summary = {r["metric"]: r["value"] for r in metrics.summary}
    period = f"{summary['period_start']} to {summary['period_end']}"
    sections = [
        sign_off_notice(sign_off_banner),
        f"<h1>Assistant insights</h1><p class=\"note\">Conversations from {escape(period)} "
        f"(the clinic keeps {escape(summary['retention_days'])} days; older ones are not counted). "
        f"Generated {escape(generated)}. Conversation ids are pseudonyms; phone numbers, e-mail "
        "addresses and patients' names are removed from every quoted message.</p>",
        cards(summary),
        "<h2>Conversations</h2>", image(images["per_day"], "Conversations per day by channel"),
        table(metrics.channels, ["channel", "conversations", "user_messages"]),
        table(metrics.languages, ["language", "conversations", "user_messages"]),
        image(images["lengths"], "Distribution of patient messages per conversation"),
        "<h2>What patients ask about</h2>", image(images["intents"], "Most frequent intents"),
        image(images["conditions"], "Most mentioned conditions"),
        table(metrics.conditions, ["condition", "conversations"], "No condition mentioned."),
        '<h2 class="alert">Red flags (emergency and crisis answers)</h2>'
        f"<p>{len(metrics.red_flags)} message(s) triggered the emergency or crisis answer. "
        "For clinical review:</p>",
        table(metrics.red_flags, ["date", "conversation", "channel", "language", "kind", "text"], "No red flags."),
        "<h2>Where the bot could not help</h2>",
        f"<p>{escape(summary['unanswered'])} of {escape(summary['user_messages'])} patient messages "
        f"({100 * float(summary['unanswered_rate']):.1f}%) got the \"I can't help with that\" answer.</p>",
        image(images["unanswered"], "Fallback and out-of-scope rate per day"),
        "<p>Unanswered messages, near-identical ones grouped (<code>make review</code> exports them for training):</p>",
        table(metrics.unanswered, ["text", "count", "reasons", "conversations", "sample_conversation", "last_seen"],
              "Every message was answered.", limit=100),
        f"<p>Answered with low confidence (below {escape(summary['low_confidence_threshold'])}): "
        "the answer may have been wrong.</p>",
        table(metrics.low_confidence, ["date", "conversation", "channel", "intent", "confidence", "text"],
              "None.", limit=100),
        "<h2>Booking and callback requests</h2>", image(images["funnel"], "Booking funnel"),
        table(metrics.booking_funnel, ["form", "stage", "slot", "count"]),
        '<p class="note">Abandoned: the form was still open when the conversation ended; the slot is '
        "the question the patient did not answer.</p>",
        "<h2>Hand-offs to staff</h2>", handoff_section(metrics, summary),
        "<h2>Model in service</h2>", model_section(metrics),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Assistant insights {escape(period)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")


def write_report(metrics: Metrics, out: Path, generated: str,
                 sign_off_banner: Optional[str] = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    write_csvs(metrics, out)
    page = out / "report.html"
    page.write_text(render_html(metrics, charts(metrics), generated, sign_off_banner), encoding="utf-8")
    return page
