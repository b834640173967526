"""Channels of the SEGIB assistant: thin adapters between citizens' channels and the Rasa server."""
