"""Custom actions, split by concern (clinic information, booking, storage, validation)."""
