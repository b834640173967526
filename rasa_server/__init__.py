"""Extensions of the Rasa server: input channels, tracker and lock stores, rate limits, metrics and
the patches of Rasa 3.6 internals. Nothing here changes Rasa when imported: the launcher
(`python -m rasa_server`, __main__.py) calls `patches.install()` before Rasa starts."""
