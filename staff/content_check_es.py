"""Reading ease and SMS length of the Spanish texts (content/es/responses.yml and
clinic/messages_es.yml), the Spanish side of staff/content_check.py.

    python -m staff.content_check_es     # reading ease, the hardest texts, SMS segments

Reading ease: the Fernández-Huerta score from textstat 0.7.13 with
set_lang("es") (syllables from Pyphen's Spanish hyphenation dictionary):
206.84 - 60 x syllables per word - 1.02 x words per sentence. Higher is easier:
70-80 "bastante fácil", 60-70 "normal", 50-60 "algo difícil". A text is read as
in content_check.as_read (bold removed, a line break ends a sentence, an address
is one short word), with the placeholders filled by Spanish sample values.

SMS: each Spanish variation Rasa can choose on the "twilio" channel, sent as
connectors/twilio.py sends the English ones (source line, numbered options, bold
removed), with the source line and the numbered-options prompt in Spanish
(SOURCE_LABEL, NUMBERED_OPTIONS_PROMPT below). The segments are counted by
content_check.sms_segments (GSM-7 / UCS-2 rules): á í ó ú are not GSM-7, so the
SMS variations leave them out.
"""
import statistics
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Tuple

from common.paths import ROOT
from staff import content_check
from staff.content_check import (
    SMS_CHANNEL, PatientText, SmsAnswer, as_read, fill_placeholders, is_gsm7, load_yaml,
    slot_combinations, sms_segments, variation_label,
)

ES_RESPONSES_FILE = ROOT / "content" / "es" / "responses.yml"
ES_MESSAGES_FILE = ROOT / "clinic" / "messages_es.yml"

TEXTSTAT_LANGUAGE = "es"
# What the Spanish SMS adds around a text. Both are GSM-7 (no á, í, ó, ú), one or
# two characters longer than the English "Source: " and "Reply with a number.".
SOURCE_LABEL = "Fuente: "
NUMBERED_OPTIONS_PROMPT = "Responda con un numero."


@lru_cache(maxsize=1)
def _textstat():
    # An instance of our own: textstat's module-level one has one language for the
    # whole process, and the English and Spanish checks run in the same one.
    from textstat.textstat import textstatistics

    measure = textstatistics()
    measure.set_lang(TEXTSTAT_LANGUAGE)
    return measure


def reading_ease(text: str) -> float:
    """Fernández-Huerta reading ease (textstat 0.7.13, Pyphen es syllables)."""
    return round(_textstat().fernandez_huerta(as_read(text)), 1)


def ease_band(score: float) -> str:
    """Fernández-Huerta's bands."""
    for floor, band in ((90, "muy fácil"), (80, "fácil"), (70, "bastante fácil"), (60, "normal"),
                        (50, "algo difícil"), (30, "difícil")):
        if score >= floor:
            return band
    return "muy difícil"


# ---------------------------------------------------------------------------
# The texts, filled as a patient reads them
# ---------------------------------------------------------------------------
def join_words(items: List[str]) -> str:
    """["a", "b", "c"] -> "a, b y c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " y " + items[-1]


@lru_cache(maxsize=1)
def sample_values() -> Dict[str, str]:
    """The placeholders' sample values, in Spanish, from the sample clinic (its own
    texts in Spanish where clinic/clinic.yml has them)."""
    from clinic.config import current_clinic, in_language

    clinic = current_clinic()
    first = clinic.locations[0]
    fee = clinic.consultation_fee
    return {
        "clinic_name": clinic.name, "clinic_phone": clinic.phone, "clinic_email": clinic.email,
        "clinic": clinic.name, "phone": first.phone, "email": first.email,
        "location": first.name, "locations": join_words([l.name for l in clinic.locations]),
        "address": first.address, "count": str(len(clinic.locations)), "timezone": first.timezone,
        "directions": in_language(first.directions, "es"), "parking": in_language(first.parking, "es"),
        "note": in_language(clinic.insurance_note, "es"),
        "closes_at": "5:00 p. m.", "next_opening": "el jueves 3 de diciembre a las 9:00 a. m.",
        "day": "sábado 5 de diciembre", "hours": "de 9:00 a. m. a 12:30 p. m.",
        "practitioners": "\n".join(f"- {p.name} ({in_language(p.role, 'es')})"
                                    for p in clinic.practitioners[:2]),
        "plans": "\n".join(f"- {plan}" for plan in clinic.insurance_plans),
        "amount": f"{fee.amount:g} {fee.currency}" if fee else "150 USD",
        "limit": "2000", "retention_days": str(clinic.privacy.retention_days),
        "contact": "617-555-0142", "name": "Ana García", "reference": "HV-7K3QF2",
        "earliest": "el jueves 3 de diciembre a las 9:00 a. m.", "max_days": str(clinic.booking.max_days_ahead),
        "time": "jueves 3 de diciembre a las 10:00 a. m.", "alternatives": f"Se atiende en {first.name}.",
        "minutes": "15", "back": "mañana a las 9:00 a. m.", "text": "Con gusto le ayudo.",
    }


def fill(text: str, **values: str) -> str:
    return fill_placeholders(text, {**sample_values(), **values})


def es_responses() -> Dict[str, List[Dict[str, Any]]]:
    return load_yaml(ES_RESPONSES_FILE)["responses"]


def es_messages() -> Dict[str, Any]:
    return load_yaml(ES_MESSAGES_FILE)


def response_texts() -> Iterator[PatientText]:
    """Every Spanish response variation, and its buttons read together."""
    return content_check.response_texts(es_responses(), fill)


def message_texts() -> Iterator[PatientText]:
    """clinic/messages_es.yml, as content_check.message_texts reads messages.yml."""
    return content_check.wording_texts(es_messages(), "messages_es.yml", fill)


def patient_texts() -> List[PatientText]:
    return [*response_texts(), *message_texts()]


# ---------------------------------------------------------------------------
# SMS
# ---------------------------------------------------------------------------
def sms_body(message: Dict[str, Any]) -> str:
    """A Spanish bot message as the Twilio channel would send it."""
    from connectors import formatting
    from connectors.provenance import provenance_of

    text = str(message.get("text") or "").strip()
    provenance = provenance_of(message)
    if provenance and text:
        text = f"{text}\n{SOURCE_LABEL}{'; '.join(provenance['sources'])}"
    buttons = formatting.usable_buttons(message.get("buttons"))
    if buttons:
        options = "\n".join([f"{number}. {' '.join(button['title'].split())}"
                             for number, button in enumerate(buttons, start=1)] + [NUMBERED_OPTIONS_PROMPT])
        text = f"{text}\n\n{options}" if text else options
    return formatting.plain_text(text)


def sms_answers(channel: str = SMS_CHANNEL) -> List[SmsAnswer]:
    """Every Spanish variation Rasa can choose on `channel`, as sent over SMS."""
    from rasa.core.nlg.generator import ResponseVariationFilter
    from rasa.core.nlg.interpolator import interpolate

    responses = es_responses()
    chooser = ResponseVariationFilter(responses)
    answers: Dict[Tuple[str, str], SmsAnswer] = {}
    for name in responses:
        for slots in slot_combinations():
            for variation in chooser.responses_for_utter_action(name, channel, slots):
                message = {key: interpolate(value, slots) if key in ("text", "buttons") else value
                           for key, value in variation.items()}
                answer = SmsAnswer(variation_label(name, variation), sms_body(message))
                answers.setdefault((answer.name, answer.body), answer)
    return list(answers.values())


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def main() -> None:
    texts = patient_texts()
    scored = [(reading_ease(t.text), t) for t in texts if t.kind == "message"]
    for label, names in (("responses", "utter_"), ("clinic messages", "messages_es.yml")):
        scores = [score for score, t in scored if t.name.startswith(names)]
        print(f"Reading ease, {label} (Fernández-Huerta; textstat 0.7.13, Pyphen es): {len(scores)} texts, "
              f"median {statistics.median(scores):.1f}, min {min(scores):.1f}, "
              f"below 60: {sum(1 for s in scores if s < 60)}")
    bands: Dict[str, int] = {}
    for score, _ in scored:
        bands[ease_band(score)] = bands.get(ease_band(score), 0) + 1
    print("  by band: " + ", ".join(f"{band}: {count}" for band, count in bands.items()))
    print("  hardest texts:")
    for score, text in sorted(scored, key=lambda pair: pair[0])[:12]:
        print(f"    {score:5.1f}  {text.name}")
    answers = sms_answers()
    counts: Dict[int, int] = {}
    for answer in answers:
        counts[answer.segments] = counts.get(answer.segments, 0) + 1
    print(f"SMS, Spanish answers as sent over Twilio ({len(answers)}): "
          + ", ".join(f"{n} segments: {c}" for n, c in sorted(counts.items()))
          + f"; not GSM-7: {sum(1 for a in answers if not is_gsm7(a.body))}")
    # Variations without an SMS one of their own are sent as written: á, í, ó, ú make
    # them UCS-2. What they would take if the channel wrote those letters without accents:
    plain_vowels = str.maketrans("áíóúÁÍÓÚ", "aiouAIOU")
    over = [a for a in answers if sms_segments(a.body.translate(plain_vowels)) > 3]
    print(f"  with á í ó ú sent as a i o u: {len(answers) - len(over)} fit in 3 segments, {len(over)} need more")
    for answer in sorted(answers, key=lambda a: -a.segments):
        if answer.segments > 3 or not is_gsm7(answer.body):
            print(f"    {answer.segments} segments{'' if is_gsm7(answer.body) else ' (UCS-2)'}: {answer.name}")


if __name__ == "__main__":
    main()
