"""A socket.io client that talks to the Rasa server's widget channel the way the widget does."""
import queue
from typing import Optional

import socketio

WAIT = 30


class Visitor:
    """One browser tab with the widget on `origin`: `session()` asks for a conversation (continuing
    one only with its resume token, as the widget does from localStorage), `say()` sends a message."""

    def __init__(self, url: str, origin: str, transport: str = "polling") -> None:
        self.replies: "queue.Queue[dict]" = queue.Queue()
        self.confirmed: "queue.Queue[dict]" = queue.Queue()
        self.session_id: Optional[str] = None
        self.resume_token: Optional[str] = None
        # websocket-client sends an Origin of its own: tell it which (a second header would be joined).
        websocket = transport == "websocket"
        self.client = socketio.Client(reconnection=False,
                                      websocket_extra_options={"origin": origin} if websocket else None)
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("session_confirm", self.confirmed.put)
        self.client.connect(url, headers={} if websocket else {"Origin": origin}, transports=[transport],
                            wait_timeout=10)

    def session(self, session_id: Optional[str] = None, resume_token: Optional[str] = None) -> str:
        """The confirmed session id; remembers it and its resume token."""
        self.client.emit("session_request", {"session_id": session_id, "resume_token": resume_token})
        confirmed = self.confirmed.get(timeout=WAIT)
        self.session_id, self.resume_token = confirmed["session_id"], confirmed["resume_token"]
        return self.session_id

    def send(self, text: str, session_id: Optional[str] = None, language: Optional[str] = None) -> None:
        data = {"message": text, "session_id": session_id or self.session_id}
        if language:
            data["customData"] = {"language": language}
        self.client.emit("user_uttered", data)

    def say(self, text: str, session_id: Optional[str] = None, language: Optional[str] = None) -> dict:
        self.send(text, session_id, language)
        return self.replies.get(timeout=WAIT)

    def forget(self, data=None) -> dict:
        """The widget's "forget my conversation"; returns the server's acknowledgement."""
        return self.client.call("forget_conversation", data or {}, timeout=WAIT)

    def quiet_for(self, seconds: float) -> bool:
        """True when nothing arrives for `seconds`."""
        try:
            self.replies.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        # abort: a clean polling disconnect waits for the pending long-poll (up to 25 s)
        self.client.eio.disconnect(abort=True)
