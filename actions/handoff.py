"""Handing a conversation to clinic staff (the staff inbox: handoff/).

`action_hand_off` runs when a patient asks for a person (data/rules.yml), or
from any rule that names it; `action_hand_off_after_fallbacks` when the bot did
not understand twice in a row; `action_hand_off_urgent` for urgent symptoms
after a treatment (the hand-off is flagged urgent in the inbox).

During staff hours (per location in clinic/clinic.yml: `staff_hours`, by default
the opening hours) it writes a waiting hand-off (handoff/store.py), tells the
patient a person will reply here and how long that usually takes, and pauses
the conversation with Rasa's `ConversationPaused`: Rasa keeps storing the
patient's messages, which staff read in the inbox, and stops answering.
Outside staff hours it says when staff are back and offers the callback request.

The wording is in clinic/messages.yml under `handoff:`.
"""
import logging
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import now_utc
from actions.language import Action
from clinic.config import Clinic, Location, current_clinic, messages
from clinic.dates import format_moment
from common.languages import conversation_language
from clinic.hours import is_open_at, next_opening
from handoff.store import HandoffStore, HandoffStoreUnavailable

logger = logging.getLogger(__name__)

# The reason recorded for the inbox and the staff report, from what the patient just did.
REASON_BY_INTENT = {
    "talk_to_person": "asked_for_person",
    "nlu_fallback": "not_understood",
}
# Chatwoot's own inbox takes these conversations (connectors/chatwoot.py): no row here.
CHATWOOT_CHANNEL = "chatwoot"
# The marker the channels read from the bot message: the website widget starts
# checking for staff replies, Chatwoot opens the conversation for its agents.
HANDOFF_MARKER = "handoff"


def handoff_store() -> HandoffStore:
    return HandoffStore()


def staffed_locations(clinic: Clinic, tracker: Tracker) -> List[Location]:
    """The location in the conversation, or every location (they share one inbox)."""
    location = clinic.location(tracker.get_slot("location"))
    return [location] if location else list(clinic.locations)


def staff_on_duty(locations: List[Location], moment: datetime) -> bool:
    return any(is_open_at(location.staff_schedule(), moment) for location in locations)


def staff_back(locations: List[Location], moment: datetime) -> Optional[datetime]:
    """When staff are next on duty at any of `locations` (within two weeks), or None."""
    openings = [next_opening(location.staff_schedule(), moment) for location in locations]
    openings = [opening for opening in openings if opening is not None]
    return min(openings, key=lambda opening: opening.timestamp()) if openings else None


class ActionHandOff(Action):
    """Passes the conversation to staff, or offers a callback when no one is on duty."""

    reason: Optional[Text] = None  # None: from the patient's latest intent
    urgent = False

    def name(self) -> Text:
        return "action_hand_off"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic, moment = current_clinic(), now_utc()
        language = conversation_language(tracker)
        wording = messages(language)["handoff"]
        locations = staffed_locations(clinic, tracker)
        location = clinic.location(tracker.get_slot("location"))
        phone = location.phone if location else clinic.phone
        callback = [{"title": wording["callback_button"], "payload": "/request_callback"}]
        channel = tracker.get_latest_input_channel() or "rest"
        details = dict(
            reason=self.reason or REASON_BY_INTENT.get(
                (tracker.latest_message.get("intent") or {}).get("name"), "other"),
            urgent=self.urgent,
            condition=tracker.get_slot("condition"),
            location_id=location.id if location else None,
        )

        if not staff_on_duty(locations, moment):
            back = staff_back(locations, moment)
            text = (wording["staff_away"].format(back=format_moment(back, language=language), phone=phone) if back
                    else wording["staff_away_no_time"].format(phone=phone))
            dispatcher.utter_message(text=text, buttons=callback)
            self._record_outside_hours(tracker.sender_id, channel, details)
            return []

        if channel != CHATWOOT_CHANNEL:
            try:
                _, created = handoff_store().request(tracker.sender_id, channel, **details)
            except HandoffStoreUnavailable:
                dispatcher.utter_message(text=wording["not_passed"].format(phone=phone), buttons=callback)
                return []
            if not created:
                dispatcher.utter_message(text=wording["already_waiting"], **{HANDOFF_MARKER: "waiting"})
                return [ConversationPaused()]
        logger.info("Handing a conversation to staff (%s)", details["reason"])
        dispatcher.utter_message(
            text=wording["waiting"].format(minutes=clinic.handoff.usual_reply_minutes),
            **{HANDOFF_MARKER: "waiting"})
        return [ConversationPaused()]

    @staticmethod
    def _record_outside_hours(sender_id: Text, channel: Text, details: Dict[str, Any]) -> None:
        if channel == CHATWOOT_CHANNEL:
            return
        try:
            handoff_store().record_outside_hours(sender_id, channel, **details)
        except HandoffStoreUnavailable:
            pass  # only the staff report misses it; the patient has their answer


class ActionHandOffUrgent(ActionHandOff):
    """For a rule after the urgent answer to symptoms after a treatment."""

    reason = "urgent_symptoms"
    urgent = True

    def name(self) -> Text:
        return "action_hand_off_urgent"


def previous_intent(tracker: Tracker) -> Optional[Text]:
    """The intent of the patient's message before the latest one."""
    user_messages = [event for event in tracker.events if event.get("event") == "user"]
    if len(user_messages) < 2:
        return None
    return ((user_messages[-2].get("parse_data") or {}).get("intent") or {}).get("name")


class ActionHandOffAfterFallbacks(ActionHandOff):
    """A message not understood right after the bot could not help (data/rules.yml).

    If that earlier message was not understood either, a person takes over;
    otherwise (it was out of scope) the patient gets the usual "I can't help" answer.
    """

    reason = "not_understood"

    def name(self) -> Text:
        return "action_hand_off_after_fallbacks"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if previous_intent(tracker) == "nlu_fallback":
            return await super().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_cannot_help")
        dispatcher.utter_message(response="utter_clinic_contact")
        return []
