"""The reply when no rule or story fits what happened (RulePolicy's core fallback).

A custom action rather than Rasa's built-in action_default_fallback, for two reasons:
- it quotes the clinic's phone number from clinic/clinic.yml even when the session
  start never ran (its slots would be empty and the answer would say "None");
- when the action server is down it fails like every other custom action, so the
  channel gives the honest fault apology instead of "I didn't follow that".
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.language import Action
from clinic.config import current_clinic


class ActionCoreFallback(Action):
    def name(self) -> Text:
        return "action_core_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_default", clinic_phone=current_clinic().phone)
        # Like Rasa's own fallback: forget the turn nothing fitted, so that it cannot
        # steer the next prediction.
        return [UserUtteranceReverted()]
