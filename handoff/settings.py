"""The staff inbox's settings, from the environment (read once per process).

    STAFF_SESSION_IDLE_MINUTES   sign out after this long without a staff action (15)
    STAFF_SESSION_MAX_HOURS      sign out after this long whatever happens (12)
    STAFF_LOGIN_MAX_FAILURES     failed sign-ins before an account is locked (5)
    STAFF_LOGIN_LOCKOUT_MINUTES  how long the lock lasts, and the window failures
                                 are counted in (15)
    STAFF_COOKIE_SECURE          auto (default: Secure when the request came over
                                 HTTPS, directly or through a proxy that says so
                                 with X-Forwarded-Proto) or true (always)
    STAFF_ALLOWED_NETWORKS       optional comma-separated networks (CIDR) the inbox
                                 answers; others get 404, e.g. the clinic's VPN
                                 "10.8.0.0/16,127.0.0.1/32". The client address is
                                 the one connectors/guard.py uses (X-Forwarded-For
                                 only with BOT_TRUST_X_FORWARDED_FOR=true).
    STAFF_INBOX_URL              the inbox's address, for links in notifications
    HANDOFF_CHECK_SECONDS        how often each server looks for waits to close
                                 and staff to alert (5)
"""
import ipaddress
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import List, Optional, Union

logger = logging.getLogger(__name__)

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        logger.error("%s is not a number; using %s", name, default)
        return default
    if value <= 0:
        logger.error("%s must be above 0; using %s", name, default)
        return default
    return value


def _networks(raw: str) -> List[Network]:
    networks = []
    for part in raw.split(","):
        if part.strip():
            # A mistyped network must stop the start, not silently open the inbox.
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
    return networks


@dataclass(frozen=True)
class InboxSettings:
    idle_timeout: timedelta = timedelta(minutes=15)
    max_session: timedelta = timedelta(hours=12)
    max_failed_logins: int = 5
    lockout: timedelta = timedelta(minutes=15)
    always_secure_cookie: bool = False
    allowed_networks: List[Network] = field(default_factory=list)
    inbox_url: Optional[str] = None
    check_seconds: float = 5.0

    @property
    def max_failed_logins_per_address(self) -> int:
        # Many names tried from one address: password spraying.
        return 4 * self.max_failed_logins

    @classmethod
    def from_environment(cls) -> "InboxSettings":
        return cls(
            idle_timeout=timedelta(minutes=_number("STAFF_SESSION_IDLE_MINUTES", 15)),
            max_session=timedelta(hours=_number("STAFF_SESSION_MAX_HOURS", 12)),
            max_failed_logins=int(_number("STAFF_LOGIN_MAX_FAILURES", 5)),
            lockout=timedelta(minutes=_number("STAFF_LOGIN_LOCKOUT_MINUTES", 15)),
            always_secure_cookie=os.environ.get("STAFF_COOKIE_SECURE", "").strip().lower() == "true",
            allowed_networks=_networks(os.environ.get("STAFF_ALLOWED_NETWORKS", "")),
            inbox_url=os.environ.get("STAFF_INBOX_URL", "").strip() or None,
            check_seconds=_number("HANDOFF_CHECK_SECONDS", 5),
        )

    def allows_address(self, address: str) -> bool:
        if not self.allowed_networks:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.allowed_networks)
