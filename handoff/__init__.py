"""Hand-off to SEGIB staff: the durable case store and the office hours. Imports nothing from Rasa
or Telegram, so the action server (which opens and files cases) and the Telegram gateway (which
relays them to the staff group) share it. See docs/handoff.md."""
