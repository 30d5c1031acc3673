"""Custom actions (the rasa-sdk action server), split by concern:

- clinic_info.py: hours, locations, contact, who treats what, insurance, fees
- booking.py:     the consultation and callback forms
- validation.py:  names, phone numbers, e-mails and requested times
- storage.py:     saving requests with SQLAlchemy (SQLite or PostgreSQL)
- privacy.py:     forgetting a conversation at the patient's request
- handoff.py:     handing a conversation to clinic staff (the staff inbox, handoff/)
- fallback.py:    the reply when no rule fits

The clinic's details themselves (clinic/clinic.yml) are read by clinic/config.py,
which the Rasa server uses too.
"""
from clinic.config import ClinicFileError, current_clinic

# The action server imports this package when it starts. An invalid clinic file
# stops it there (rasa-sdk exits on ImportError), naming each bad field.
try:
    current_clinic()
except ClinicFileError as error:
    raise ImportError(str(error)) from None
