"""Rate limits per sender and per client IP: the limiter itself, then a live server with low limits.

The live server (its own process: the limits are what is under test) runs with
BOT_RATE_LIMIT_PER_SENDER=3, BOT_RATE_LIMIT_PER_IP=5 in a 5-second window and
trusts X-Forwarded-For (as behind a proxy), so tests can speak from several
client addresses. Messages are blank where only counting matters: they are
answered at once, without NLU. Limits shared by replicas through Redis are
checked in tests/test_replicas.py.
"""
import time
import uuid
from pathlib import Path
from typing import Dict, Optional

import pytest
import requests

from clinic.config import messages
from connectors import guard
from connectors.guard import RateLimits, SlidingWindowLimiter
from tests.fake_platforms import FakePlatforms
from tests.platforms import QUESTION, Sms, Telegram, about_migraine, channel_credentials
from tests.servers import action_server, rasa_server

pytestmark = pytest.mark.unit

PER_SENDER, PER_IP, WINDOW = 3, 5, 5
RATE_LIMITED = messages()["input"]["rate_limited"]
EMPTY = messages()["input"]["empty"]


# ---------------------------------------------------------------------------
# The limiter (no server)
# ---------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sliding_window_allows_the_limit_then_refuses_until_the_oldest_expires():
    clock = Clock()
    limiter = SlidingWindowLimiter(3, 60, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b"), "another key has its own window"
    assert limiter.retry_after("a") == 60
    clock.now += 30
    assert not limiter.allow("a") and limiter.retry_after("a") == 30
    clock.now += 30.01
    assert limiter.allow("a")


def test_refused_messages_do_not_extend_the_wait():
    clock = Clock()
    limiter = SlidingWindowLimiter(1, 10, clock=clock)
    assert limiter.allow("a")
    for _ in range(50):
        clock.now += 0.1
        assert not limiter.allow("a")
    clock.now += 5.1
    assert limiter.allow("a")


def test_the_limiter_forgets_the_least_recently_used_keys():
    limiter = SlidingWindowLimiter(1, 60, max_keys=3, clock=Clock())
    for key in "abcde":
        assert limiter.allow(key)
    assert limiter.allow("a"), "forgotten, so allowed again"
    assert not limiter.allow("e")


def test_an_ip_over_its_limit_refuses_every_sender_from_it():
    limits = RateLimits(SlidingWindowLimiter(10, 60, clock=Clock()), SlidingWindowLimiter(2, 60, clock=Clock()))
    assert limits.allow("s1", "203.0.113.1") and limits.allow("s2", "203.0.113.1")
    assert not limits.allow("s3", "203.0.113.1")
    assert limits.allow("s3", "203.0.113.2") and limits.allow("s3", None)


class StubRequest:
    def __init__(self, ip: str, forwarded_for: Optional[str] = None) -> None:
        self.ip = ip
        self.headers: Dict[str, str] = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}


def test_x_forwarded_for_is_ignored_unless_trusted(monkeypatch):
    monkeypatch.delenv("BOT_TRUST_X_FORWARDED_FOR", raising=False)
    assert guard.client_ip(StubRequest("198.51.100.9", "203.0.113.1")) == "198.51.100.9"
    assert guard.ip_to_limit(StubRequest("127.0.0.1", "203.0.113.1")) is None, "loopback: not limited per IP"
    monkeypatch.setenv("BOT_TRUST_X_FORWARDED_FOR", "true")
    # The rightmost address is the one our proxy added; the rest is what the client claimed.
    assert guard.client_ip(StubRequest("127.0.0.1", "1.2.3.4, 203.0.113.1")) == "203.0.113.1"
    assert guard.ip_to_limit(StubRequest("127.0.0.1", "203.0.113.1")) == "203.0.113.1"
    assert guard.ip_to_limit(StubRequest("127.0.0.1")) is None
    assert guard.ip_to_limit(StubRequest("198.51.100.9")) == "198.51.100.9"


# ---------------------------------------------------------------------------
# A live server with low limits
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fake() -> FakePlatforms:
    with FakePlatforms() as platforms:
        yield platforms


@pytest.fixture(scope="module")
def server(fake: FakePlatforms, artifacts: Path, tmp_path_factory) -> str:
    workdir = tmp_path_factory.mktemp("rate-limit")
    limits = {"BOT_RATE_LIMIT_PER_SENDER": str(PER_SENDER), "BOT_RATE_LIMIT_PER_IP": str(PER_IP),
              "BOT_RATE_LIMIT_WINDOW_SECONDS": str(WINDOW), "BOT_TRUST_X_FORWARDED_FOR": "true"}
    bookings = {"BOOKINGS_DATABASE_URL": f"sqlite:///{workdir / 'bookings.db'}"}
    with action_server(artifacts, env=bookings) as action_url:
        with rasa_server(artifacts, action_url, channel_credentials(fake, ("twilio", "telegram")),
                         env=limits) as url:
            yield url


def post(server: str, sender: str, message: str = "", ip: Optional[str] = None) -> requests.Response:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return requests.post(f"{server}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                         headers=headers, timeout=30)


@pytest.mark.system
def test_rest_limits_each_sender_with_a_429_the_widget_can_show(server: str):
    sender = f"fast-{uuid.uuid4()}"
    statuses = [post(server, sender).status_code for _ in range(PER_SENDER)]
    assert statuses == [200] * PER_SENDER
    refused = post(server, sender, "Does Botox help migraines?")
    assert refused.status_code == 429
    assert refused.json() == [{"recipient_id": sender, "text": RATE_LIMITED}]
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW
    assert post(server, f"other-{uuid.uuid4()}").status_code == 200, "other senders are not affected"


@pytest.mark.system
def test_a_spanish_speaker_over_the_limit_is_told_in_spanish(server: str):
    sender = f"rapido-{uuid.uuid4()}"
    for _ in range(PER_SENDER):
        post(server, sender, "hola")
    refused = post(server, sender, "¿El botox sirve para la migraña?")
    assert refused.status_code == 429
    assert refused.json() == [{"recipient_id": sender, "text": "Está enviando mensajes más rápido de lo que "
                               "puedo responder. Espere un minuto y vuelva a intentarlo."}]


@pytest.mark.system
def test_rest_limits_each_client_ip_across_senders(server: str):
    ip = "203.0.113.7"
    statuses = [post(server, f"ip-{uuid.uuid4()}", ip=ip).status_code for _ in range(PER_IP)]
    assert statuses == [200] * PER_IP
    assert post(server, f"ip-{uuid.uuid4()}", ip=ip).status_code == 429
    # A client cannot escape by claiming another address: the proxy's (rightmost) entry counts.
    assert post(server, f"ip-{uuid.uuid4()}", ip=f"198.51.100.1, {ip}").status_code == 429
    assert post(server, f"ip-{uuid.uuid4()}", ip="203.0.113.8").status_code == 200


@pytest.mark.system
def test_a_limited_sender_gets_through_again_after_the_window(server: str):
    sender = f"patient-{uuid.uuid4()}"
    for _ in range(PER_SENDER):
        post(server, sender)
    assert post(server, sender).status_code == 429
    time.sleep(WINDOW + 0.5)
    answer = post(server, sender, "Does Botox help migraines?")
    assert answer.status_code == 200 and "migraine" in answer.text.lower()


@pytest.mark.system
@pytest.mark.parametrize("platform_class", [Sms, Telegram], ids=lambda c: c.__name__)
def test_a_channel_sender_over_the_limit_is_told_once_and_not_answered(platform_class, server, fake):
    platform = platform_class(server)
    sender = platform.new_sender()
    for _ in range(PER_SENDER + 3):
        assert platform.post(platform.message(sender, "  ")).status_code == 200
    fake.wait_for(platform.name, sender, lambda r: r.text == RATE_LIMITED, timeout=20)
    # Once the window has passed, a question is answered again; by the time its
    # answer arrives, the refused messages would have been answered too.
    time.sleep(WINDOW + 0.5)
    assert platform.post(platform.message(sender, QUESTION)).status_code == 200
    fake.wait_for(platform.name, sender, about_migraine, timeout=30)
    replies = [r.text for r in fake.received(platform.name, sender)]
    answer = [text for text in replies if text not in (EMPTY, RATE_LIMITED)]
    assert sorted(set(replies) - set(answer)) == sorted({EMPTY, RATE_LIMITED})
    assert replies.count(EMPTY) == PER_SENDER and replies.count(RATE_LIMITED) == 1, replies
    assert answer and all(text in replies[-len(answer):] for text in answer), "answered last"
