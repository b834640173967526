"""SEGIB action server (rasa-sdk). Start with `python -m actions` (validates the knowledge first)."""
