"""`make bench`: the project's stack against stock Rasa (`rasa init`'s defaults), side by side."""
