"""Custom actions, split by concern:

- clinic_data.py: the clinic file (clinic/clinic.yml) and its validation
- clinic_info.py: hours, locations, contact, who treats what, insurance, fees
- booking.py:     the consultation and callback forms
- validation.py:  names, phone numbers, e-mails and requested times
- storage.py:     saving requests with SQLAlchemy (SQLite or PostgreSQL)
- privacy.py:     forgetting a conversation at the patient's request
"""
from actions.clinic_data import ClinicFileError, current_clinic

# The action server imports this package when it starts. An invalid clinic file
# stops it there (rasa-sdk exits on ImportError), naming each bad field.
try:
    current_clinic()
except ClinicFileError as error:
    raise ImportError(str(error)) from None
