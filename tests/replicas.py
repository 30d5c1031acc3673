"""Two Rasa replicas, started once for both replica modules (tests/test_replicas.py,
tests/test_handoff_replicas.py), as a clinic scales: they share the conversations
(PostgreSQL tracker store), the locks and the rate limits (Redis), the hand-off and
bookings databases (PostgreSQL) and one action server. Staff are always on duty.
Each module's tests use fresh senders, so they stay independent.
"""
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, List, NamedTuple

from local_services.postgres import create_database
from tests.fake_handoff_services import FakeChatwoot, FakeSlackWebhook, MailCatcher
from tests.fake_platforms import FakePlatforms
from tests.handoff_helpers import Staff, clinic_always_staffed, create_staff_user
from tests.platforms import channel_credentials
from tests.servers import action_server, rasa_server

# Counted in Redis, so both replicas together allow this many, not twice as many.
PER_SENDER_LIMIT = 12
WAIT_TIMEOUT_MINUTES = 0.4  # a wait nobody picks up ends after 24 seconds
CHATWOOT_TOKEN, CHATWOOT_SECRET = "chatwoot-bot-token", "chatwoot-bot-secret"
STAFF_ADDRESS = "front-desk@harborview-clinic.example"


class Replicas(NamedTuple):
    a: str  # base URLs of the two Rasa servers
    b: str
    tracker_url: str  # SQLAlchemy URLs in the shared PostgreSQL
    bookings_url: str
    handoff_url: str
    redis_url: str
    key_file: Path  # the key both servers use to name conversations
    fake: FakePlatforms  # Telegram's and Twilio's APIs
    chatwoot: FakeChatwoot
    mail: MailCatcher  # staff alerts by e-mail
    slack: FakeSlackWebhook  # and by Slack
    staff_a: Staff  # one staff member signed in, through either replica
    staff_b: Staff


def start_together(stack: ExitStack, servers: list) -> List[str]:
    """Enters context managers in parallel, as replicas start; `stack` stops them."""
    with ThreadPoolExecutor(len(servers)) as pool:
        futures = [pool.submit(server.__enter__) for server in servers]
    urls, problems = [], []
    for server, future in zip(servers, futures):
        try:
            urls.append(future.result())
            stack.push(server.__exit__)
        except Exception as problem:  # noqa: BLE001 - re-raised below
            problems.append(problem)
    if problems:
        raise problems[0]
    return urls


@contextmanager
def two_replicas(artifacts: Path, postgres_cluster: str, redis_url: str) -> Iterator[Replicas]:
    work = artifacts / f"replicas-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    # Every database in the same PostgreSQL server, as in a deployment where the
    # clinic runs one database server.
    tracker_url, bookings_url, handoff_url = (create_database(postgres_cluster) for _ in range(3))
    with ExitStack() as stack:
        fake = stack.enter_context(FakePlatforms())
        chatwoot = stack.enter_context(FakeChatwoot(CHATWOOT_TOKEN, CHATWOOT_SECRET))
        mail = stack.enter_context(MailCatcher())
        slack = stack.enter_context(FakeSlackWebhook())
        shared = {
            "HANDOFF_DATABASE_URL": handoff_url,
            "BOOKINGS_DATABASE_URL": bookings_url,
            "SENDER_HASH_KEY_FILE": str(work / "sender-hash.key"),
            "CLINIC_FILE": str(clinic_always_staffed(work / "clinic.yml", WAIT_TIMEOUT_MINUTES)),
        }
        action_url = stack.enter_context(action_server(work, env=shared))
        rasa_env = {
            **shared,
            "TRACKER_STORE_URL": tracker_url, "LOCK_STORE_URL": redis_url,
            "BOT_RATE_LIMIT_PER_SENDER": str(PER_SENDER_LIMIT),
            "HANDOFF_CHECK_SECONDS": "1",
            "HANDOFF_SMTP_HOST": "127.0.0.1", "HANDOFF_SMTP_PORT": str(mail.port),
            "HANDOFF_SMTP_SECURITY": "none", "HANDOFF_NOTIFY_EMAIL_TO": STAFF_ADDRESS,
            "HANDOFF_SLACK_WEBHOOK_URL": f"{slack.url}/services/T000/B000/XXXX",
            "STAFF_INBOX_URL": "https://clinic.example.org/webhooks/staff/",
        }
        credentials = {
            **channel_credentials(fake, channels=("telegram", "twilio")),
            "handoff.inbox.StaffInboxInput": {},
            "connectors.chatwoot.ChatwootChannel": {
                "bot_token": CHATWOOT_TOKEN, "webhook_secret": CHATWOOT_SECRET, "account_id": "1",
                "api_base": chatwoot.url},
        }
        # Started side by side, as replicas are: it halves the wait and also covers
        # two servers creating the tracker store's tables at the same moment.
        a, b = start_together(stack, [rasa_server(work, action_url, credentials=credentials, env=rasa_env)
                                      for _ in range(2)])
        create_staff_user(handoff_url, "dana", name="Dana")
        staff_a, staff_b = Staff(a), Staff(b)
        assert staff_b.sign_in("dana").status_code == 200
        staff_a.http.cookies.update(staff_b.http.cookies)  # one browser, two replicas behind a balancer
        staff_a.csrf = staff_b.csrf
        yield Replicas(a, b, tracker_url, bookings_url, handoff_url, redis_url,
                       work / "sender-hash.key", fake, chatwoot, mail, slack, staff_a, staff_b)
