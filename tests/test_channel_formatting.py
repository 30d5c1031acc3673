"""How bot messages are laid out per platform: splitting, Markdown, numbered options."""
from typing import List

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from connectors.formatting import (
    MESSENGER_QUICK_REPLY_TITLE_LIMIT, SMS_LIMIT, chosen_payload, is_number_reply,
    numbered_options, plain_text, shorten, slack_mrkdwn, split_message, usable_buttons,
    whatsapp_text, with_numbered_options,
)
from connectors.guard import latest_button_groups

pytestmark = pytest.mark.unit

BUTTONS = [
    {"title": "How soon does it work?", "payload": "/ask_onset"},
    {"title": "Side effects", "payload": "/ask_side_effects"},
    {"title": "Is it covered?", "payload": "/ask_insurance"},
]


def assert_parts_rebuild(text: str, parts: List[str]) -> None:
    """The parts are the text in order, missing only whitespace at the cuts."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0 and not text[position:found].strip(), (text, parts)
        position = found + len(part)
    assert not text[position:].strip()


# --- splitting -------------------------------------------------------------
def test_short_text_is_one_part():
    assert split_message("  Hello there.  ", 1600) == ["Hello there."]
    assert split_message("   ", 1600) == []


def test_cuts_fall_on_paragraphs_then_sentences_then_words():
    first, second = "A" * 50 + ".", "B" * 30 + "."
    assert split_message(f"{first}\n\n{second}", 60) == [first, second]
    assert split_message(f"{first} {second}", 60) == [first, second]
    assert split_message("word " * 30, 20) == ["word word word word"] * 7 + ["word word"]


def test_an_early_paragraph_break_does_not_make_a_tiny_part():
    text = "Short.\n\n" + "Long sentence here. " * 10
    parts = split_message(text, 100)
    assert len(parts[0]) > 50 and parts[0].startswith("Short.\n\nLong")


def test_a_word_longer_than_the_limit_is_cut_hard():
    assert split_message("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_a_real_long_answer_fits_sms():
    answer = ("Botox is **FDA-approved** to help prevent chronic migraine in adults. " * 40).strip()
    parts = split_message(plain_text(answer), SMS_LIMIT)
    assert len(parts) == 2 and all(len(p) <= SMS_LIMIT and p.endswith("adults.") for p in parts)


TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 .!?,\n\t\"')…") + ["\u00a0", "é", "😀"]), max_size=400)


@settings(max_examples=400, deadline=None)
@given(text=TEXT, limit=st.integers(min_value=1, max_value=120))
def test_splitting_keeps_every_part_within_the_limit_and_loses_no_text(text: str, limit: int):
    parts = split_message(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert all(part == part.strip() for part in parts)
    assert_parts_rebuild(text, parts)
    if text.strip() and len(text.strip()) <= limit:
        assert parts == [text.strip()]


@settings(max_examples=200, deadline=None)
@given(sentences=st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=60), min_size=1, max_size=30))
def test_sentences_shorter_than_half_the_limit_are_never_cut(sentences: List[str]):
    sentences = [s.strip() + "." for s in sentences if s.strip()]
    assume(sentences)
    parts = split_message(" ".join(sentences), 130)
    for part in parts:
        assert part.endswith("."), parts


# --- Markdown and titles -------------------------------------------------------
def test_bold_is_converted_per_platform():
    text = "Botox is **FDA-approved** for this."
    assert plain_text(text) == "Botox is FDA-approved for this."
    assert whatsapp_text(text) == "Botox is *FDA-approved* for this."
    assert slack_mrkdwn("**A & B** <x>") == "*A &amp; B* &lt;x&gt;"


def test_titles_are_shortened_with_an_ellipsis():
    assert shorten("How soon does it work?", MESSENGER_QUICK_REPLY_TITLE_LIMIT) == "How soon does it wo…"
    assert shorten("Side effects", MESSENGER_QUICK_REPLY_TITLE_LIMIT) == "Side effects"


@given(title=st.text(min_size=1, max_size=60), limit=st.integers(min_value=2, max_value=40))
def test_shortened_titles_fit(title: str, limit: int):
    assert len(shorten(title, limit)) <= limit


# --- numbered options -----------------------------------------------------------
def test_buttons_become_numbered_options():
    assert numbered_options(BUTTONS) == (
        "1. How soon does it work?\n2. Side effects\n3. Is it covered?\nReply with a number.")
    assert with_numbered_options("Answer.", BUTTONS).startswith("Answer.\n\n1. How soon")
    assert with_numbered_options("Answer.", []) == "Answer."


def test_only_complete_buttons_are_used():
    assert usable_buttons([{"title": "A", "payload": "/a"}, {"title": "B"}, "junk", {"payload": "/c"}]) == [
        {"title": "A", "payload": "/a"}]
    assert usable_buttons(None) == []


def test_number_replies_pick_an_option_and_others_pass_through():
    assert chosen_payload("2", BUTTONS) == "/ask_side_effects"
    assert chosen_payload(" 3. ", BUTTONS) == "/ask_insurance"
    for reply in ("#2", "option 2", "two", "Two"):  # how patients type it over SMS
        assert chosen_payload(reply, BUTTONS) == "/ask_side_effects", reply
    for reply in ("0", "4", "12", "four", "2 please", ""):
        assert chosen_payload(reply, BUTTONS) is None


BUTTON_LISTS = st.lists(
    st.fixed_dictionaries({"title": st.text(min_size=1, max_size=20).filter(str.strip),
                           "payload": st.text(min_size=1, max_size=20)}),
    max_size=15)


@given(buttons=BUTTON_LISTS)
def test_every_listed_number_maps_back_to_its_buttons_payload(buttons):
    lines = numbered_options(buttons).splitlines()[:-1]
    for number, (line, button) in enumerate(zip(lines, buttons), start=1):
        assert line.startswith(f"{number}. ")
        assert chosen_payload(str(number), buttons) == button["payload"]


@given(buttons=BUTTON_LISTS, reply=st.text(max_size=6))
def test_a_reply_naming_no_option_passes_through_as_typed(buttons, reply):
    payload = chosen_payload(reply, buttons)
    if not is_number_reply(reply):
        assert payload is None
    assert payload is None or payload in [b["payload"] for b in buttons]


# --- which options a reply refers to: the bot's latest turn, from the tracker -------
def bot(text: str, buttons=None) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons else {}}


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def test_options_are_those_of_the_bots_latest_turn():
    events = [user("hi"), bot("Hello", BUTTONS[:1]), user("migraine?"), bot("Answer", BUTTONS), bot("More")]
    assert latest_button_groups(events) == [BUTTONS]
    assert chosen_payload("2", latest_button_groups(events)[-1]) == "/ask_side_effects"


def test_any_new_message_uses_the_options_up():
    events = [bot("Answer", BUTTONS), user("how long does it last?"), bot("A while.")]
    assert latest_button_groups(events) == []
    assert latest_button_groups([]) == []


def test_each_message_of_a_turn_keeps_its_own_buttons():
    events = [user("x"), bot("One", BUTTONS[:1]), bot("Two", BUTTONS[1:])]
    assert latest_button_groups(events) == [BUTTONS[:1], BUTTONS[1:]]


@given(turns=st.lists(st.tuples(st.booleans(), BUTTON_LISTS), max_size=6))
def test_the_latest_turn_is_read_whatever_came_before(turns):
    events = []
    for from_user, buttons in turns:
        events.append(user("x") if from_user else bot("y", buttons))
    groups = latest_button_groups(events)
    expected = []
    for from_user, buttons in reversed(turns):
        if from_user:
            break
        if usable_buttons(buttons):
            expected.insert(0, usable_buttons(buttons))
    assert groups == expected
