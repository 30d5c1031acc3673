"""Starting the assistant: what `make run` and a deployment use.

- find-python310:     finds a Python 3.10 for the virtual environment
- run-assistant:      starts the action server and the Rasa server
- credentials.py:     writes Rasa's credentials file from the environment
- endpoints.py:       writes Rasa's endpoints file from the environment
- telegram_webhook.py: registers the Telegram webhook once
"""
