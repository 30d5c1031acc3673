"""The project's own spaCy pipeline, built from code and data in this repo."""
