"""Custom Rasa input channels (loaded by the Rasa server from credentials.yml).

Importing them changes nothing in Rasa: the patches, the metrics hooks and the JSON logs are set up
by the launcher (`python -m rasa_server run`, rasa_server/__main__.py) before Rasa starts.
"""
