"""The gateway's handlers: Telegram updates in, Rasa's replies (or the gateway's phrases) out.

One Rasa conversation per Telegram chat (sender `telegram:<chat_id>`), private chats only: in a
group the bot answers only when addressed, with a polite "write to me in private"
(TELEGRAM_GROUPS=ignore keeps it silent). Updates without a message (edits, member changes,
channel posts) match no handler and are ignored.

Data protection (docs/privacy.md): /start carries a one-line notice with the privacy page's link,
/privacy answers with the link, /mydata sends the citizen's data as a JSON document and /forget
erases it everywhere; the last two go through the Rasa server's private endpoints, where data_protection.rights
does the work (the staff group's copies are then deleted by the outbox, telegram_gateway/outbox.py).
"""
import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from telegram import (
    BotCommand,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from contracts import CHANNEL_KEY, LANGUAGE_KEY, RELAY_KEY, TELEGRAM_CHANNEL, export_json, telegram_sender
from knowledge.phrases import Phrases
from knowledge.privacy import DEFAULT_PRIVACY_URL, DEFAULT_RETENTION_DAYS
from telegram_gateway import callbacks, render
from telegram_gateway.callbacks import CallbackStore
from telegram_gateway.phrases import LANGUAGE_BUTTONS, ChatLanguages, command_menu, is_language
from telegram_gateway.rasa import ForgetDisabled, RasaClient, RasaUnavailable
from telegram_gateway.staff import HandoffRelay, message_source

logger = logging.getLogger(__name__)

TYPING_EVERY = 4.5          # Telegram shows "typing..." for 5 s or until the next message
PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Said instead of an empty text when Rasa sends only buttons (Telegram refuses empty messages).
BUTTONS_ONLY_TEXT = "👇"
MYDATA_FILE = "segib-mydata.json"


def hint_of(user: Optional[User]) -> Optional[str]:
    return user.language_code if user and user.language_code else None


@dataclass(frozen=True)
class PrivacyNotice:
    """What the notices state: the privacy page (PRIVACY_URL) and the retention (RETENTION_DAYS)."""
    url: str
    days: float


class Gateway:
    def __init__(self, rasa: RasaClient, phrases: Phrases, languages: Optional[ChatLanguages] = None,
                 store: Optional[CallbackStore] = None, groups: str = "refuse",
                 relay: Optional[HandoffRelay] = None, privacy: Optional[PrivacyNotice] = None) -> None:
        self.rasa = rasa
        self.privacy = privacy or PrivacyNotice(DEFAULT_PRIVACY_URL, DEFAULT_RETENTION_DAYS)
        self.relay = relay
        self.phrases = phrases
        self.languages = languages or ChatLanguages()
        self.callbacks = store or CallbackStore()
        self.groups = groups
        self._background: set = set()

    # ---- wiring ---------------------------------------------------------------------------
    def register(self, app: Application) -> None:
        if self.relay:
            self.relay.register(app)   # first: staff chats' messages go nowhere else
            app.add_handler(CommandHandler("bot", self.on_bot, filters=PRIVATE & NEW_MESSAGE))
        app.add_handler(CommandHandler("start", self.on_start, filters=PRIVATE & NEW_MESSAGE))
        app.add_handler(CommandHandler("help", self.on_help, filters=PRIVATE & NEW_MESSAGE))
        app.add_handler(CommandHandler("language", self.on_language, filters=PRIVATE & NEW_MESSAGE))
        app.add_handler(CommandHandler("forget", self.on_forget, filters=PRIVATE & NEW_MESSAGE))
        app.add_handler(CommandHandler("privacy", self.on_privacy, filters=PRIVATE & NEW_MESSAGE))
        app.add_handler(CommandHandler("mydata", self.on_mydata, filters=PRIVATE & NEW_MESSAGE))
        app.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND, self.on_help))
        app.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & filters.ATTACHMENT, self.on_not_text))
        app.add_handler(MessageHandler(filters.ChatType.GROUPS & NEW_MESSAGE, self.on_group_message))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    async def set_commands(self, app: Application) -> None:
        """The "/" menu of Telegram clients, in Spanish by default and per client language."""
        try:
            await app.bot.set_my_commands([BotCommand(*c) for c in command_menu(self.phrases, "es")],
                                          scope=BotCommandScopeDefault())
            for language, _ in LANGUAGE_BUTTONS:
                await app.bot.set_my_commands([BotCommand(*c) for c in command_menu(self.phrases, language)],
                                              language_code=language)
        except TelegramError as error:
            logger.warning("Could not set the command menu: %s", error)

    # ---- sending --------------------------------------------------------------------------
    def keyboard(self, chat_id: int, buttons: Sequence[Tuple[str, str]]) -> Optional[InlineKeyboardMarkup]:
        """Rasa's (title, payload) buttons as an inline keyboard; payloads behind callback keys."""
        if not buttons:
            return None
        return InlineKeyboardMarkup([
            [InlineKeyboardButton(title[:64], callback_data=self.callbacks.encode(chat_id, payload))
             for title, payload in row]
            for row in render.layout(list(buttons))
        ])

    async def send(self, bot, chat_id: int, text: str, markup: Optional[InlineKeyboardMarkup] = None) -> None:
        """Sends a reply split under Telegram's length limit; the keyboard goes with the last part."""
        parts = render.split_text(text) or [BUTTONS_ONLY_TEXT]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            try:
                await bot.send_message(chat_id, render.escape(part), parse_mode=ParseMode.HTML,
                                       reply_markup=markup if last else None, link_preview_options=NO_PREVIEW)
            except Forbidden:
                logger.info("A citizen blocked the bot; reply dropped")
                return
            except BadRequest as error:
                # Should not happen (everything is escaped); fall back to plain text once.
                logger.warning("Telegram refused a reply (%s); sending it as plain text", error)
                try:
                    await bot.send_message(chat_id, part, reply_markup=markup if last else None,
                                           link_preview_options=NO_PREVIEW)
                except TelegramError as again:
                    logger.error("Telegram refused a reply again: %s", again)
                    return
            except TelegramError as error:  # retries exhausted (429s, 5xx, network)
                logger.error("A reply could not be delivered: %s", error)
                return

    async def say(self, bot, chat_id: int, key: str, language: str,
                  markup: Optional[InlineKeyboardMarkup] = None, **values: str) -> None:
        await self.send(bot, chat_id, self.phrases.text(key, language, **values), markup)

    async def _typing(self, bot, chat_id: int, done: asyncio.Event) -> None:
        """"typing..." until `done` is set; a request in flight is let finish (cancelling it would
        also close its connection)."""
        while not done.is_set():
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as error:
                logger.debug("typing indicator failed: %s", error)
            try:
                await asyncio.wait_for(done.wait(), TYPING_EVERY)
            except asyncio.TimeoutError:
                pass

    # ---- talking to Rasa --------------------------------------------------------------------
    async def converse(self, bot, chat_id: int, user: Optional[User], text: str, language: str,
                       source: Optional[str] = None) -> None:
        """Sends `text` to the chat's Rasa conversation and relays the replies (or "unavailable").
        While the chat has a live hand-off case, a typed text (`source`: its Telegram message) goes to
        staff instead, and commands or buttons get a reminder."""
        metadata = {CHANNEL_KEY: TELEGRAM_CHANNEL}
        if self.relay:
            case = await self.relay.live_case(chat_id)
            if case and source:
                await self.relay.from_citizen(case, text, source)
                return
            if case:
                await self.say(bot, chat_id, "handoff_in_progress", case.language, reference=case.reference)
                return
            metadata[RELAY_KEY] = self.relay.state()
        if hint_of(user):
            metadata[LANGUAGE_KEY] = hint_of(user)
        done = asyncio.Event()
        typing = asyncio.create_task(self._typing(bot, chat_id, done))
        self._background.add(typing)   # ends by itself once its request is done
        typing.add_done_callback(self._background.discard)
        try:
            replies = await self.rasa.send(telegram_sender(chat_id), text, metadata)
        except RasaUnavailable as error:
            logger.info("Rasa unavailable for a message: %s", error)
            replies = []
        except Exception:  # a bug here must still leave the citizen with an answer
            logger.exception("Relaying a message to Rasa failed")
            replies = []
        finally:
            done.set()
        if not replies:
            await self.say(bot, chat_id, "telegram_unavailable", language)
            return
        answered = [reply.language for reply in replies if reply.language]
        if answered:   # the gateway's own phrases follow the language Rasa chose
            self.languages.observe(chat_id, hint=hint_of(user), answered=answered[-1])
        for reply in replies:
            if reply.handoff and self.relay and self.relay.outbox:
                self.relay.outbox.wake()   # a case was opened: post it to staff now
            if reply.text.strip() or reply.buttons:
                await self.send(bot, chat_id, reply.text, self.keyboard(chat_id, reply.buttons))

    # ---- handlers ---------------------------------------------------------------------------
    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, user = update.effective_chat.id, update.effective_user
        language = self.languages.observe(chat_id, hint=hint_of(user))
        await self.converse(context.bot, chat_id, user, "/greet", language)
        await self.say(context.bot, chat_id, "telegram_privacy_notice", language, url=self.privacy.url,
                       days=f"{self.privacy.days:g}")
        await self.converse(context.bot, chat_id, user, "/help", language)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, user = update.effective_chat.id, update.effective_user
        language = self.languages.observe(chat_id, hint=hint_of(user))
        await self.converse(context.bot, chat_id, user, "/help", language)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, user, text = update.effective_chat.id, update.effective_user, update.message.text
        language = self.languages.observe(chat_id, hint=hint_of(user))
        await self.converse(context.bot, chat_id, user, text, language,
                            source=message_source(update.message))

    async def on_bot(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/bot: back to the assistant (closes the chat's live hand-off case, if any)."""
        chat_id, user = update.effective_chat.id, update.effective_user
        case = await self.relay.live_case(chat_id)
        if case:
            await self.relay.citizen_leaves(case)
        else:
            await self.say(context.bot, chat_id, "handoff_back", self.languages.current(chat_id, hint_of(user)))

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, user = update.effective_chat.id, update.effective_user
        await self.say(context.bot, chat_id, "telegram_only_text", self.languages.current(chat_id, hint_of(user)))

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, user = update.effective_chat.id, update.effective_user
        language = self.languages.current(chat_id, hint_of(user))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(name, callback_data=f"lang:{code}")
                                        for code, name in LANGUAGE_BUTTONS]])
        await self.say(context.bot, chat_id, "telegram_language_menu", language, markup)

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, user = update.effective_chat.id, update.effective_user
        await self.say(context.bot, chat_id, "telegram_privacy", self.languages.current(chat_id, hint_of(user)),
                       url=self.privacy.url)

    async def on_mydata(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mydata: the citizen's data (data_protection.rights's JSON document) as a file in their chat."""
        chat_id, user = update.effective_chat.id, update.effective_user
        language = self.languages.current(chat_id, hint_of(user))
        try:
            document = await self.rasa.export(telegram_sender(chat_id))
        except (RasaUnavailable, ForgetDisabled) as error:
            logger.warning("Could not export a conversation: %s", error)
            await self.say(context.bot, chat_id, "telegram_mydata_unavailable", language)
            return
        try:
            await context.bot.send_document(chat_id, InputFile(export_json(document), filename=MYDATA_FILE),
                                            caption=self.phrases.text("telegram_mydata_caption", language))
        except TelegramError as error:
            logger.error("A citizen's data could not be delivered: %s", error)
            return
        logger.info("A citizen received a copy of their data")

    async def on_forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, user = update.effective_chat.id, update.effective_user
        language = self.languages.current(chat_id, hint_of(user))
        yes, no = self.phrases.yes_no(language)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(yes, callback_data="forget:yes"),
                                        InlineKeyboardButton(no, callback_data="forget:no")]])
        await self.say(context.bot, chat_id, "telegram_forget_confirm", language, markup)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        user = update.effective_user
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message else None
        data = query.data or ""
        control = callbacks.control(data)
        payload = None
        if chat is not None and chat.type == chat.PRIVATE and not control:
            payload = self.callbacks.decode(chat.id, data)
        usable = chat is not None and chat.type == chat.PRIVATE and (control or payload)
        language = self.languages.current(chat.id if chat else 0, hint_of(user))
        # Always answered first, so that the client stops its spinner whatever happens next.
        try:
            await query.answer(None if usable else self.phrases.text("telegram_button_expired", language))
        except TelegramError as error:
            logger.info("answerCallbackQuery failed: %s", error)
        if not usable:
            return
        bot = context.bot
        if control and control[0] == "lang" and is_language(control[1]):
            code = control[1]
            language = self.languages.observe(chat.id, hint=hint_of(user), requested=code)
            switch = "/switch_language" + json.dumps({"language": code}, separators=(",", ":"))
            await self.converse(bot, chat.id, user, switch, language)
        elif control and control[0] == "forget":
            await self._forget(bot, chat.id, language, confirmed=control[1] == "yes")
        elif payload:
            language = self.languages.observe(chat.id, hint=hint_of(user))
            await self.converse(bot, chat.id, user, payload, language)

    async def _forget(self, bot, chat_id: int, language: str, confirmed: bool) -> None:
        if not confirmed:
            await self.say(bot, chat_id, "telegram_forget_cancelled", language)
            return
        try:
            # The Rasa server erases the conversation and the hand-off cases, and queues the deletion
            # of the staff group's copies in the outbox (data_protection.rights.forget).
            await self.rasa.forget(telegram_sender(chat_id))
        except (RasaUnavailable, ForgetDisabled) as error:
            logger.warning("Could not delete a conversation: %s", error)
            await self.say(bot, chat_id, "telegram_forget_unavailable", language)
            return
        if self.relay and self.relay.outbox:
            self.relay.outbox.wake()
        self.callbacks.forget_chat(chat_id)
        self.languages.forget(chat_id)
        logger.info("A citizen deleted their conversation history")
        await self.say(bot, chat_id, "telegram_forget_done", language)

    async def on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.groups == "ignore":
            return
        message, bot = update.message, context.bot
        text = (message.text or message.caption or "").lower()
        replied_to = message.reply_to_message.from_user if message.reply_to_message else None
        addressed = (bool(bot.username) and f"@{bot.username.lower()}" in text) or \
            (replied_to is not None and replied_to.id == bot.id)
        if addressed:
            language = self.languages.current(0, hint_of(update.effective_user))
            await self.say(bot, message.chat_id, "telegram_private_only", language, username=bot.username or "")

    async def on_dropped(self, update: Update, first: bool) -> None:
        """An update dropped because its chat floods: tell the chat once, answer a tapped button."""
        bot = update.get_bot()
        if update.callback_query:
            try:
                await update.callback_query.answer()
            except TelegramError:
                pass
        if first and update.effective_chat and update.effective_chat.type == update.effective_chat.PRIVATE:
            chat_id = update.effective_chat.id
            await self.say(bot, chat_id, "telegram_slow_down",
                           self.languages.current(chat_id, hint_of(update.effective_user)))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("Handling an update failed", exc_info=context.error)
