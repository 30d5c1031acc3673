"""Loopback stand-ins for what the hand-off talks to outside the clinic's servers:

- FakeChatwoot: Chatwoot's application API as an Agent Bot uses it, per Chatwoot's
  documentation (swagger/paths/application/conversation/messages/create.yml and
  toggle_status.yml; the `api_access_token` header): create a message in a
  conversation, toggle a conversation's status. It also keeps each conversation's
  status, as Chatwoot does, and builds the webhook calls Chatwoot sends an Agent
  Bot (docs/product/others/webhook-events.md: message_created, conversation_resolved),
  signed like Chatwoot signs them (X-Chatwoot-Timestamp, X-Chatwoot-Signature).
- FakeSlackWebhook: a Slack incoming webhook (answers "ok").
- MailCatcher: a real SMTP server (aiosmtpd) that keeps what it receives.
"""
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

from aiosmtpd.controller import Controller

from local_services.processes import free_port

CONVERSATION_PATH = re.compile(r"^/api/v1/accounts/(\d+)/conversations/(\d+)/(messages|toggle_status)$")
STATUSES = ("open", "resolved", "pending", "snoozed")


class _Server:
    """A threaded HTTP server on 127.0.0.1 whose POSTs go to `answer(path, headers, body)`."""

    def __init__(self, answer: Callable[[str, Dict[str, str], bytes], Tuple[int, Any]]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reply = answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                data = reply.encode() if isinstance(reply, str) else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if isinstance(reply, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.http.shutdown()
        self.http.server_close()


@dataclass
class ChatwootCall:
    account: str
    conversation: str
    action: str  # "messages" or "toggle_status"
    token: Optional[str]
    body: Dict[str, Any]


class FakeChatwoot(_Server):
    def __init__(self, token: str, secret: str, account: str = "1") -> None:
        super().__init__(self._answer)
        self.token, self.secret, self.account = token, secret, account
        self.calls: List[ChatwootCall] = []
        self.status: Dict[str, str] = {}  # conversation id -> status
        self._next_id = 1000
        self._lock = threading.Lock()

    # -- the API -------------------------------------------------------------
    def _answer(self, path: str, headers: Dict[str, str], body: bytes) -> Tuple[int, Any]:
        match = CONVERSATION_PATH.match(path)
        if not match:
            return 404, {"error": "Resource could not be found"}
        account, conversation, action = match.groups()
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 400, {"error": "Invalid JSON"}
        with self._lock:
            self.calls.append(ChatwootCall(account, conversation, action, headers.get("api_access_token"), payload))
            if headers.get("api_access_token") != self.token or account != self.account:
                return 401, {"error": "You need to sign in or sign up before continuing."}
            if action == "toggle_status":
                if payload.get("status") not in STATUSES:
                    return 422, {"error": "invalid status"}
                self.status[conversation] = payload["status"]
                return 200, {"meta": {}, "payload": {"success": True, "current_status": payload["status"],
                                                     "conversation_id": int(conversation)}}
            if not isinstance(payload.get("content"), str) or payload.get("message_type") not in (None, "outgoing"):
                return 422, {"error": "content is required"}
            self._next_id += 1
            return 200, {"id": self._next_id, "content": payload["content"], "message_type": 1,
                         "content_type": "text", "private": bool(payload.get("private")),
                         "conversation_id": int(conversation), "created_at": int(time.time())}

    def messages_to(self, conversation: str) -> List[str]:
        with self._lock:
            return [c.body["content"] for c in self.calls
                    if c.conversation == conversation and c.action == "messages"]

    def status_changes(self, conversation: str) -> List[str]:
        with self._lock:
            return [c.body.get("status") for c in self.calls
                    if c.conversation == conversation and c.action == "toggle_status"]

    # -- the webhook calls Chatwoot makes --------------------------------------
    def message_created(self, conversation: str, content: str, message_type: str = "incoming",
                        private: bool = False) -> Dict[str, Any]:
        """A message_created event as documented; the status is the conversation's current one."""
        status = self.status.setdefault(conversation, "pending")  # an Agent Bot inbox starts pending
        self._next_id += 1
        return {
            "id": self._next_id, "content": content, "created_at": "2026-12-02T15:00:00.000Z",
            "message_type": message_type, "content_type": "text", "private": private,
            "content_attributes": {}, "source_id": None,
            "sender": {"id": 14, "name": "little-haze-776", "avatar": "", "type": "contact"},
            "inbox": {"id": 1, "name": "Clinic website"},
            "conversation": {
                "additional_attributes": {}, "can_reply": True, "channel": "Channel::WebWidget",
                "id": int(conversation), "inbox_id": 1, "status": status, "unread_count": 1,
                "contact_inbox": {"id": 12, "contact_id": 14, "inbox_id": 1, "source_id": "405f1d30"},
                "meta": {"sender": {"id": 14, "name": "little-haze-776", "type": "contact"}},
                "timestamp": int(time.time()),
            },
            "account": {"id": int(self.account), "name": "Harbor View"},
            "event": "message_created",
        }

    def conversation_resolved(self, conversation: str) -> Dict[str, Any]:
        self.status[conversation] = "resolved"
        return {"additional_attributes": {}, "can_reply": True, "channel": "Channel::WebWidget",
                "id": int(conversation), "inbox_id": 1, "messages": [], "meta": {},
                "status": "resolved", "unread_count": 0, "timestamp": int(time.time()),
                "event": "conversation_resolved"}

    def signed(self, payload: Dict[str, Any], secret: Optional[str] = None,
               timestamp: Optional[int] = None) -> Tuple[bytes, Dict[str, str]]:
        """The body and headers of Chatwoot's call: HMAC-SHA256 of "<timestamp>.<body>"."""
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        digest = hmac.new((secret or self.secret).encode(), stamp.encode() + b"." + body, hashlib.sha256)
        return body, {"Content-Type": "application/json", "X-Chatwoot-Timestamp": stamp,
                      "X-Chatwoot-Signature": "sha256=" + digest.hexdigest(),
                      "X-Chatwoot-Delivery": f"delivery-{stamp}"}


class FakeSlackWebhook(_Server):
    def __init__(self) -> None:
        super().__init__(self._answer)
        self.posts: List[Dict[str, Any]] = []

    def _answer(self, path: str, headers: Dict[str, str], body: bytes) -> Tuple[int, Any]:
        self.posts.append(json.loads(body))
        return 200, "ok"


class MailCatcher:
    """aiosmtpd on 127.0.0.1, keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: List[Message] = []
        catcher = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                catcher.messages.append(message_from_bytes(envelope.content))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "MailCatcher":
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()
