"""A booking in Spanish, end to end on the shared stack (real Rasa server, action
server and SQLite): every question, error and confirmation in Spanish, the time
read from "el martes que viene a las 10", and the saved row read back from the
bookings database the action server wrote."""
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import List

import pytest

from tests.booking import BOSTON, reference_in
from tests.servers import Patient

pytestmark = pytest.mark.e2e

SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                  "septiembre", "octubre", "noviembre", "diciembre")


def coming_tuesday_at_10() -> datetime:
    """What "el martes que viene a las 10" means today: the next Tuesday after
    today, 10:00 in Boston (the Back Bay location's time zone)."""
    day = datetime.now(BOSTON).date() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=BOSTON)


def say_in_spanish(patient: Patient, text: str) -> str:
    """The bot's reply; every message of it must say it is in Spanish."""
    messages = patient.say(text)
    assert messages, f"no reply to {text!r}"
    languages = [(m.get("metadata") or {}).get("language") for m in messages]
    assert languages == ["es"] * len(messages), (text, messages)
    return "\n".join(m.get("text") or "" for m in messages)


def saved_row(bookings_url: str, reference: str) -> sqlite3.Row:
    path = bookings_url[len("sqlite:///"):]
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        rows: List[sqlite3.Row] = connection.execute(
            "SELECT kind, name, contact, contact_kind, condition, location_id, preferred_time, consent, status "
            "FROM contact_requests WHERE reference = ?", (reference,)).fetchall()
    assert len(rows) == 1
    return rows[0]


def test_a_complete_booking_in_spanish_is_saved(stack):
    patient = stack.patient("es-booking")
    tuesday = coming_tuesday_at_10()

    asked = say_in_spanish(patient, "Hola, quisiera pedir una cita para mis migrañas")
    assert "¿A nombre de quién hacemos esta solicitud?" in asked

    asked = say_in_spanish(patient, "María José López")
    assert "¿A qué teléfono o correo electrónico le puede contactar la clínica?" in asked

    error = say_in_spanish(patient, "617-555")
    assert "Ese teléfono no parece completo. Por favor, incluya el código de área, por ejemplo 617-555-0142." in error
    assert "Si no es un número de EE. UU., empiece con + y el código del país" in error
    assert "phone" not in error.lower()

    asked = say_in_spanish(patient, "617-555-0199")
    assert "¿Qué sede prefiere?" in asked  # the condition came from "migrañas"

    asked = say_in_spanish(patient, "Back Bay")
    assert "¿Qué día y hora le conviene en Back Bay?" in asked
    assert "'el martes que viene a las 10'" in asked

    asked = say_in_spanish(patient, "el martes que viene a las 10")
    if tuesday - datetime.now(BOSTON) < timedelta(hours=24, minutes=5):
        # A Monday afternoon: that Tuesday is inside the 24 hours' notice, which the
        # bot explains in Spanish; the patient then names the Tuesday after it.
        assert "Necesitamos al menos 24 horas de anticipación para reservar." in asked
        tuesday += timedelta(days=7)
        month = SPANISH_MONTHS[tuesday.month - 1]
        asked = say_in_spanish(patient, f"el martes {tuesday.day} de {month} a las 10")
    assert ("¿Puede Harbor View Medical Clinic contactarle por (617) 555-0199 sobre esta solicitud? "
            "Sus datos solo se usan para organizarla.") in asked

    summary = say_in_spanish(patient, "sí")
    when = f"martes {tuesday.day} de {SPANISH_MONTHS[tuesday.month - 1]} a las 10:00 a. m."
    assert "Esta es su solicitud:" in summary
    assert "- Nombre: María José López" in summary
    assert "- Contacto: (617) 555-0199" in summary
    assert "- Motivo: migraña crónica" in summary
    assert "- Sede: Back Bay" in summary
    assert f"- Hora preferida: {when} (hora del Este)" in summary
    assert "¿La envío a la clínica?" in summary

    done = say_in_spanish(patient, "sí, envíela")
    assert done.startswith("Gracias, María José López. Recibimos su solicitud. Su número de referencia es HV-")
    assert "todavía no es una cita confirmada" in done

    row = saved_row(stack.bookings_url, reference_in(done))
    assert row["kind"] == "consultation"
    assert row["name"] == "María José López"
    assert row["contact"] == "+16175550199"
    assert row["contact_kind"] == "phone"
    assert row["condition"] == "chronic_migraine"
    assert row["location_id"] == "back_bay"
    assert row["consent"] == 1
    assert row["status"] == "new"
    # Stored in UTC, without a zone (SQLite): 10:00 on that Tuesday in Boston.
    stored = datetime.fromisoformat(row["preferred_time"]).replace(tzinfo=timezone.utc).astimezone(BOSTON)
    assert (stored.date(), stored.hour, stored.minute) == (tuesday.date(), 10, 0)


def test_a_question_in_the_middle_of_the_spanish_form_is_answered_then_asked_again(stack):
    patient = stack.patient("es-booking-question")
    say_in_spanish(patient, "Quiero pedir una cita para el bruxismo")
    say_in_spanish(patient, "Ana Ruiz")
    asked = say_in_spanish(patient, "ana.ruiz@example.org")
    assert "¿Qué sede prefiere?" in asked

    answer = say_in_spanish(patient, "¿cuánto dura el efecto del botox?")
    # The duration answer for the condition of the booking (TMJ/bruxism), then the pending question.
    assert answer.startswith("Para el dolor de la ATM (articulación de la mandíbula) y apretar los dientes")
    assert answer.rstrip().endswith("¿Qué sede prefiere?")
    assert "Which location" not in answer

    asked = say_in_spanish(patient, "Back Bay")  # TMJ is treated there only
    assert "¿Qué día y hora le conviene en Back Bay?" in asked
    assert "Está bien, ya me detuve. No se guardó ni se envió nada." in say_in_spanish(patient, "cancelar")
