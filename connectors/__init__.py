"""Input channels for Rasa, referenced by module path from credentials.yml."""
