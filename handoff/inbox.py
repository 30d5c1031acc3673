"""The staff inbox: an input channel of the Rasa server, at /webhooks/staff/.

Register it in credentials.yml (`handoff.inbox.StaffInboxInput: {}`). Being
part of the Rasa server gives it what it needs: the tracker store and lock
store (to pause, resume and add staff replies to a conversation) and every
channel's output (to reply on the patient's own channel). Rasa's HTTP API stays off.

    GET  /webhooks/staff/                  the inbox page (signed in), else a redirect to sign in
    GET  /webhooks/staff/login             sign-in form;  POST: sign in
    POST /webhooks/staff/logout
    GET  /webhooks/staff/inbox.js, inbox.css
    GET  /webhooks/staff/api/queue         waiting and open hand-offs, oldest first; recent conversations
    GET  /webhooks/staff/api/conversations/<key>            the transcript (written to the audit log)
    GET  /webhooks/staff/api/conversations/<key>/messages?after=<time>   new messages since
    POST /webhooks/staff/api/conversations/<key>/take-over | reply | hand-back | resolve

<key> is the keyed hash of the conversation id (never a phone number in a URL).
Nothing answers without a signed-in session (401, not even a count); every POST
needs the session's CSRF token (403); see web_security.py. Requests that only
refresh the page (header X-Staff-Refresh: 1) do not count as activity, so an
open inbox still signs out after STAFF_SESSION_IDLE_MINUTES without a staff action.
Logs hold kinds of events only, never message text or who the patient is.
"""
import asyncio
import functools
import html
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import ConversationPaused
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.storage import hash_sender_id
from clinic.config import messages
from common.paths import ROOT
from connectors.guard import MAX_MESSAGE_CHARS, clean_text, client_ip
from handoff import audit, tables
from handoff.accounts import AccountsUnavailable, StaffAccounts
from handoff.audit import AuditLog, AuditUnavailable
from handoff.database import DATABASE_ERRORS
from handoff.conversations import (
    NoChannel, NotDelivered, channel_label, current_tracker, latest_channels, recent_senders,
    patient_language, resume_events, send_bot_message, send_staff_reply, transcript,
)
from handoff.housekeeping import Housekeeping
from handoff.outbox import WidgetOutbox
from handoff.sessions import SessionsUnavailable, StaffSession, StaffSessions
from handoff.settings import InboxSettings
from handoff.store import Handoff, HandoffStore, HandoffStoreUnavailable, utc_now
from handoff.web_security import (
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, clear_cookie, network_allowed, new_token,
    same_token, secure_headers, set_cookie, submitted_csrf,
)

logger = logging.getLogger(__name__)

PREFIX = "/webhooks/staff/"
PAGES = ROOT / "web" / "staff"
RECENT_SECONDS = 60 * 60  # "other recent conversations": active in the last hour
RECENT_LISTED = 50  # the newest of them
REFRESH_HEADER = "X-Staff-Refresh"
CHATWOOT = "chatwoot"  # handled in Chatwoot's own inbox


@dataclass
class Conversation:
    key: str
    sender_id: str
    channel: Optional[str]
    handoff: Optional[Handoff]


# A database that fails answers 503 (try again), never 500; the cause is logged where it
# happened, by kind only.
UNAVAILABLE = (HandoffStoreUnavailable, SessionsUnavailable, AccountsUnavailable, AuditUnavailable,
               *DATABASE_ERRORS)


def database_safe(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
    @functools.wraps(handler)
    async def safe(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        try:
            return await handler(request, *args, **kwargs)
        except UNAVAILABLE:
            logger.error("Inbox: the database is unavailable")
            return secure_headers(response.json(
                {"error": "The inbox's database is unavailable. Please try again in a moment."}, status=503))
    return safe


def json_reply(body: Any, status: int = 200) -> HTTPResponse:
    return secure_headers(response.json(body, status=status))


def error(message: str, status: int) -> HTTPResponse:
    return json_reply({"error": message}, status)


def page(name: str, status: int = 200, **values: str) -> HTTPResponse:
    """An HTML page from web/staff/, with {{placeholders}} filled in, escaped."""
    text = (PAGES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value))
    return secure_headers(response.html(text, status=status))


def handoff_view(handoff: Handoff, now: datetime) -> Dict[str, Any]:
    waited_until = handoff.picked_up_at or handoff.closed_at or now
    condition = handoff.condition or ""
    return {
        "status": handoff.status,
        "reason": handoff.reason,
        "reason_label": handoff.reason_label,
        "urgent": handoff.urgent,
        "channel": handoff.channel,
        "channel_label": channel_label(handoff.channel),
        "condition": messages()["condition_names"].get(condition, condition),
        "requested_at": handoff.requested_at.isoformat(),
        "waiting_seconds": int((waited_until - handoff.requested_at).total_seconds()),
        "assigned_to": handoff.assigned_to,
    }


class StaffInboxInput(InputChannel):
    """The staff inbox's pages and API; receives no patient messages of its own."""

    @classmethod
    def name(cls) -> Text:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        self.settings = InboxSettings.from_environment()
        self.store = HandoffStore()
        self.outbox = WidgetOutbox(self.store.database)
        self.accounts = StaffAccounts(self.store.database, self.settings)
        self.sessions = StaffSessions(self.store.database, self.settings)
        self.audit = AuditLog(self.store.database)
        self._housekeeping_task: Optional[asyncio.Task] = None

    # ------------------------------------------------------------ helpers
    def session_of(self, request: Request) -> Optional[StaffSession]:
        activity = request.headers.get(REFRESH_HEADER) != "1"
        return self.sessions.find(request.cookies.get(SESSION_COOKIE), activity=activity)

    async def find_conversation(self, request: Request, key: str) -> Optional[Conversation]:
        for handoff in self.store.active():
            if hash_sender_id(handoff.sender_id) == key:
                return Conversation(key, handoff.sender_id, handoff.channel, handoff)
        agent = request.app.ctx.agent
        for sender_id, _ in recent_senders(agent, time.time() - RECENT_SECONDS):
            if hash_sender_id(sender_id) == key:
                channel = latest_channels(agent, [sender_id]).get(sender_id)
                return None if channel == CHATWOOT else Conversation(key, sender_id, channel, None)
        return None

    def record(self, session: StaffSession, action: str, request: Request,
               conversation: Optional[Conversation] = None) -> None:
        self.audit.record(session.username, action,
                          conversation=conversation.key if conversation else None,
                          handoff_id=conversation.handoff.id if conversation and conversation.handoff else None,
                          client_ip=client_ip(request))

    # ------------------------------------------------------------ the blueprint
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        inbox = Blueprint("staff_inbox", __name__)

        @inbox.listener("after_server_start")
        async def start_housekeeping(app: Any, _loop: Any) -> None:
            housekeeping = Housekeeping(app, self.settings, self.store, self.outbox,
                                        self.accounts, self.sessions)
            self._housekeeping_task = asyncio.get_running_loop().create_task(housekeeping.run_forever())

        @inbox.listener("before_server_stop")
        async def stop_housekeeping(_app: Any, _loop: Any) -> None:
            if self._housekeeping_task is not None:
                self._housekeeping_task.cancel()

        @inbox.middleware("request")
        async def only_allowed_networks(request: Request) -> Optional[HTTPResponse]:
            if not network_allowed(request, self.settings):
                return secure_headers(response.text("Not found", status=404))
            return None

        self._pages(inbox)
        self._api(inbox)
        return inbox

    def _pages(self, inbox: Blueprint) -> None:
        @inbox.route("/", methods=["GET"])
        @database_safe
        async def inbox_page(request: Request) -> HTTPResponse:
            session = self.session_of(request)
            if session is None:
                return secure_headers(response.redirect(PREFIX + "login", status=303))
            return page("inbox.html", csrf_token=session.csrf_token, staff_name=session.display_name)

        @inbox.route("/login", methods=["GET"])
        @database_safe
        async def login_form(request: Request) -> HTTPResponse:
            return self._login_page(request)

        @inbox.route("/login", methods=["POST"])
        @database_safe
        async def login(request: Request) -> HTTPResponse:
            if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), submitted_csrf(request)):
                return self._login_page(request, "Your sign-in form expired. Please try again.", 403)
            username = request.form.get("username") or ""
            password = request.form.get("password") or ""
            address = client_ip(request)
            result = await asyncio.to_thread(self.accounts.sign_in, username, password, address)
            if result.outcome == "locked":
                self.audit.record(result.username or "-", audit.LOGIN_LOCKED_OUT, client_ip=address)
                minutes = int(self.settings.lockout.total_seconds() // 60)
                return self._login_page(
                    request, f"Too many failed sign-ins. Try again in {minutes} minutes, "
                             "or ask an administrator to unlock the account.", 429)
            if not result.ok:
                self.audit.record(result.username or "-", audit.LOGIN_FAILED, client_ip=address)
                return self._login_page(request, "That username and password do not match.", 401)
            token, _ = self.sessions.start(result.username)
            self.audit.record(result.username, audit.LOGIN, client_ip=address)
            logger.info("Inbox: a staff member signed in")
            reply = secure_headers(response.redirect(PREFIX, status=303))
            set_cookie(reply, request, self.settings, SESSION_COOKIE, token)
            clear_cookie(reply, request, self.settings, LOGIN_CSRF_COOKIE)
            return reply

        @inbox.route("/logout", methods=["POST"])
        @database_safe
        async def logout(request: Request) -> HTTPResponse:
            session = self.session_of(request)
            if session is None:
                return secure_headers(response.redirect(PREFIX + "login", status=303))
            if not same_token(session.csrf_token, submitted_csrf(request)):
                return error("missing or wrong CSRF token", 403)
            self.sessions.end(request.cookies.get(SESSION_COOKIE))
            self.record(session, audit.LOGOUT, request)
            reply = secure_headers(response.redirect(PREFIX + "login", status=303))
            clear_cookie(reply, request, self.settings, SESSION_COOKIE)
            return reply

        for asset, content_type in (("inbox.js", "text/javascript"), ("inbox.css", "text/css")):
            self._static(inbox, asset, content_type)

    @staticmethod
    def _static(inbox: Blueprint, asset: str, content_type: str) -> None:
        async def serve(_: Request) -> HTTPResponse:
            body = (PAGES / asset).read_text(encoding="utf-8")
            return secure_headers(response.text(body, content_type=f"{content_type}; charset=utf-8"))

        inbox.add_route(serve, f"/{asset}", methods=["GET"], name=asset.replace(".", "_"))

    def _login_page(self, request: Request, message: str = "", status: int = 200) -> HTTPResponse:
        token = new_token()
        reply = page("login.html", status=status, login_csrf=token, message=message)
        set_cookie(reply, request, self.settings, LOGIN_CSRF_COOKIE, token)
        return reply

    def _api(self, inbox: Blueprint) -> None:
        def signed_in(handler: Callable[..., Awaitable[HTTPResponse]], changes: bool = False) -> Callable:
            @database_safe
            async def checked(request: Request, **kwargs: Any) -> HTTPResponse:
                session = self.session_of(request)
                if session is None:
                    return error("Please sign in.", 401)
                if changes and not same_token(session.csrf_token, submitted_csrf(request)):
                    logger.warning("Inbox: refused a request without a valid CSRF token")
                    return error("missing or wrong CSRF token", 403)
                try:
                    return await handler(request, session, **kwargs)
                except AuditUnavailable:
                    return error("The audit log could not be written, so nothing was done. "
                                 "Please try again.", 503)
            checked.__name__ = handler.__name__  # the route's name
            return checked

        async def queue(request: Request, session: StaffSession) -> HTTPResponse:
            now = utc_now()
            active = self.store.active()
            handed = {handoff.sender_id for handoff in active}
            listed = [(sender_id, last) for sender_id, last in recent_senders(
                request.app.ctx.agent, time.time() - RECENT_SECONDS, limit=RECENT_LISTED)
                if sender_id not in handed]
            channels = latest_channels(request.app.ctx.agent, [sender_id for sender_id, _ in listed])
            recent = [
                {"conversation": hash_sender_id(sender_id), "channel": channels.get(sender_id),
                 "channel_label": channel_label(channels.get(sender_id)),
                 "idle_seconds": int(time.time() - last)}
                for sender_id, last in listed if channels.get(sender_id) != CHATWOOT
            ]
            handoffs = [{"conversation": hash_sender_id(h.sender_id), **handoff_view(h, now)} for h in active]
            # Waiting ones first, oldest first; then the ones staff have.
            handoffs.sort(key=lambda h: (h["status"] != tables.WAITING, h["requested_at"]))
            return json_reply({"handoffs": handoffs, "recent": recent})

        async def conversation(request: Request, session: StaffSession, key: str) -> HTTPResponse:
            found = await self.find_conversation(request, key)
            if found is None:
                return error("No such conversation in the inbox.", 404)
            self.record(session, audit.TRANSCRIPT_OPENED, request, found)
            return json_reply(await self._details(request, found, after=0.0))

        async def new_messages(request: Request, session: StaffSession, key: str) -> HTTPResponse:
            try:
                after = float(request.args.get("after", "0"))
            except ValueError:
                return error("'after' must be a time stamp", 400)
            found = await self.find_conversation(request, key)
            if found is None:
                return error("No such conversation in the inbox.", 404)
            if not self.audit.recorded(session.username, audit.TRANSCRIPT_OPENED, key, session.created_at):
                self.record(session, audit.TRANSCRIPT_OPENED, request, found)
            return json_reply(await self._details(request, found, after=after))

        async def take_over(request: Request, session: StaffSession, key: str) -> HTTPResponse:
            found = await self.find_conversation(request, key)
            if found is None:
                return error("No such conversation in the inbox.", 404)
            if found.handoff is not None:
                self.store.pick_up(found.handoff.id, session.username)
                self.record(session, audit.TOOK_OVER, request, found)
                return json_reply({"ok": True})
            tracker = await current_tracker(request.app.ctx.agent, found.sender_id)
            slots = tracker.current_slot_values() if tracker else {}
            found.handoff = self.store.take_over(found.sender_id, found.channel or "rest", session.username,
                                                 condition=slots.get("condition"),
                                                 location_id=slots.get("location"))
            self.record(session, audit.TOOK_OVER, request, found)
            logger.info("Inbox: staff took a conversation over")
            language = patient_language(tracker)
            await send_bot_message(request.app, found.sender_id, found.channel, self.outbox,
                                   messages(language)["handoff"]["staff_joined"], before=[ConversationPaused()],
                                   language=language)
            return json_reply({"ok": True})

        async def reply(request: Request, session: StaffSession, key: str) -> HTTPResponse:
            body = request.json if (request.content_type or "").startswith("application/json") else None
            text = body.get("text") if isinstance(body, dict) else None
            if not isinstance(text, str):
                return error("Send the reply as JSON: {\"text\": \"...\"}", 400)
            text = clean_text(text).strip()
            if not text or len(text) > MAX_MESSAGE_CHARS:
                return error(f"A reply needs 1 to {MAX_MESSAGE_CHARS} characters.", 400)
            found = await self.find_conversation(request, key)
            if found is None:
                return error("No such conversation in the inbox.", 404)
            if found.handoff is None:
                return error("Take the conversation over first.", 409)
            self.record(session, audit.REPLY_SENT, request, found)
            self.store.pick_up(found.handoff.id, session.username)
            try:
                await send_staff_reply(request.app, found.sender_id, found.channel, self.outbox, text,
                                       session.display_name)
            except (NotDelivered, NoChannel) as problem:
                logger.error("Inbox: a staff reply was stored but not delivered (%s)", problem)
                return error("Your reply is in the conversation, but the patient's messaging service "
                             f"did not accept it ({problem}). Please try again, or phone the patient.", 502)
            logger.info("Inbox: staff replied")
            return json_reply({"ok": True})

        def closing(status: str, action: str, message_key: str) -> Callable:
            async def close(request: Request, session: StaffSession, key: str) -> HTTPResponse:
                found = await self.find_conversation(request, key)
                if found is None or found.handoff is None:
                    return error("This conversation is not with staff.", 409)
                if not self.store.close(found.handoff.id, status):
                    return error("Someone else closed it already.", 409)
                self.record(session, action, request, found)
                tracker = await current_tracker(request.app.ctx.agent, found.sender_id)
                language = patient_language(tracker)
                await send_bot_message(request.app, found.sender_id, found.channel, self.outbox,
                                       messages(language)["handoff"][message_key], before=resume_events(tracker),
                                       language=language)
                logger.info("Inbox: a conversation was %s", status.replace("_", " "))
                return json_reply({"ok": True})
            close.__name__ = f"close_{status}"
            return close

        base = "/api/conversations/<key:str>"
        routes = [
            ("/api/queue", "GET", signed_in(queue)),
            (base, "GET", signed_in(conversation)),
            (base + "/messages", "GET", signed_in(new_messages)),
            (base + "/take-over", "POST", signed_in(take_over, changes=True)),
            (base + "/reply", "POST", signed_in(reply, changes=True)),
            (base + "/hand-back", "POST", signed_in(
                closing(tables.HANDED_BACK, audit.HANDED_BACK, "handed_back"), changes=True)),
            (base + "/resolve", "POST", signed_in(
                closing(tables.RESOLVED, audit.RESOLVED, "resolved"), changes=True)),
        ]
        for uri, method, handler in routes:
            inbox.add_route(handler, uri, methods=[method], name=handler.__name__)

    async def _details(self, request: Request, found: Conversation, after: float) -> Dict[str, Any]:
        tracker = await current_tracker(request.app.ctx.agent, found.sender_id)
        handoff = self.store.active_for(found.sender_id)
        condition = (tracker.get_slot("condition") if tracker else None) or ""
        return {
            "conversation": found.key,
            "channel": found.channel,
            "channel_label": channel_label(found.channel),
            "condition": messages()["condition_names"].get(condition, condition),
            "handoff": handoff_view(handoff, utc_now()) if handoff else None,
            "messages": transcript(tracker, after) if tracker else [],
        }

