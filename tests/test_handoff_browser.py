"""A patient in the website widget and a staff member in the inbox: two Chromium
contexts on the shared stack, the staff member using the keyboard alone.

1. the hand-off (staff take the conversation over from the inbox);
2. the staff reply appears in the widget (the time it takes is measured);
3. the patient's answer appears in the inbox, without a reload;
4. staff hand back, and the bot answers again.
Also: axe-core finds no serious or critical violation in the inbox, and the
screenshots of both sides go to tests/artifacts/ (copies are in docs/handoff/).
"""
import json
import statistics
import uuid
from collections import Counter
from typing import Iterator, List, Tuple

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.handoff_helpers import STAFF_PASSWORD, conversation_key, create_staff_user
from tests.infrastructure import ARTIFACTS

pytestmark = pytest.mark.e2e

ANSWER_TIMEOUT_MS = 60_000
STAFF_MESSAGE_TIMEOUT_MS = 30_000  # the widget checks every second during a hand-off, else every 15 s
# Staff replies, each timed from the key press that sends it to its display in the widget.
STAFF_REPLIES = [
    "Hi, this is Dana from the clinic. I can help with your questions about migraine.",
    "Dr. Ellison, our neurologist, sees migraine patients at Back Bay and Cambridge.",
    "A first visit takes about 45 minutes.",
    "Please bring a list of the medicines you take.",
    "Is there anything else you would like to ask?",
]


class Problems:
    """Uncaught errors and CSP violations on a page."""

    def __init__(self, page: Page) -> None:
        self.found: List[str] = []
        page.on("pageerror", lambda error: self.found.append(str(error)))
        page.on("console", lambda m: self.found.append(m.text) if "Content Security Policy" in m.text else None)


@pytest.fixture
def two_people(browser: Browser, stack) -> Iterator[Tuple[Page, Page]]:
    patient = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce").new_page()
    staff = browser.new_context(viewport={"width": 1440, "height": 900}, reduced_motion="reduce").new_page()
    problems = [Problems(patient), Problems(staff)]
    yield patient, staff
    patient.context.close()
    staff.context.close()
    for found in problems:
        assert not found.found, found.found


def press_tab_until(page: Page, selector_test: str, limit: int = 300) -> None:
    """Tabs through the page until `selector_test` (JS on document.activeElement) is true."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return Boolean({selector_test}); }})()"):
            return
    raise AssertionError(f"never reached by Tab: {selector_test}")


def widget_log(page: Page):
    return page.get_by_role("log", name="Conversation")


def test_patient_in_the_widget_and_staff_in_the_inbox(two_people, stack):
    patient, staff = two_people
    username = f"browser-{uuid.uuid4().hex[:6]}"
    create_staff_user(stack.handoff_url, username, name="Dana")

    # The patient asks a question in the widget.
    patient.goto(f"{stack.url}/webhooks/widget/")
    patient.get_by_role("button", name="Chat with us").click()
    patient.get_by_label("Your question").fill("Does Botox help migraines?")
    patient.get_by_label("Your question").press("Enter")
    expect(widget_log(patient).locator(".ccw-msg-bot").first).to_contain_text("migraine", timeout=ANSWER_TIMEOUT_MS)
    sender = patient.evaluate("sessionStorage.getItem('clinic-chat-sender')")
    key = conversation_key(stack.sender_hash_key_file, sender)

    # Staff sign in with the keyboard alone.
    staff.goto(f"{stack.url}/webhooks/staff/")
    expect(staff).to_have_url(f"{stack.url}/webhooks/staff/login")
    press_tab_until(staff, "el.id === 'username'")
    staff.keyboard.type(username)
    staff.keyboard.press("Tab")
    staff.keyboard.type(STAFF_PASSWORD)
    staff.keyboard.press("Enter")
    expect(staff.get_by_role("heading", name="Staff inbox")).to_be_visible()
    expect(staff.get_by_text("Signed in as Dana")).to_be_visible()

    # 1. The hand-off: open the patient's conversation from the list and take it over.
    expect(staff.locator(f"tr[data-key='{key}']")).to_be_visible(timeout=15_000)
    press_tab_until(staff, f"el.matches('button.open') && el.closest('tr').dataset.key === '{key}'")
    staff.keyboard.press("Enter")
    transcript = staff.get_by_role("log", name="Transcript")
    expect(transcript).to_contain_text("Does Botox help migraines?")
    expect(staff.locator("#conversation-summary")).to_contain_text("the assistant is answering")
    press_tab_until(staff, "el.id === 'take-over'")
    staff.keyboard.press("Enter")
    expect(staff.locator("#reply-text")).to_be_focused(timeout=15_000)
    expect(widget_log(patient)).to_contain_text("A member of our staff has joined this chat.",
                                                timeout=STAFF_MESSAGE_TIMEOUT_MS)

    # 2. Staff replies appear in the widget, labelled as staff; timed from the key press.
    patient.evaluate("""() => {
        window.__staffSeen = {};
        new MutationObserver(() => {
            document.querySelectorAll('.ccw-msg-staff').forEach((node) => {
                const text = node.textContent;
                if (!(text in window.__staffSeen)) window.__staffSeen[text] = Date.now();
            });
        }).observe(document.querySelector('.ccw-log'), {childList: true, subtree: true});
    }""")
    latencies = []
    for text in STAFF_REPLIES:
        staff.keyboard.type(text)
        sent_at = staff.evaluate("Date.now()")
        staff.keyboard.press("Control+Enter")
        staff_message = widget_log(patient).locator(".ccw-msg-staff", has_text=text)
        expect(staff_message).to_be_visible(timeout=STAFF_MESSAGE_TIMEOUT_MS)
        seen = patient.evaluate("(wanted) => Object.entries(window.__staffSeen).find(([t]) => t.includes(wanted))[1]",
                                text)
        latencies.append(seen - sent_at)
        expect(staff.locator("#reply-text")).to_have_value("")
    expect(staff_message).to_contain_text("Dana · Clinic staff")
    record_latency(latencies)

    # 3. The patient's answer appears in the inbox without a reload.
    patient.get_by_label("Your question").fill("Thank you. Can my husband come with me?")
    patient.get_by_label("Your question").press("Enter")
    expect(patient.get_by_role("status")).to_have_text("Sent. Our staff will see your message.",
                                                       timeout=ANSWER_TIMEOUT_MS)
    expect(transcript).to_contain_text("Can my husband come with me?", timeout=15_000)
    expect(staff.get_by_role("status")).to_contain_text("New message from the patient")
    patient.wait_for_timeout(500)  # the widget's scroll to the newest message, for the screenshot

    staff.screenshot(path=str(ARTIFACTS / "handoff-inbox.png"), full_page=True)
    patient.screenshot(path=str(ARTIFACTS / "handoff-widget.png"))
    check_axe(staff)

    # 4. Staff hand back; the bot answers again.
    press_tab_until(staff, "el.id === 'hand-back'")
    staff.keyboard.press("Enter")
    expect(widget_log(patient)).to_contain_text("You're chatting with the assistant again.",
                                                timeout=STAFF_MESSAGE_TIMEOUT_MS)
    expect(staff.locator("#conversation-summary")).to_contain_text("the assistant is answering", timeout=15_000)
    bot_answers = widget_log(patient).locator(".ccw-msg-bot:not(.ccw-msg-staff)")
    before = bot_answers.count()
    patient.get_by_label("Your question").fill("How long does it last?")
    patient.get_by_label("Your question").press("Enter")
    expect(bot_answers).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    assert "migraine" in bot_answers.last.inner_text().lower()
    expect(transcript).to_contain_text("How long does it last?", timeout=15_000)


def record_latency(latencies: List[int]) -> None:
    summary = {"replies": len(latencies), "milliseconds": latencies,
               "median_ms": statistics.median(latencies), "max_ms": max(latencies)}
    print(f"\nStaff reply to widget display: {json.dumps(summary)}")
    (ARTIFACTS / "handoff-latency.json").write_text(json.dumps(summary, indent=2))


def check_axe(page: Page) -> None:
    results = Axe().run(page)
    violations = results.response["violations"]
    by_impact = Counter(violation["impact"] for violation in violations)
    print(f"axe-core on the inbox: {len(violations)} violated rules; "
          + ", ".join(f"{impact}={by_impact.get(impact, 0)}" for impact in ("critical", "serious", "moderate", "minor")))
    for violation in violations:
        print(f"  {violation['id']} ({violation['impact']}): {len(violation['nodes'])} nodes")
    blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not blocking, results.generate_report()
