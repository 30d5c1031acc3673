"""Server-wide hardening the REST channel installs when the server starts.

Rasa's `GET /` answers "Hello from Rasa: <version>", which tells an attacker
exactly which known bugs to try. Sanic 21.12 has no way to replace a route
once added, so a request middleware answers `/` first, without a version; a
response middleware drops any `Server` header and stops content sniffing.

Blueprints cannot add app-wide middleware themselves (theirs only covers their
own routes), hence the `before_server_start` listener, which gets the app.
"""
import logging
from typing import Any, Optional

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

PUBLIC_ROOT_TEXT = "OK"


async def answer_root_without_version(request: Request) -> Optional[HTTPResponse]:
    if request.path == "/" and request.method in ("GET", "HEAD"):
        return response.text(PUBLIC_ROOT_TEXT)
    return None


async def drop_revealing_headers(_: Request, reply: Any) -> None:
    headers = getattr(reply, "headers", None)
    if headers is None:
        return
    for name in ("Server", "X-Powered-By"):
        headers.pop(name, None)
    headers.setdefault("X-Content-Type-Options", "nosniff")


def harden(app: Sanic) -> None:
    """Adds the middleware to `app` (once, even if called again)."""
    if getattr(app.ctx, "clinic_hardened", False):
        return
    app.register_middleware(answer_root_without_version, "request")
    app.register_middleware(drop_revealing_headers, "response")
    app.ctx.clinic_hardened = True
    logger.info("Installed the server hardening middleware")


def install_on_start(blueprint: Blueprint) -> None:
    """Hardens whichever app `blueprint` ends up registered on, before it serves."""

    @blueprint.listener("before_server_start")
    async def _harden(app: Sanic, _loop: Any) -> None:
        harden(app)
