"""Custom Rasa NLU components; the knowledge itself lives in the `knowledge` package."""
