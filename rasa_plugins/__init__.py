"""Plug-ins the Rasa server loads from the endpoints file (deploy/endpoints.py):

- tracker_store.py: Rasa's SQL tracker store plus forget-me
- lock_store.py:    Rasa's Redis lock store with atomic ticket updates
- server_patches.py: faster validation of action-server responses, applied by
  deploy/rasa_server.py when the server starts
"""
