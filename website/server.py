"""Serves the demo page (http://localhost:8080) and the web widget's files, all from this repository.

    python -m website [--host 127.0.0.1] [--port 8080] [--socket-url http://127.0.0.1:5005]

Routes: the HTML pages of `web/`, `/widget/widget.js` and `/widget/widget.css`, the socket.io client
from `web/node_modules` (installed by `npm ci`, never a CDN), `/widget/config.js`, generated
here: the Rasa server's socket URL, the widget's labels in es/pt/en from
data/knowledge/messages.yml, the privacy page's address and the retention period, and `/privacy`,
the privacy page (es, pt, en), rendered from docs/privacy.md with the configured retention. In
production the same server (or a copy of its files) sits behind the reverse proxy; see docs/widget.md.
"""
import argparse
import html
import json
import logging
import mimetypes
import os
import re
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

import markdown

from knowledge.loader import DEFAULT_MESSAGES_FILE, load_messages
from knowledge.privacy import privacy_url, retention_days, stale_hours
from knowledge.schema import LANGUAGES
from ops import logs

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
SOCKET_CLIENT = WEB / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
STATIC = {
    "/widget/widget.js": WEB / "widget" / "widget.js",
    "/widget/widget.css": WEB / "widget" / "widget.css",
    "/widget/socket.io.min.js": SOCKET_CLIENT,
    "/assets/site.css": WEB / "assets" / "site.css",
}
WIDGET_LABELS = "widget_"
CHANNEL = "rasa_server.channels.socketio.SegibSocketIOInput"
DEFAULT_MAX_MESSAGE_CHARS = 2000  # the channel's default (rasa_server.channels.socketio; importing it loads Rasa)
PRIVACY_TEXT = ROOT / "docs" / "privacy.md"
# The privacy text's language sections (its "## " headings).
SECTION_LANGUAGES = {"Español": "es", "Português": "pt", "English": "en"}


def channel_max_message_chars(credentials: Path = ROOT / "credentials.yml") -> int:
    """The message size limit of the widget channel, so that the text box enforces the same one."""
    import yaml

    settings = (yaml.safe_load(credentials.read_text(encoding="utf-8")) or {}).get(CHANNEL) or {}
    return int(settings.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS)


def widget_config(socket_url: str, socket_path: str = "/socket.io/", max_message_chars: Optional[int] = None) -> Dict:
    """What the widget needs to know: where the bot is, and its labels in every language."""
    messages = load_messages(DEFAULT_MESSAGES_FILE)
    labels = {language: {key[len(WIDGET_LABELS):]: texts[language]
                         for key, texts in messages.texts.items() if key.startswith(WIDGET_LABELS)}
              for language in LANGUAGES}
    return {"socketUrl": socket_url, "socketPath": socket_path,
            "maxMessageChars": max_message_chars or channel_max_message_chars(),
            "defaultLanguage": "es", "labels": labels,
            "privacyUrl": privacy_url(), "retentionDays": retention_days()}


def privacy_page(text_file: Path = PRIVACY_TEXT) -> bytes:
    """docs/privacy.md as the site's /privacy page: one <section lang> per language, the deployment's
    retention and stale-case hours filled in."""
    text = text_file.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = text.replace("{retention_days}", f"{retention_days():g}").replace("{stale_hours}", f"{stale_hours():g}")
    head, *sections = re.split(r"^## (.+)$", text, flags=re.M)
    parts = [markdown.markdown(head)]
    for title, body in zip(sections[::2], sections[1::2]):
        language = SECTION_LANGUAGES.get(title.strip(), "")
        parts.append(f'<section id="{language}" lang="{language}"><h2>{html.escape(title.strip())}</h2>\n'
                     f"{markdown.markdown(body)}</section>")
    return (
        '<!DOCTYPE html>\n<html lang="es">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Privacidad · Privacidade · Privacy · SEGIB</title>\n"
        '<link rel="icon" href="data:,">\n<link rel="stylesheet" href="/assets/site.css">\n</head>\n'
        '<body>\n<main id="main" class="wrap privacy">\n<p><a href="/">SEGIB</a></p>\n'
        + "\n".join(parts) + "\n</main>\n</body>\n</html>\n").encode("utf-8")


def content_security_policy(socket_url: str) -> str:
    """Scripts, styles and images only from this server; connections only to it and the bot."""
    parts = urlsplit(socket_url)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    bot = f"{parts.scheme}://{parts.netloc} {ws_scheme}://{parts.netloc}"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {bot}; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


class Handler(BaseHTTPRequestHandler):
    server_version = "segib-web"

    def __init__(self, *args, config_js: bytes, csp: str, privacy_html: bytes, **kwargs) -> None:
        self.config_js = config_js
        self.privacy_html = privacy_html
        self.csp = csp
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _resolve(self, path: str) -> Optional[Tuple[bytes, str]]:
        if path == "/widget/config.js":
            return self.config_js, "text/javascript; charset=utf-8"
        if path == "/health":
            return b'{"status": "ok"}', "application/json"
        if path in ("/privacy", "/privacy/"):
            return self.privacy_html, "text/html; charset=utf-8"
        if path == "/":
            path = "/index.html"
        file = STATIC.get(path)
        if file is None and path.endswith(".html") and path.count("/") == 1:
            file = WEB / path[1:]  # only pages at the top of web/, no traversal possible
        if file is None or not file.is_file():
            return None
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        return file.read_bytes(), kind

    def _respond(self, head: bool) -> None:
        path = urlsplit(self.path).path
        found = self._resolve(path)
        if found is None:
            if path.startswith("/widget/socket.io") and not SOCKET_CLIENT.is_file():
                logger.error("%s is missing: run `npm ci` in web/ (make run does)", SOCKET_CLIENT)
            body, kind, status = b"Not found\n", "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND
        else:
            (body, kind), status = found, HTTPStatus.OK
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "strict-origin-when-cross-origin")
        if kind.startswith("text/html"):
            self.send_header("Content-Security-Policy", self.csp)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        logger.info("%s %s", self.address_string(), format % args)


def make_server(host: str, port: int, socket_url: str, max_message_chars: Optional[int] = None
                ) -> ThreadingHTTPServer:
    config = widget_config(socket_url, max_message_chars=max_message_chars)
    config_js = ("window.SEGIB_WIDGET_CONFIG = " + json.dumps(config, ensure_ascii=False) + ";\n").encode()
    handler = partial(Handler, config_js=config_js, csp=content_security_policy(socket_url),
                      privacy_html=privacy_page())
    return ThreadingHTTPServer((host, port), handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--socket-url", default=os.environ.get("WIDGET_SOCKET_URL", "http://127.0.0.1:5005"),
                        help="the Rasa server as the visitor's browser reaches it (WIDGET_SOCKET_URL)")
    args = parser.parse_args()
    logs.setup("web", os.environ.get("LOG_LEVEL", "INFO"))
    if not SOCKET_CLIENT.is_file():
        parser.exit(1, f"{SOCKET_CLIENT} is missing: run `npm ci` in web/ (make run does it)\n")
    try:
        server = make_server(args.host, args.port, args.socket_url)
    except ValueError as error:   # RETENTION_DAYS or HANDOFF_STALE_HOURS is not a number of days/hours
        parser.exit(2, f"{error}\n")
    logger.info("Demo page on http://%s:%d (widget talks to %s)", args.host, args.port, args.socket_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
