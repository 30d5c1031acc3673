"""Staff insights report from the conversation store: one HTML page plus CSV files.

    python -m staff.report [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out DIR]
                           [--low-confidence 0.5] [--tracker-store-url URL]

Conversations come from TRACKER_STORE_URL (default var/conversations.db; the same
setting the assistant runs with). Only the retention period
(privacy.retention_days in clinic/clinic.yml) is read: older events are ignored
even when `make purge` has not deleted them yet. Days are the clinic's local days.

The page (DIR/report.html) embeds its charts and needs no network. It opens with
"Medical content is NOT clinically signed off" until content-review.yml signs
off the medical answers as they are now. It shows conversations per day and channel, messages per conversation, the topics and
conditions patients ask about, the unanswered messages and the fallback rate,
low-confidence answers, red-flag triggers, the booking funnel and the model in
service (training date, and the holdout NLU figures from results/nlu_holdout.json
that tests/test_nlu_holdout.py writes).

CSV files in DIR (one header row each, written even when empty):
  summary.csv                    metric,value - every headline number (the cards,
                                 unanswered/fallback/out_of_scope, red flags, each
                                 form's started/completed/cancelled/red_flag/abandoned,
                                 the model)
  conversations_per_day.csv      date,conversations,user_messages,unanswered,fallback,
                                 out_of_scope,unanswered_rate,fallback_rate,out_of_scope_rate
                                 (conversations by the day they started; messages by
                                 the day sent; fallback includes nlu_fallback)
  channels.csv                   channel,conversations,user_messages
  channels_per_day.csv           date,channel,conversations
  languages.csv                  language,conversations,user_messages - the language
                                 each conversation was last in (en, es)
  messages_per_conversation.csv  user_messages,conversations - the distribution
  intents.csv                    intent,messages - every patient message except answers
                                 to a booking form's question
  conditions.csv                 condition,conversations - conversations that mentioned it
  unanswered.csv                 text,count,reasons,conversations,sample_conversation,last_seen
                                 - near-identical messages grouped; reasons is e.g.
                                 "nlu_fallback:2 out_of_scope:1"
  low_confidence.csv             date,conversation,channel,language,intent,confidence,text
  red_flags.csv                  date,conversation,channel,language,kind,intent,confidence,text
                                 (kind: emergency or crisis)
  booking_funnel.csv             form,stage,slot,count - stage is started, completed,
                                 cancelled, red_flag (stopped by an emergency) or abandoned
                                 (slot = the question left unanswered)
  handoffs.csv                   reason,reason_label,requested,outside_staff_hours,picked_up,
                                 timed_out,still_waiting,median_wait_seconds,p90_wait_seconds -
                                 hand-offs to staff per reason, then "all" (from the
                                 hand-off table: staff/report_handoffs.py); summary.csv
                                 has the same totals and waiting times

Definitions: a conversation is one Rasa session of one sender. A message is
unanswered when the bot ran action_default_fallback, or the intent was
nlu_fallback or out_of_scope (and no form took the message as an answer).

Privacy: conversation ids are keyed hashes (REPORT_PSEUDONYM_KEY, or a key kept
in var/report-pseudonym.key); quoted messages have phone numbers, e-mail
addresses, long digit runs and the patient's name removed, and whatever a
patient typed when asked for their name or contact is never quoted.
`--find c-0123456789ab` prints the sender id behind a pseudonym, for staff who
may open the conversation itself.
"""
import argparse
import json
import sys
import tarfile
from datetime import datetime
from pathlib import Path
from typing import List, Optional

from common.paths import ROOT
from staff.content_review import current_sign_off_state, sign_off_banner
from staff.report_data import (find_conversation, load_conversations, parse_day, pseudonym_key,
                               reporting_window, tracker_store_url)
from staff.report_handoffs import load_handoffs
from staff.report_metrics import Row, compute
from staff.report_output import write_report

DEFAULT_MODEL = ROOT / "models" / "assistant.tar.gz"
DEFAULT_HOLDOUT = ROOT / "results" / "nlu_holdout.json"


def model_metadata(archive: Path) -> dict:
    """metadata.json from a Rasa model archive, without unpacking the model."""
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.name.lstrip("/") == "metadata.json":
                return json.load(tar.extractfile(member))
    return {}


def model_rows(archive: Path, holdout: Path) -> List[Row]:
    """Training date of the model in service and, when measured, its holdout NLU scores."""
    rows: List[Row] = []
    if archive.exists():
        try:
            metadata = model_metadata(archive)
        except (OSError, tarfile.TarError, ValueError) as problem:
            rows.append({"name": "model_error", "value": f"cannot read {archive.name}: {problem}"})
        else:
            rows += [{"name": "path", "value": str(archive.relative_to(ROOT) if archive.is_relative_to(ROOT) else archive)},
                     {"name": "trained_at", "value": metadata.get("trained_at", "")},
                     {"name": "model_id", "value": metadata.get("model_id", "")},
                     {"name": "rasa_version", "value": metadata.get("rasa_open_source_version", "")}]
    if holdout.exists():
        try:
            figures = json.loads(holdout.read_text())
        except ValueError:
            figures = {}
        for name in ("intent_accuracy", "intent_macro_f1", "condition_entity_f1", "measured_at", "model_trained_at"):
            if name in figures:
                rows.append({"name": f"holdout_{name}", "value": figures[name]})
        if figures.get("model_id") and any(r["name"] == "model_id" for r in rows):
            same = figures["model_id"] == next(r["value"] for r in rows if r["name"] == "model_id")
            rows.append({"name": "holdout_measured_on_this_model", "value": "yes" if same else "no"})
    return rows


def arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m staff.report", description=__doc__.split("\n")[0])
    parser.add_argument("--since", type=parse_day, help="first day, YYYY-MM-DD (clinic time)")
    parser.add_argument("--until", type=parse_day, help="last day, YYYY-MM-DD, included")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "report")
    parser.add_argument("--low-confidence", type=float, default=0.5,
                        help="answers below this intent confidence are listed (default 0.5)")
    parser.add_argument("--tracker-store-url", help="SQLAlchemy URL (default: TRACKER_STORE_URL)")
    parser.add_argument("--handoff-database-url",
                        help="SQLAlchemy URL of the hand-off table (default: HANDOFF_DATABASE_URL, "
                             "else BOOKINGS_DATABASE_URL)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--holdout", type=Path, default=DEFAULT_HOLDOUT)
    parser.add_argument("--find", metavar="PSEUDONYM", help="print the sender id behind a pseudonym and exit")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = arguments(argv)
    if args.since and args.until and args.since > args.until:
        print("error: --since is after --until", file=sys.stderr)
        return 1
    url = tracker_store_url(args.tracker_store_url)
    window = reporting_window(args.since, args.until)
    key = pseudonym_key()
    if args.find:
        found = find_conversation(url, window, args.find, key)
        print(found.sender_id if found else f"{args.find}: not found in the retention period")
        return 0 if found else 1
    conversations = load_conversations(url, window)
    handoffs = load_handoffs(window.start, window.end, args.handoff_database_url)
    metrics = compute(conversations, window, key, args.low_confidence, model_rows(args.model, args.holdout),
                      handoffs)
    banner = sign_off_banner(current_sign_off_state())
    page = write_report(metrics, args.out, datetime.now(window.zone).strftime("%Y-%m-%d %H:%M %Z"), banner)
    print(f"{len(conversations)} conversations; report: {page}")
    if banner:
        print(f"*** {banner} ***")
    return 0


if __name__ == "__main__":
    sys.exit(main())
