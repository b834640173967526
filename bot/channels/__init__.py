"""Custom Rasa input channels (loaded by the Rasa server from credentials.yml).

Loading them also removes per-message waste inside the Rasa server (bot/speedups.py).
"""
from bot import speedups

speedups.install()
