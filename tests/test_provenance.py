"""How a medical answer's status and sources reach the patient."""
import pytest

from connectors.provenance import provenance_of, with_source_line

pytestmark = pytest.mark.unit

MEDICAL = {
    "text": "Botox is FDA-approved for chronic migraine.",
    "metadata": {"status": "FDA-approved", "sources": ["FDA label", "NICE TA260"]},
}


def test_source_line_is_appended_to_the_text():
    assert with_source_line(MEDICAL)["text"].endswith("\nSource: FDA label; NICE TA260")
    assert "Source:" not in MEDICAL["text"], "the response itself is not modified"


def test_provenance_is_status_and_sources():
    assert provenance_of(MEDICAL) == {"status": "FDA-approved", "sources": ["FDA label", "NICE TA260"]}


def test_messages_without_sources_are_left_alone():
    chit_chat = {"text": "Hello!"}
    assert with_source_line(chit_chat) == chit_chat
    assert provenance_of({"text": "x", "metadata": {"status": "general"}}) is None
    assert with_source_line({"metadata": MEDICAL["metadata"]}) == {"metadata": MEDICAL["metadata"]}
