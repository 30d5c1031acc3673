"""The website chat widget in a real browser (Debian's Chromium, via Playwright).

The demo page and widget.js are served by a real Rasa server (the widget
channel) of the shared stack, which answers through the REST channel with help from a real action
server, all on loopback. A few tests replace the webhook's answer with
page.route to check rendering and timeouts exactly.
"""
import json
import re
from collections import Counter
from typing import Iterator, List

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.infrastructure import ARTIFACTS

pytestmark = pytest.mark.e2e
from tests.booking import a_bookable_wednesday

WEBHOOK = "**/webhooks/rest/webhook"
SENDER_KEY = "clinic-chat-sender"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Rasa shares 2 busy cores with other work: give answers time.
ANSWER_TIMEOUT_MS = 60_000
QUESTION = "Does Botox help migraines?"
# Buttons under the migraine answer (domain.yml) whose answers are about migraine too.
MIGRAINE_FOLLOW_UPS = {"/ask_onset": "How soon does it work?", "/ask_insurance": "Is it covered?"}


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_url(stack) -> str:
    """The demo page, served by the shared stack's Rasa server."""
    return f"{stack.url}/webhooks/widget/"


class PageProblems:
    """What must never happen on the page: alerts, uncaught errors, CSP violations."""

    def __init__(self, page: Page) -> None:
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        self.csp_violations: List[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._on_console)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def assert_none(self) -> None:
        assert not self.dialogs, f"a dialog opened (script ran): {self.dialogs}"
        assert not self.errors, f"uncaught page errors: {self.errors}"
        assert not self.csp_violations, f"CSP violations: {self.csp_violations}"


@pytest.fixture
def problems() -> List[PageProblems]:
    return []


def new_page(browser: Browser, problems: List[PageProblems], viewport: dict, **options) -> Page:
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    problems.append(PageProblems(page))
    return page


@pytest.fixture
def page(browser: Browser, demo_url: str, problems: List[PageProblems]) -> Iterator[Page]:
    page = new_page(browser, problems, DESKTOP)
    yield page
    page.context.close()
    for found in problems:
        found.assert_none()


@pytest.fixture
def phone_page(browser: Browser, demo_url: str, problems: List[PageProblems]) -> Iterator[Page]:
    page = new_page(browser, problems, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    page.context.close()
    for found in problems:
        found.assert_none()


# ---------------------------------------------------------------------------
# Helpers: what a patient does
# ---------------------------------------------------------------------------
def bubble(page: Page) -> Locator:
    return page.get_by_role("button", name="Chat with us")


def panel(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Harbor View assistant")


def message_box(page: Page) -> Locator:
    return page.get_by_label("Your question")


def conversation_log(page: Page) -> Locator:
    return page.get_by_role("log")


def bot_messages(page: Page) -> Locator:
    return conversation_log(page).locator(".ccw-msg-bot")


def user_messages(page: Page) -> Locator:
    return conversation_log(page).locator(".ccw-msg-user")


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    bubble(page).click()
    expect(panel(page)).to_be_visible()
    # Let the opening slide-in finish before measuring or screenshotting.
    panel(page).evaluate("panel => Promise.all(panel.getAnimations().map(animation => animation.finished))")


def wait_for_answer(page: Page, answers_before: int) -> Locator:
    """The first bot message after `answers_before`, once the bot has finished answering."""
    answer = bot_messages(page).nth(answers_before)
    expect(answer).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(conversation_log(page)).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
    return answer


def ask(page: Page, question: str) -> Locator:
    answers_before = bot_messages(page).count()
    message_box(page).fill(question)
    message_box(page).press("Enter")
    return wait_for_answer(page, answers_before)


def click_and_wait(page: Page, button: Locator) -> Locator:
    """Clicks a bot's suggested button and returns the answer it gets."""
    answers_before = bot_messages(page).count()
    button.click()
    return wait_for_answer(page, answers_before)


def migraine_follow_up(answer: Locator) -> Locator:
    return answer.get_by_role("button", name=re.compile("|".join(map(re.escape, MIGRAINE_FOLLOW_UPS.values()))))


def fulfil_json(route: Route, body) -> None:
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------
def test_the_server_serves_the_page_and_widget_with_safe_headers(page: Page, demo_url: str):
    html = page.request.get(demo_url)
    assert html.ok
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["cache-control"] == "no-cache"
    csp = html.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert html.text().count("<script") == 1, "one script tag embeds the widget"

    script = page.request.get(demo_url + "widget.js")
    assert script.ok
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "no-cache"


# ---------------------------------------------------------------------------
# Conversations against the real bot
# ---------------------------------------------------------------------------
def test_asking_a_question_shows_the_answer_with_its_source(page: Page, demo_url: str):
    open_widget(page, demo_url)
    expect(panel(page)).to_contain_text("I give general facts, not medical advice. In an emergency, call 911.")
    expect(panel(page)).to_contain_text("Don't share more personal details than needed")

    answer = ask(page, QUESTION)

    expect(user_messages(page).last).to_contain_text(QUESTION)
    expect(answer).to_contain_text(re.compile("migraine", re.IGNORECASE))
    source = answer.locator("p", has_text=re.compile(r"^Source:"))
    expect(source).to_have_count(1)
    expect(source).to_have_class(re.compile("ccw-source"))
    expect(answer.locator("strong").first).to_be_visible()  # **FDA-approved** rendered bold
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget.png"))


def test_a_suggested_button_sends_its_payload_and_shows_its_title(page: Page, demo_url: str):
    open_widget(page, demo_url)
    answer = ask(page, QUESTION)
    follow_up = migraine_follow_up(answer).first
    title = follow_up.inner_text()

    with page.expect_request(WEBHOOK) as request_info:
        follow_up.click()
    assert request_info.value.post_data_json["message"] in MIGRAINE_FOLLOW_UPS
    expect(user_messages(page).last).to_contain_text(title)

    follow_up_answer = wait_for_answer(page, answers_before=1)
    expect(follow_up_answer).to_contain_text(re.compile("migraine", re.IGNORECASE))


def test_booking_a_consultation_in_the_widget(page: Page, demo_url: str):
    open_widget(page, demo_url)
    expect(ask(page, "I'd like to book a consultation for my migraines")).to_contain_text("name")
    expect(ask(page, "Robin Park")).to_contain_text("phone number or e-mail")
    location_question = ask(page, "robin@example.org")
    when = click_and_wait(page, location_question.get_by_role("button", name="Back Bay"))
    expect(when).to_contain_text("When would suit")
    consent = ask(page, a_bookable_wednesday())
    summary = click_and_wait(page, consent.get_by_role("button", name="Yes"))
    expect(summary).to_contain_text("Robin Park")
    done = click_and_wait(page, summary.get_by_role("button", name="Yes, send it"))
    expect(done).to_contain_text(re.compile(r"Your reference is HV-[A-Z0-9]{6}"))


def test_keyboard_only(page: Page, demo_url: str):
    page.goto(demo_url)
    for _ in range(20):  # the page's own links come first
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('ccw-bubble')"):
            break
    expect(bubble(page)).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid", \
        "the focused bubble shows a focus outline"

    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    expect(message_box(page)).to_be_focused()

    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    answer = wait_for_answer(page, answers_before=0)
    expect(message_box(page)).to_be_focused()
    expect(message_box(page)).to_have_value("")

    # Quick replies sit in the log, just before the message box.
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.classList.contains('ccw-reply')"):
            break
    focused_reply = answer.locator(".ccw-reply:focus")
    expect(focused_reply).to_have_count(1)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"

    page.keyboard.press("Enter")  # a quick reply works from the keyboard
    expect(wait_for_answer(page, answers_before=1)).to_contain_text(re.compile("migraine", re.IGNORECASE))

    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(bubble(page)).to_be_focused()
    expect(bubble(page)).to_have_attribute("aria-expanded", "false")


def test_on_a_phone_the_open_panel_covers_the_screen(phone_page: Page, demo_url: str):
    open_widget(phone_page, demo_url)
    box = panel(phone_page).bounding_box()
    assert box is not None
    assert (box["x"], box["y"]) == (0, 0)
    assert (box["width"], box["height"]) == (PHONE["width"], PHONE["height"])
    expect(message_box(phone_page)).to_be_focused()

    answer = ask(phone_page, QUESTION)
    expect(answer).to_contain_text(re.compile("migraine", re.IGNORECASE))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))

    phone_page.get_by_role("button", name="Close chat").click()
    expect(panel(phone_page)).to_be_hidden()
    expect(bubble(phone_page)).to_be_visible()


def test_axe_finds_no_serious_or_critical_violations(page: Page, demo_url: str):
    # Reduced motion: no half-faded message while axe measures colour contrast.
    page.emulate_media(reduced_motion="reduce")
    open_widget(page, demo_url)
    ask(page, QUESTION)
    assert page.evaluate("getComputedStyle(document.querySelector('.ccw-panel')).animationName") == "none"

    results = Axe().run(page)

    violations = results.response["violations"]
    by_impact = Counter(violation["impact"] for violation in violations)
    print(f"\naxe-core {results.response['testEngine']['version']}: "
          f"{len(violations)} violated rules; by impact: "
          + ", ".join(f"{impact}={by_impact.get(impact, 0)}"
                      for impact in ("critical", "serious", "moderate", "minor")))
    for violation in violations:
        print(f"  {violation['id']} ({violation['impact']}): {len(violation['nodes'])} nodes")
    blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not blocking, results.generate_report()


# ---------------------------------------------------------------------------
# Safe rendering, timeouts and the session (the webhook's answers are crafted)
# ---------------------------------------------------------------------------
CRAFTED_TEXT = (
    "<script>window.pwned = true</script> Plain **bold** words.\n"
    "[link](javascript:alert(1)) and [ok](https://example.org) and see https://example.com/page.\n"
    "<img src=x onerror=alert(2)>\n"
    "Source: Test source"
)


def test_bot_and_user_text_is_rendered_as_text_never_as_html(page: Page, demo_url: str):
    sent: List[dict] = []

    def crafted_answer(route: Route) -> None:
        sent.append(route.request.post_data_json)
        fulfil_json(route, [{"recipient_id": "x", "text": CRAFTED_TEXT,
                             "buttons": [{"title": "<b>not bold</b>", "payload": "/greet"}]}])

    page.route(WEBHOOK, crafted_answer)
    open_widget(page, demo_url)
    typed = "<img src=x onerror=alert(1)>"
    answer = ask(page, typed)
    page.wait_for_timeout(500)  # give any injected handler the chance to run

    assert sent[0]["message"] == typed
    expect(user_messages(page).last).to_contain_text(typed)
    log = conversation_log(page)
    expect(log.locator("script, img, b")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    expect(answer).to_contain_text("<script>window.pwned = true</script>")
    expect(answer.locator("strong")).to_have_text("bold")
    expect(answer.get_by_role("button", name="<b>not bold</b>")).to_be_visible()

    # javascript: is shown as its label, not as a link; http(s) links open safely in a new tab.
    expect(answer).to_contain_text("link and ok")
    hrefs = answer.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert hrefs == ["https://example.org/", "https://example.com/page"]
    for link in answer.locator("a").all():
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(link).to_have_attribute("target", "_blank")
    expect(answer.get_by_role("link", name=re.compile(r"^ok"))).to_be_visible()
    expect(answer.locator(".ccw-source")).to_have_text("Source: Test source")
    # No alert() ran: the page fixture fails the test on any dialog when the page closes.


def test_a_timeout_offers_try_again_which_resends(page: Page, demo_url: str):
    # A 1.5 s timeout instead of 15 s: rewrite the demo page's script tag.
    def short_timeout(route: Route) -> None:
        real = route.fetch()
        html = real.text().replace('data-timeout-ms="15000"', 'data-timeout-ms="1500"')
        assert 'data-timeout-ms="1500"' in html
        route.fulfill(response=real, body=html)

    page.route(demo_url, short_timeout)
    page.route(WEBHOOK, lambda route: None)  # never answered: the server hangs
    open_widget(page, demo_url)
    message_box(page).fill(QUESTION)
    message_box(page).press("Enter")

    failure = bot_messages(page).first
    expect(failure).to_contain_text("didn't answer", timeout=10_000)
    try_again = failure.get_by_role("button", name="Try again")
    expect(try_again).to_be_visible()

    page.unroute(WEBHOOK)
    try_again.click()
    answer = wait_for_answer(page, answers_before=0)
    expect(answer).to_contain_text(re.compile("migraine", re.IGNORECASE))
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    expect(user_messages(page)).to_have_count(1)  # resent, not asked twice


def test_the_sender_id_lives_in_session_storage_and_clear_starts_over(page: Page, demo_url: str):
    page.route(WEBHOOK, lambda route: fulfil_json(route, [{"recipient_id": "x", "text": "Hello!"}]))
    open_widget(page, demo_url)

    with page.expect_request(WEBHOOK) as first:
        ask(page, "hello")
    first_sender = page.evaluate(f"sessionStorage.getItem('{SENDER_KEY}')")
    assert first_sender and first.value.post_data_json["sender"] == first_sender
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first_sender)
    assert page.evaluate("localStorage.length") == 0
    expect(user_messages(page)).to_have_count(1)

    page.get_by_role("button", name="Clear conversation").click()
    expect(conversation_log(page).locator(".ccw-msg")).to_have_count(0)
    second_sender = page.evaluate(f"sessionStorage.getItem('{SENDER_KEY}')")
    assert second_sender and second_sender != first_sender
    expect(page.get_by_role("status")).to_contain_text("Conversation cleared")

    with page.expect_request(WEBHOOK) as second:
        ask(page, "hello again")
    assert second.value.post_data_json["sender"] == second_sender
    assert page.evaluate("localStorage.length") == 0


# ---------------------------------------------------------------------------
# Privacy notice, injection attempts and rate limits
# ---------------------------------------------------------------------------
def test_the_privacy_notice_gives_the_clinics_retention_and_how_to_forget(page: Page, demo_url: str):
    from clinic.config import current_clinic

    days = current_clinic().privacy.retention_days
    open_widget(page, demo_url)
    notice = panel(page).locator(".ccw-privacy")
    expect(notice).to_contain_text(f"kept for {days} days")
    expect(notice).to_contain_text("forget my conversation")
    expect(notice).to_contain_text("Don't share more personal details than needed")


# Markdown and HTML injection: in the bot's text, in button titles, and in what a patient types.
INJECTIONS = [
    "<svg onload=alert(11)></svg> <iframe src=javascript:alert(12)></iframe>",
    '<a href="javascript:alert(13)">html link</a> <style>body { display: none }</style>',
    "[md link](javascript:alert(14)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxNSk8L3NjcmlwdD4=)",
    "![tracking image](https://evil.example/pixel.png) [vb](vbscript:msgbox(16))",
    '[quoted](https://ok.example/" onmouseover="alert(17)) **<img src=x onerror=alert(18)>**',
    "[**nested**](javascript:alert(19)) &lt;script&gt;alert(20)&lt;/script&gt; <!-- comment -->",
]


def test_markdown_and_html_injection_is_shown_as_text(page: Page, demo_url: str):
    crafted = {"recipient_id": "x", "text": "\n".join(INJECTIONS),
               "buttons": [{"title": "<img src=x onerror=alert(21)>", "payload": "<script>alert(22)</script>"}]}
    page.route(WEBHOOK, lambda route: fulfil_json(route, [crafted]))
    open_widget(page, demo_url)
    answer = ask(page, INJECTIONS[0])
    page.wait_for_timeout(500)

    log = conversation_log(page)
    expect(log.locator("script, img, svg, iframe, style, b")).to_have_count(0)
    hrefs = answer.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert all(href.startswith("https://") for href in hrefs), hrefs
    assert not answer.locator("[onmouseover], [onerror], [onload]").count()
    expect(answer).to_contain_text("<svg onload=alert(11)>")
    expect(answer).to_contain_text("md link")
    expect(answer.get_by_role("button", name="<img src=x onerror=alert(21)>")).to_be_visible()
    # Problems (dialogs, errors, CSP violations) are checked when the page closes.


def test_injection_typed_to_the_real_bot_is_answered_and_shown_as_text(page: Page, demo_url: str):
    open_widget(page, demo_url)
    for text in INJECTIONS[:3]:
        answer = ask(page, text)
        expect(answer).not_to_be_empty()
        expect(user_messages(page).last).to_contain_text(text.split(" ")[0])
    expect(conversation_log(page).locator("script, img, svg, iframe, style")).to_have_count(0)


def test_a_rate_limited_answer_is_shown_not_treated_as_a_failure(page: Page, demo_url: str):
    slow_down = "You're sending messages faster than I can answer."
    page.route(WEBHOOK, lambda route: route.fulfill(
        status=429, content_type="application/json", headers={"Retry-After": "30"},
        body=json.dumps([{"recipient_id": "x", "text": slow_down}])))
    open_widget(page, demo_url)
    answer = ask(page, QUESTION)
    expect(answer).to_contain_text(slow_down)
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)


# ---------------------------------------------------------------------------
# Spanish: a Spanish page starts in Spanish; the widget follows the patient's language
# ---------------------------------------------------------------------------
def serve_demo_in_spanish(page: Page, demo_url: str) -> None:
    """The demo page as a Spanish site would serve it: <html lang="es">, nothing else changed."""
    def spanish(route: Route) -> None:
        original = route.fetch()
        html = original.text()
        assert '<html lang="en">' in html
        route.fulfill(response=original, body=html.replace('<html lang="en">', '<html lang="es">'))
    page.route(demo_url, spanish)


def sent_languages(page: Page) -> List[str]:
    languages: List[str] = []
    page.on("request", lambda request: languages.append(
        (json.loads(request.post_data or "{}").get("metadata") or {}).get("language"))
        if request.url.endswith("/webhooks/rest/webhook") and request.method == "POST" else None)
    return languages


def test_on_a_spanish_page_the_widget_starts_in_spanish(page: Page, demo_url: str):
    serve_demo_in_spanish(page, demo_url)
    languages = sent_languages(page)
    page.goto(demo_url)
    page.get_by_role("button", name="Escríbanos").click()
    expect(panel(page)).to_be_visible()
    expect(page.get_by_label("Su pregunta")).to_have_attribute("placeholder", "Escriba su pregunta…")
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    expect(page.get_by_role("button", name="Borrar la conversación")).to_be_visible()
    expect(page.locator(".ccw-notice")).to_contain_text("no consejos médicos")
    expect(page.locator(".ccw-root")).to_have_attribute("lang", "es")

    page.get_by_label("Su pregunta").fill("hola")
    page.get_by_label("Su pregunta").press("Enter")
    wait_for_answer(page, 0)
    assert languages == ["es"]
    expect(page.get_by_label("Su pregunta")).to_have_attribute("placeholder", "Escriba su pregunta…")


def test_the_widget_follows_a_patient_who_writes_in_spanish(page: Page, demo_url: str):
    languages = sent_languages(page)
    open_widget(page, demo_url)
    expect(message_box(page)).to_have_attribute("placeholder", "Type your question…")
    message_box(page).fill("¿El botox sirve para la migraña crónica?")
    message_box(page).press("Enter")
    wait_for_answer(page, 0)
    expect(page.get_by_label("Su pregunta")).to_have_attribute("placeholder", "Escriba su pregunta…")
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    expect(page.locator(".ccw-root")).to_have_attribute("lang", "es")

    answers_before = bot_messages(page).count()
    page.get_by_label("Su pregunta").fill("English, please")
    page.get_by_label("Su pregunta").press("Enter")
    wait_for_answer(page, answers_before)
    expect(message_box(page)).to_have_attribute("placeholder", "Type your question…")
    assert languages == ["en", "es"]
