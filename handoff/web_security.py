"""The staff inbox's web safeguards: cookies, CSRF, headers, which networks may reach it.

- The session cookie is HttpOnly (scripts cannot read it), SameSite=Strict
  (never sent with a request another site starts), scoped to /webhooks/staff/,
  and Secure when the request came over HTTPS (or always, with STAFF_COOKIE_SECURE=true).
- Every state-changing request (POST) must carry the session's CSRF token, in
  the X-CSRF-Token header (the inbox's script) or a csrf_token form field (the
  sign-in and sign-out forms); the sign-in form's token sits in a cookie of its own
  (double submit). A request without it gets 403.
- Every response is marked not to be cached or framed, with a strict
  Content-Security-Policy (scripts and styles from this server only).
"""
import hmac
import secrets
from typing import Any, Optional

from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.guard import client_ip
from handoff.settings import InboxSettings

SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
COOKIE_PATH = "/webhooks/staff/"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


def secure_headers(reply: HTTPResponse) -> HTTPResponse:
    for name, value in HEADERS.items():
        reply.headers[name] = value
    return reply


def came_over_https(request: Request, settings: InboxSettings) -> bool:
    # Trusting X-Forwarded-Proto here is safe: it can only add the Secure flag.
    forwarded = (request.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
    return settings.always_secure_cookie or request.scheme == "https" or forwarded == "https"


def set_cookie(reply: HTTPResponse, request: Request, settings: InboxSettings, name: str,
               value: str, max_age: Optional[int] = None) -> None:
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["path"] = COOKIE_PATH
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if came_over_https(request, settings):
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def clear_cookie(reply: HTTPResponse, request: Request, settings: InboxSettings, name: str) -> None:
    set_cookie(reply, request, settings, name, "", max_age=0)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: Optional[str], given: Optional[Any]) -> bool:
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def submitted_csrf(request: Request) -> Optional[str]:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if (request.content_type or "").startswith("application/x-www-form-urlencoded"):
        return request.form.get(CSRF_FIELD)
    return None


def network_allowed(request: Request, settings: InboxSettings) -> bool:
    return settings.allows_address(client_ip(request))
