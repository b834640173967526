"""Hypothesis strategies for Telegram updates: mostly well-formed, with any field liable to be missing,
of the wrong type or full of garbage; unknown update kinds; callback queries with bad data; raw
bodies that are not JSON at all. Used by the gateway's fuzz test (tests/telegram/test_fuzz.py)."""
import json
import time

from hypothesis import strategies as st

from telegram_gateway.wellformed import valid_unicode

NOW = int(time.time())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)

SPECIAL_TEXTS = [
    "", " ", "\n\t", "/start", "/help", "/language", "/forget", "/unknown_command", "/start@segib_test_bot",
    "/forget@other_bot", "<b>bold</b> & <script>alert(1)</script>", "AT&T <a href='x'>", "&lt;&amp;&#x41;",
    "👍🏽" * 300, "漢字 ١٢٣ ‮reversed‬", "\u200b\u200d\ufeff", "\ud800 lone surrogate", "\x00\x01\x1f",
    "x" * 4097, "palabra " * 600, "¿Cuál es el teléfono de la sede en Madrid?", "Who is the Secretary General?",
    '/ask_is_member{"member_country": "brasil"}', "/switch_language{\"language\": \"xx\"}", "{" * 50,
]
texts = st.sampled_from(SPECIAL_TEXTS) | st.text(max_size=120)
CALLBACK_DATA = ["lang:pt", "lang:en", "lang:xx", "lang:", "forget:yes", "forget:no", "forget:maybe", "forget:",
                 "p:/ask_summits", "p:/ask summits", "p:", "k:", "k:doesnotexist", "p:/" + "a" * 70, ":", "lang",
                 "", "p:/switch_language{\"language\":\"en\"}"]
ids = st.integers(-10**13, 10**13) | st.sampled_from([0, 1, 2**63, -(2**63) - 1])
dates = st.integers(0, 2 * NOW) | st.sampled_from([NOW, -1])


def field(valid: st.SearchStrategy) -> st.SearchStrategy:
    """A field's value: usually valid, one time in thirty anything at all."""
    return st.integers(0, 29).flatmap(lambda n: json_values if n == 17 else valid)


users = st.fixed_dictionaries(
    {"id": field(ids), "is_bot": field(st.booleans()), "first_name": field(texts)},
    optional={"language_code": field(st.sampled_from(["es", "pt-BR", "pt", "en", "fr", "", "zz-ZZ", "es_" * 20])),
              "username": field(texts), "last_name": field(texts)})
chats = st.fixed_dictionaries(
    {"id": field(ids), "type": field(st.sampled_from(["private"] * 4 + ["group", "supergroup", "channel", "secret"]))},
    optional={"first_name": field(texts), "title": field(texts)})
entities = st.lists(st.fixed_dictionaries(
    {"type": field(st.sampled_from(["bot_command", "mention", "url", "bold", "unknown"])),
     "offset": field(st.integers(-5, 50)), "length": field(st.integers(-5, 50))}), max_size=3)
photos = st.lists(st.fixed_dictionaries(
    {"file_id": field(texts), "file_unique_id": field(texts), "width": field(st.integers(0, 5000)),
     "height": field(st.integers(0, 5000))}), max_size=2)


stickers = st.fixed_dictionaries(
    {"file_id": field(texts), "file_unique_id": field(texts), "width": field(st.integers(0, 512)),
     "height": field(st.integers(0, 512)), "is_animated": field(st.booleans()), "is_video": field(st.booleans()),
     "type": field(st.sampled_from(["regular", "mask", "custom_emoji"]))})
locations = st.fixed_dictionaries({"latitude": field(st.floats(-90, 90)), "longitude": field(st.floats(-180, 180))})


CONTENTS = {"text": texts, "photo": photos, "sticker": stickers, "location": locations}


@st.composite
def messages(draw, depth: int = 1) -> dict:
    message = draw(st.fixed_dictionaries(
        {"message_id": field(ids), "date": field(dates), "chat": field(chats), "from": field(users)},
        optional={"entities": field(entities), "caption": field(texts), "edit_date": field(dates),
                  "unknown_field": json_values}))
    # What it carries: mostly text, else a photo, sticker or location, or nothing (any may be garbage).
    content = draw(st.sampled_from(["text"] * 3 + sorted(CONTENTS) + [None]))
    if content:
        message[content] = draw(field(CONTENTS[content]))
    if draw(st.integers(0, 9)) == 7:
        del message["from"]   # channel posts and some service messages have no sender
    text = message.get("text")
    if isinstance(text, str) and text.startswith("/") and draw(st.booleans()):
        # A real command: Telegram marks it with a bot_command entity.
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0]) if text.split()
                                else 1}]
    if depth and draw(st.booleans()):
        message["reply_to_message"] = draw(field(messages(depth=0)))
    return message


callback_queries = st.fixed_dictionaries(
    {"id": field(texts), "from": field(users), "chat_instance": field(texts)},
    optional={"message": field(messages()), "data": field(st.sampled_from(CALLBACK_DATA) | texts),
              "inline_message_id": field(texts), "game_short_name": field(texts)})
KINDS = {  # the two kinds the gateway asks Telegram for come most often
    "message": messages(), "edited_message": messages(), "channel_post": messages(),
    "callback_query": callback_queries, "my_chat_member": json_values, "inline_query": json_values,
    "poll": json_values, "message_reaction": json_values, "kind_telegram_adds_tomorrow": json_values,
}


COMMON = ["message"] * 6 + ["callback_query"] * 4 + sorted(KINDS)


@st.composite
def updates(draw) -> dict:
    """An update with one of the known and unknown kinds (one time in ten a second one, or none)."""
    update = {"update_id": draw(field(st.integers(0, 2**31)))}
    kinds = [draw(st.sampled_from(COMMON))]
    if draw(st.integers(0, 9)) == 7:   # not 0 or 9: hypothesis favours the bounds
        kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), max_size=2, unique=True))
    for kind in kinds:
        update[kind] = draw(KINDS[kind])
    return update


def _encode(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# Request bodies: updates and any JSON, plus bytes that are not JSON (or not UTF-8, or nested too deep).
bodies = st.one_of(
    updates().map(_encode), updates().map(_encode), json_values.map(_encode),
    st.binary(max_size=200),
    st.sampled_from([b"", b"null", b"{", b"[" * 10_000, b'{"update_id": 1' + b', "a": [' * 5_000,
                     b'{"update_id": 1e400}', b'{"update_id": NaN}', b'\xff\xfe{"update_id": 1}',
                     '{"update_id": 5, "message": "\ud800"}'.encode("utf-8", "surrogatepass")]),
)


# Well-formed updates with fuzzed content only, so that every one reaches a handler: private text
# messages and commands, and button taps with any callback data (valid Unicode: a lone surrogate
# makes an update malformed, dropped before the handlers).
private_chat_ids = st.integers(1, 10**12)

valid_texts = texts.filter(valid_unicode)


@st.composite
def private_updates(draw) -> dict:
    chat_id = draw(private_chat_ids)
    user = {"id": chat_id, "is_bot": False, "first_name": draw(valid_texts),
            "language_code": draw(st.sampled_from(["es", "pt-BR", "en", "fr", "", "zz-ZZ"]))}
    message = {"message_id": draw(st.integers(1, 10**6)), "date": NOW,
               "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]}, "from": user}
    if draw(st.integers(0, 2)) == 1:
        message["text"] = "Botones"
        return {"update_id": 1, "callback_query": {
            "id": draw(valid_texts.filter(bool)), "from": user, "chat_instance": "c",
            "message": message, "data": draw(st.sampled_from(CALLBACK_DATA) | valid_texts)}}
    text = draw(valid_texts.filter(lambda t: t.strip()))
    message["text"] = text
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": 1, "message": message}
