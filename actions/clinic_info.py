"""Actions that answer from the clinic's own details (clinic/clinic.yml)."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_data import current_clinic


def clinic_contact_slots() -> List[EventType]:
    clinic = current_clinic()
    return [
        SlotSet("clinic_name", clinic["name"]),
        SlotSet("clinic_phone", clinic["phone"]),
        SlotSet("clinic_email", clinic["email"]),
    ]


class ActionSessionStart(Action):
    """Starts each conversation with the clinic's contact details in slots.

    Responses such as utter_clinic_contact quote them, so the clinic's phone
    number lives in one file rather than in the answers' text.
    """

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        return [SessionStarted(), *clinic_contact_slots(), ActionExecuted("action_listen")]
