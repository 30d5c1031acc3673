"""Forget-me: the patient asked the bot to delete this conversation.

`action_forget_conversation` only marks the turn. The deletion itself happens in
the tracker store (rasa_plugins.tracker_store.ForgettingSQLTrackerStore): Rasa saves the
tracker after every turn by appending the events it has not stored yet, so rows
deleted from here would simply be written again at the end of the turn.

Booking and callback requests the patient already sent are not deleted: staff need
them to call back. utter_conversation_forgotten says so and how to withdraw one.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import Action

FORGET_ACTION = "action_forget_conversation"


class ActionForgetConversation(Action):
    def name(self) -> Text:
        return FORGET_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return []
