"""Which language the channels' own words are said in (connectors/patient_language.py),
and the language label on the custom actions' messages (actions/language.py).

Real Rasa trackers in Rasa's in-memory tracker store, real rasa-sdk trackers and
dispatchers, the real wording files and lingua; no server."""
import asyncio
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from connectors import guard
from connectors.patient_language import reply_language
from connectors.rest import after_the_answer
from connectors.twilio import TwilioChannel

pytestmark = pytest.mark.unit

DOMAIN = Domain.from_yaml("""
intents: [greet, ask_onset]
slots:
  language:
    type: categorical
    values: [en, es]
    initial_value: en
    influence_conversation: false
    mappings: [{type: custom}]
""")


def agent_with(sender: str, language: str, buttons=()) -> SimpleNamespace:
    store = InMemoryTrackerStore(DOMAIN)
    tracker = DialogueStateTracker.from_events(sender, [
        UserUttered("hola"), SlotSet("language", language),
        BotUttered("Respuesta", data={"buttons": list(buttons)} if buttons else {})], slots=DOMAIN.slots)
    asyncio.run(store.save(tracker))
    return SimpleNamespace(tracker_store=store, domain=DOMAIN)


def empty_agent() -> SimpleNamespace:
    return SimpleNamespace(tracker_store=InMemoryTrackerStore(DOMAIN), domain=DOMAIN)


def language(agent, sender, text="", channel_language=None) -> str:
    return asyncio.run(reply_language(agent, sender, text, channel_language))


def test_a_short_message_keeps_the_conversations_language():
    assert language(agent_with("a", "es"), "a", "ok") == "es"
    assert language(agent_with("b", "en"), "b", "ok") == "en"


def test_a_message_that_clearly_says_its_language_wins():
    assert language(agent_with("a", "en"), "a", "quisiera saber si el botox sirve para la migraña") == "es"
    assert language(agent_with("b", "es"), "b", "English, please") == "en"


def test_a_new_conversation_is_detected_from_the_message_else_the_channel_else_english():
    assert language(empty_agent(), "new", "hola, tengo una pregunta sobre el botox para el sudor") == "es"
    assert language(empty_agent(), "new", "hola", channel_language="es-MX") == "es"
    assert language(empty_agent(), "new", "hola") == "en"
    assert language(empty_agent(), "new", "/greet") == "en", "a button's payload says nothing"


def test_an_unreachable_store_still_gives_a_language():
    class Broken:
        async def retrieve(self, sender_id):
            raise ConnectionError("down")

    assert language(SimpleNamespace(tracker_store=Broken()), "x", "ok", channel_language="es") == "es"


def test_the_apology_and_the_safety_lines_are_said_in_the_conversations_language():
    output = CollectingOutputChannel()
    asyncio.run(after_the_answer(agent_with("s", "es"), "s", "ok", ["crisis", "emergency"], output, "s",
                                 apologise=True))
    assert [m["text"] for m in output.messages] == [
        "Lo sentimos, algo falló de nuestro lado y no pude terminar. Llame a Harbor View Medical Clinic "
        "al +1 617-555-0142, o vuelva a intentarlo en un momento.",
        "Si se siente sin esperanza, llame al 988 y marque 2 para español, o envíe AYUDA por texto al 988, "
        "a cualquier hora. Es gratis, de día y de noche.",
        "Si tiene dificultad para respirar, tragar o hablar, llame al 911 de inmediato.",
    ]
    english = CollectingOutputChannel()
    asyncio.run(after_the_answer(agent_with("t", "en"), "t", "ok", ["crisis"], english, "t", apologise=False))
    assert [m["text"] for m in english.messages] == [
        "If you're feeling hopeless, you can call or text 988 any time. It's free, day and night."]


def test_the_sms_guard_answers_a_spanish_conversation_in_spanish():
    buttons = [{"title": "¿Cuándo hace efecto?", "payload": "/ask_onset"},
               {"title": "Saludo", "payload": "/greet"}]
    agent = agent_with("+15550001", "es", buttons)
    channel = TwilioChannel("AC1", "token", "+1555")
    out_of_range = asyncio.run(guard.guard_message(agent, "+15550001", "5", channel.options_for_numbers))
    assert out_of_range.refusal == "Responda con un número del 1 al 2, o escriba su pregunta."
    photo = asyncio.run(guard.guard_message(agent, "+15550001", "", channel.options_for_numbers, has_media=True))
    assert photo.refusal.startswith("Solo puedo leer mensajes escritos")
    picked = asyncio.run(guard.guard_message(agent, "+15550001", "1", channel.options_for_numbers))
    assert picked.text == "/ask_onset", "an accepted message is untouched"


def test_the_rate_limit_reply_exists_in_both_languages():
    assert guard.reply("rate_limited", "es") == (
        "Está enviando mensajes más rápido de lo que puedo responder. Espere un minuto y vuelva a intentarlo.")
    assert guard.reply("rate_limited", "en").startswith("You're sending messages faster")


# --------------------------------------------------------------- the actions' messages

def registered_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor.actions


def test_every_registered_action_labels_its_language():
    for name, run in registered_actions().items():
        assert getattr(run, "labels_language", False), f"{name} sends messages without metadata.language"


def sdk_tracker(language: str, intent: str = "ask_location", text: str = "") -> Tracker:
    return Tracker("sender", {"language": language, "requested_slot": None}, {
        "intent": {"name": intent, "confidence": 0.9}, "text": text, "entities": []},
        [], False, None, {}, "action_listen")


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_actions_own_text_and_buttons_carry_the_conversations_language(language):
    dispatcher = CollectingDispatcher()
    asyncio.run(registered_actions()["action_clinic_location"](dispatcher, sdk_tracker(language), {}))
    [message] = dispatcher.messages
    assert message["buttons"] and message["metadata"] == {"language": language}


def test_a_named_response_is_left_for_rasas_generator_to_label():
    dispatcher = CollectingDispatcher()
    asyncio.run(registered_actions()["action_core_fallback"](dispatcher, sdk_tracker("es", "nlu_fallback"), {}))
    assert dispatcher.messages and all(m.get("response") and "metadata" not in m for m in dispatcher.messages)


def test_session_start_labels_with_the_language_it_sets():
    from actions.language import label_language, language_set_by

    assert language_set_by([{"event": "slot", "name": "language", "value": "es"}]) == "es"
    assert language_set_by([{"event": "slot", "name": "condition", "value": "tmj"}]) is None
    messages = [{"text": "hola", "metadata": {"status": "x"}}, {"response": "utter_greet"}]
    label_language(messages, "es")
    assert messages == [{"text": "hola", "metadata": {"status": "x", "language": "es"}},
                        {"response": "utter_greet"}]
