"""The hand-off tables (SQLAlchemy Core), created on first use by database.py.

No message text is kept here except staff replies queued for the website
widget (widget_messages), which are pruned after a day: the conversation
itself lives in Rasa's tracker store.
"""
import sqlalchemy as sa

from actions.storage import UTCDateTime

metadata = sa.MetaData()

# Statuses of a hand-off. Only waiting and open are active: at most one per conversation.
WAITING = "waiting"  # the bot paused; nobody from staff has replied yet
OPEN = "open"  # a staff member replied or took the conversation over
HANDED_BACK = "handed_back"  # staff gave the conversation back to the assistant
RESOLVED = "resolved"  # staff closed it
TIMED_OUT = "timed_out"  # nobody replied in time; the bot offered a callback
OUTSIDE_HOURS = "outside_hours"  # asked when no staff were on duty: never waited (for the report)
ACTIVE = (WAITING, OPEN)
STATUSES = (WAITING, OPEN, HANDED_BACK, RESOLVED, TIMED_OUT, OUTSIDE_HOURS)

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.Text, nullable=False),  # the Rasa conversation
    sa.Column("channel", sa.Text, nullable=False),  # rest (the widget), twilio, slack, ...
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("condition", sa.Text, nullable=True),
    sa.Column("location_id", sa.Text, nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("picked_up_at", UTCDateTime, nullable=True),  # first staff reply or take-over
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("assigned_to", sa.Text, nullable=True),  # staff username
    sa.Column("notified_at", UTCDateTime, nullable=True),  # staff alerted (e-mail / Slack)
    sa.Column("notify_attempts", sa.Integer, nullable=False, default=0),
    sa.CheckConstraint(f"status IN {STATUSES}", name="ck_handoffs_status"),
    sa.Index("ix_handoffs_status", "status"),
    sa.Index("ix_handoffs_requested_at", "requested_at"),
    # One active hand-off per conversation, whichever replica or process asks.
    sa.Index("uq_handoffs_active_sender", "sender_id", unique=True,
             sqlite_where=sa.text("status IN ('waiting', 'open')"),
             postgresql_where=sa.text("status IN ('waiting', 'open')")),
)

# Messages for the website widget, which polls for them (it has no push channel).
widget_messages = sa.Table(
    "widget_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("message", sa.Text, nullable=False),  # JSON: text, buttons, from, name
    sa.Index("ix_widget_messages_sender", "sender_id", "id"),
)

staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.Text, nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),  # sha256 of the cookie
    sa.Column("csrf_token", sa.Text, nullable=False),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_active_at", UTCDateTime, nullable=False),
)

# Failed sign-ins, by username and by client address, for the lockout.
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.Text, nullable=False),  # "user:<name>" or "ip:<address>"
    sa.Column("failed_at", UTCDateTime, nullable=False),
    sa.Index("ix_login_failures_key", "key", "failed_at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("staff", sa.Text, nullable=False),  # username (as typed, for failed sign-ins)
    sa.Column("action", sa.Text, nullable=False),
    # Which conversation: the keyed hash of its id, as booking requests store it.
    sa.Column("conversation", sa.Text, nullable=True),
    sa.Column("handoff_id", sa.Integer, nullable=True),
    sa.Column("client_ip", sa.Text, nullable=True),
    sa.Index("ix_audit_log_at", "at"),
)
