"""Live hand-off to clinic staff, and the staff inbox.

How a conversation reaches a person:

- The action server's `action_hand_off` (actions/handoff.py) decides from the
  staff hours in clinic/clinic.yml. During staff hours it writes a hand-off row
  (store.py) and pauses the conversation with Rasa's own `ConversationPaused`
  event: Rasa keeps storing the patient's messages but stops answering.
  Outside staff hours it says when staff are back and offers a callback.
- Staff work in the inbox (inbox.py), an input channel of the Rasa server at
  /webhooks/staff/, so it reaches the tracker store and every channel's output:
  a reply is stored in the conversation as a bot message and sent on the
  patient's own channel (conversations.py); the website widget, which has no
  push channel, polls its queue (outbox.py) at /webhooks/widget/messages.
  Handing back or resolving appends `ConversationResumed`.
- A background task of the inbox (housekeeping.py) sends the e-mail / Slack
  alerts (notify.py) and closes waits nobody picked up in time.

Everything is kept in SQL (database.py, tables.py: SQLite by default,
PostgreSQL from HANDOFF_DATABASE_URL) and in the tracker store, so any Rasa
replica can serve any request. Staff accounts (accounts.py, argon2 hashes),
sessions (sessions.py) and the audit log (audit.py) live in the same database.
Command lines: `python -m handoff.staff_accounts` (make staff-user) and
`python -m handoff.audit_export` (make audit-log).
"""
