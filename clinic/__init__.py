"""The clinic's own details, used by both the action server and the Rasa server.

- clinic.yml:   name, locations, hours, practitioners, insurance, booking rules (data)
- messages.yml: the wording of clinic, booking and input answers (data)
- config.py:    loads and validates clinic.yml (pydantic) and messages.yml
- hours.py:     opening hours in each location's time zone
- dates.py:     how dates and times are written for patients
"""
