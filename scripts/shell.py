"""Terminal chat with the assistant through its REST channel (`make shell`).

Uses the running assistant on RASA_URL (default http://127.0.0.1:5005); if none answers, starts one
with scripts/run.sh for the session and stops it on exit.
"""
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from contracts import REST_PATH, SECRET_ENV, SECRET_HEADER  # noqa: E402

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")


def _up() -> bool:
    try:
        with urllib.request.urlopen(f"{RASA_URL}/webhooks/rest/", timeout=2):
            return True
    except OSError:
        return False


def _headers() -> dict:
    """The REST channel's shared secret, when the assistant has one (the environment, or the one
    `make run` keeps in .state/ while the Telegram gateway is on)."""
    secret = os.environ.get(SECRET_ENV, "")
    stored = ROOT / ".state" / "rest_shared_secret"
    if not secret and stored.is_file():
        secret = stored.read_text().strip()
    return {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret else {})}


def _send(sender: str, text: str) -> list:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{RASA_URL}{REST_PATH}", body, _headers())
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def main() -> int:
    server = None
    if not _up():
        print("Starting the assistant (first run trains the model)...")
        server = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], stdout=subprocess.DEVNULL)
        while not _up():
            if server.poll() is not None:
                print("The assistant failed to start: see logs/.", file=sys.stderr)
                return 1
            time.sleep(1)
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    print("Type your question (es/pt/en). Buttons show as [title -> payload]; type the payload to tap.")
    print("Ctrl-D or /quit to leave.")
    try:
        while True:
            try:
                text = input("you> ")
            except EOFError:
                break
            if text.strip() == "/quit":
                break
            for message in _send(sender, text):
                print("bot>", message.get("text", ""))
                for button in message.get("buttons") or []:
                    print(f"     [{button['title']} -> {button['payload']}]")
    finally:
        if server:
            server.terminate()
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
