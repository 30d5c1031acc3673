"""Every message a custom action sends says which language it is in.

The assistant's templated answers carry `metadata.language` (rasa_plugins/nlg.py);
the channels read it: SMS and WhatsApp number a message's options with "Reply with
a number." or "Responda con un número.", the widget follows the answers' language.
The texts the actions build themselves (clinic hours, the booking form's questions
and buttons, the hand-off notices) get the same label here.

The project's actions subclass `Action` and `FormValidationAction` from this module
instead of rasa_sdk's (a test checks every registered action). Each `run` a
subclass defines is wrapped: after it, every message it queued without a language
is labelled with the conversation's language, or with the one the action itself
just set (action_session_start sets the `language` slot). Messages that name a
response (`response=`) are left alone: Rasa's generator labels those, and a
`metadata` key here would replace the response's own (status and sources).
"""
import functools
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, List, Optional, Text

import rasa_sdk
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from common.languages import LANGUAGE_SLOT, conversation_language, known_language


def language_set_by(events: Any) -> Optional[Text]:
    """The language an action's events set the `language` slot to, if they do."""
    language = None
    for event in events or []:
        if isinstance(event, dict) and event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT:
            language = known_language(event.get("value")) or language
    return language


def label_language(messages: List[Dict[Text, Any]], language: Text) -> None:
    """Adds metadata.language to each message an action built itself."""
    for message in messages:
        if message.get("response"):
            continue
        metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
        message["metadata"] = {**metadata, "language": metadata.get("language") or language}


def _labelling(run: Callable) -> Callable:
    @functools.wraps(run)
    async def labelled_run(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events = await run(self, dispatcher, tracker, domain)
        label_language(dispatcher.messages, language_set_by(events) or conversation_language(tracker))
        return events

    labelled_run.labels_language = True
    return labelled_run


class _LabelsLanguage:
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "labels_language", False):
            cls.run = _labelling(run)


# Both are abstract (each action names itself), so rasa-sdk does not register them.
class Action(_LabelsLanguage, rasa_sdk.Action, ABC):
    """rasa_sdk's Action; what its `run` sends carries the conversation's language."""

    @abstractmethod
    def name(self) -> Text:
        """Each action names itself."""


class FormValidationAction(_LabelsLanguage, rasa_sdk.FormValidationAction, ABC):
    """rasa_sdk's FormValidationAction; what it sends carries the conversation's language."""

    # FormValidationAction's own `run` calls the validators; wrap it for every form.
    run = _labelling(rasa_sdk.FormValidationAction.run)

    @abstractmethod
    def name(self) -> Text:
        """Each validator names itself."""
