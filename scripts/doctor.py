#!/usr/bin/env python3
"""`make doctor`: reads a deployment's settings and says what is unsafe.

Looks at the environment (and the untracked .env, as `make run` reads it), the credentials and
endpoints files the deployment uses, and the files tracked by git. Exit status 1 when anything is
unsafe, so a deployment pipeline can stop on it.

Settings read (the deployment files in deploy/ use the same names):
  RASA_INTERFACE        address `rasa run` binds (default 127.0.0.1)
  RASA_ENABLE_API       "true" when Rasa's HTTP API is on (--enable-api)
  RASA_AUTH_TOKEN / RASA_JWT_SECRET   the API's protection (--auth-token / --jwt-secret)
  RASA_CORS             --cors value(s), comma-separated
  REST_SHARED_SECRET    the REST channel's shared-secret header (X-SEGIB-Secret)
  WIDGET_ALLOWED_ORIGINS  web widget (socket.io) origins
  SOCKETIO_SESSION_SECRET  signs the web widget's resume tokens (same on every replica)
  ACTION_SERVER_HOST    address the action server binds (default 127.0.0.1)
  LOG_LEVEL, RASA_LOG_LEVEL, RASA_DEBUG   logging
  CREDENTIALS_FILE, ENDPOINTS_FILE       which files (default credentials.yml, endpoints.yml)
"""
import ipaddress
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from contracts import SECRET_ENV  # noqa: E402
from ops import envfile  # noqa: E402  (the one .env reader)

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
TRUE = {"1", "true", "yes", "on"}
SECRET_PATTERNS = [
    (re.compile(r"\b\d{8,10}:[A-Za-z0-9_-]{35}\b"), "a Telegram bot token"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"(?i)\b(password|secret|token|auth_token|jwt_secret)\s*[:=]\s*[\"']?(?!\$\{)(?![\"']?\s*$)"
                r"(?!<)(?!changeme)[^\s\"'#]{6,}"), "a literal password/secret/token"),
]
CONFIG_SUFFIXES = {".yml", ".yaml", ".env", ".json", ".toml", ".ini", ".cfg"}
SCANNED_SUFFIXES = {".yml", ".yaml", ".env", ".py", ".sh", ".json", ".toml", ".ini", ".cfg", ".txt", ""}


def is_private(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a service name on a private network (docker compose, Kubernetes)
    return address.is_private or address.is_loopback


def load_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        return {"__error__": str(error)}


def tracked_files(root: Path) -> list:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [root / name for name in out.decode().split("\0") if name]


def check(env: dict, root: Path = ROOT) -> list:
    """[(level, message)] with level UNSAFE, WARN or OK."""
    findings = []

    def unsafe(message):
        findings.append(("UNSAFE", message))

    def warn(message):
        findings.append(("WARN", message))

    interface = env.get("RASA_INTERFACE", "127.0.0.1")
    api_on = env.get("RASA_ENABLE_API", "").lower() in TRUE
    if api_on and not (env.get("RASA_AUTH_TOKEN") or env.get("RASA_JWT_SECRET")):
        unsafe("Rasa's HTTP API is enabled (RASA_ENABLE_API) without RASA_AUTH_TOKEN or RASA_JWT_SECRET: "
               "anyone who reaches the server can read and rewrite conversations")
    elif api_on:
        findings.append(("OK", "HTTP API on, protected by a token/JWT"))

    credentials_path = root / env.get("CREDENTIALS_FILE", "credentials.yml")
    credentials = load_yaml(credentials_path)
    if "__error__" in credentials:
        unsafe(f"{credentials_path.name}: cannot be read: {credentials['__error__']}")
        credentials = {}
    rest_on = any(key in credentials for key in ("rest", "rasa_server.channels.rest.SegibRestInput"))
    if rest_on and interface not in LOOPBACK and not env.get(SECRET_ENV):
        unsafe(f"the REST channel listens on {interface} (beyond loopback) without {SECRET_ENV}: "
               "anyone who reaches it can talk as any sender")
    for key, settings in credentials.items():
        if isinstance(settings, dict) and "*" in (settings.get("allowed_origins") or []):
            unsafe(f"{credentials_path.name}: {key} allows every origin ('*') for socket.io")
    widget_on = any("socketio" in str(key).lower() for key in credentials)
    session_secret = env.get("SOCKETIO_SESSION_SECRET", "")
    if widget_on and session_secret and len(session_secret) < 32:
        unsafe("SOCKETIO_SESSION_SECRET is shorter than 32 characters (the Rasa server refuses it): "
               "generate one with `openssl rand -hex 32`")
    elif widget_on and not session_secret and interface not in LOOPBACK:
        warn("SOCKETIO_SESSION_SECRET is not set: each Rasa server makes up its own, so the widget's "
             "conversations start anew after a restart or on another replica; set the same value on all")
    if "*" in [o.strip() for o in env.get("WIDGET_ALLOWED_ORIGINS", "").split(",")]:
        unsafe("WIDGET_ALLOWED_ORIGINS contains '*': any web page can open the widget's socket.io connection")
    if "*" in [o.strip() for o in env.get("RASA_CORS", "").split(",")]:
        unsafe("RASA_CORS is '*': any web page may call the Rasa server from a browser")

    if env.get("ACTION_SERVER_HOST", "127.0.0.1") in {"0.0.0.0", "::"}:
        unsafe("the action server listens on every interface (ACTION_SERVER_HOST=0.0.0.0); bind it to "
               "loopback or the private network address")
    endpoints_path = root / env.get("ENDPOINTS_FILE", "endpoints.yml")
    endpoints = load_yaml(endpoints_path)
    action_url = str((endpoints.get("action_endpoint") or {}).get("url", ""))
    if action_url.startswith("${"):
        action_url = env.get(action_url.strip("${}"), "")
    host = urlparse(action_url).hostname if action_url else None
    if host and not is_private(host):
        unsafe(f"{endpoints_path.name}: the action server ({host}) is not on loopback or a private network")
    for section in ("tracker_store", "lock_store", "event_broker"):
        password = (endpoints.get(section) or {}).get("password")
        if password and not str(password).startswith("${"):
            unsafe(f"{endpoints_path.name}: {section}.password is written in the file; use ${{VAR}}")

    levels = {env.get("LOG_LEVEL", ""), env.get("RASA_LOG_LEVEL", "")}
    if "DEBUG" in {level.upper() for level in levels} or env.get("RASA_DEBUG", "").lower() in TRUE:
        unsafe("debug logging is on: logs then hold what citizens write (message text, slots)")

    for path in tracked_files(root):
        if path.name == ".env" or path.name.endswith(".env"):
            unsafe(f"{path.relative_to(root)} is tracked by git: keep it untracked (.gitignore)")
            continue
        if path.suffix not in SCANNED_SUFFIXES or "tests" in path.relative_to(root).parts or not path.is_file():
            continue
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        for pattern, what in SECRET_PATTERNS:
            if what.startswith("a literal") and path.suffix not in CONFIG_SUFFIXES:
                continue  # in code, `password=...` is a parameter, not a secret
            scanned = text
            if what.startswith("a literal"):  # comments explain how to make secrets; they hold none
                scanned = "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())
            match = pattern.search(scanned)
            if match:
                line = scanned.count("\n", 0, match.start()) + 1
                unsafe(f"{path.relative_to(root)}:{line} looks like {what} in a tracked file")
    if not any(level == "UNSAFE" for level, _ in findings):
        findings.append(("OK", "nothing unsafe found"))
    return findings


def main(argv=None) -> int:
    try:
        env = envfile.configured(os.environ, ROOT)
    except envfile.EnvFileError as error:
        print(f"UNSAFE {error}")
        return 1
    findings = check(env)
    for level, message in findings:
        print(f"{level:6} {message}")
    return 1 if any(level == "UNSAFE" for level, _ in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
