"""Custom Rasa input channels (loaded by the Rasa server from credentials.yml).

Loading them also removes per-message waste inside the Rasa server (bot/speedups.py) and fixes the
Rasa 3.6 behaviour the project depends on (bot/rasa_fixes.py).
"""
from bot import rasa_fixes, speedups

speedups.install()
rasa_fixes.install()
