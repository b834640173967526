"""Hands a paused conversation back to the assistant: `POST /webhooks/handoff/resume`.

When a citizen's "yes" opens a live hand-off, the action pauses the conversation in Rasa
(ConversationPaused): the Telegram gateway relays the citizen to staff meanwhile. When staff
`/close` the case, or the citizen types `/bot`, the gateway calls this endpoint (same token and
body as rasa_server/channels/forget.py), which appends Rasa's ConversationResumed under the conversation's
lock (and the action_listen the pause skipped), so the assistant picks up cleanly at the next message.
"""
import logging
from typing import Any, Dict

from rasa.core.agent import Agent
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationResumed

from rasa_server.channels.private import PrivateInput

logger = logging.getLogger(__name__)


async def resume(agent: Agent, sender: str) -> Dict[str, Any]:
    tracker = await agent.tracker_store.retrieve(sender)
    if tracker is None or not tracker.is_paused():
        return {"resumed": False}
    tracker.update(ConversationResumed())
    if tracker.latest_action_name != ACTION_LISTEN_NAME:
        # The pause came from an action (the hand-off), so Rasa never predicted action_listen after it;
        # without one, the rules (user intent after action_listen) would not match the next message.
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    await agent.tracker_store.save(tracker)
    logger.info("A conversation was handed back to the assistant")
    return {"resumed": True}


class HandoffInput(PrivateInput):
    channel, route, what = "handoff", "/resume", "resuming the conversation"

    async def change(self, agent: Agent, sender: str) -> Dict[str, Any]:
        return await resume(agent, sender)
