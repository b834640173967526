"""Names that cross process boundaries (action server -> Rasa server -> tracker store -> reports).

What a bot reply *was* (answered, "don't know", hand-off...) is decided once, by the action that
renders it, and travels with the reply as BotUttered metadata (rasa-sdk passes extra `utter_message`
keywords through; Rasa stores them as the event's metadata and output channels ignore them). Metrics
and staff reports read it back from there instead of guessing from the reply text.
"""

OUTCOME_KEY = "outcome"

ANSWERED = "answered"            # a fact from the knowledge file, or a conversational reply
DONT_KNOW = "dont_know"          # honest "I don't know" (out of scope, fallback, unknown attribute)
HANDOFF = "handoff"              # a hand-off case was opened or filed
OTHER_LANGUAGE = "other_language"  # the citizen wrote in a language the bot does not speak
ERROR = "error"                  # the assistant could not produce a reply (set by the channels)

OUTCOMES = (ANSWERED, DONT_KNOW, HANDOFF, OTHER_LANGUAGE, ERROR)

# The language a reply is written in ("es", "pt", "en"), chosen by the actions (knowledge.language's
# rule on the NLU's detection) and sent as BotUttered metadata like the outcome. The REST channel
# returns it with each message it collects (rasa_server/channels/rest.py), and the Telegram gateway
# says its own phrases in it (telegram_gateway/phrases.py), so that no other process detects again.
REPLY_LANGUAGE_KEY = "language"

# The REST channel's optional shared secret (production: only the Telegram gateway knows it). The
# Rasa server's REST channel checks it (rasa_server/channels/rest.py); the gateway sends it
# (telegram_gateway/rasa.py).
SECRET_ENV = "REST_SHARED_SECRET"
SECRET_HEADER = "X-SEGIB-Secret"
