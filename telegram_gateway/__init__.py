"""Telegram gateway: relays citizens' Telegram chats to the Rasa server's REST channel and back.

A thin adapter built on python-telegram-bot: it knows Telegram (commands, buttons, limits, faults)
and nothing about SEGIB; every reply comes from Rasa, every phrase of its own from the knowledge
layer's messages file. Start it with `python -m telegram_gateway` (see docs/telegram.md).
"""
