"""Runs the real Telegram gateway (`python -m telegram_gateway`) against the stand-in Bot API server."""
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

from tests.support.fake_telegram import FakeTelegram
from tests.support.services import PYTHON, ROOT, TEST_STAFFED, free_port, stop_process

# Every setting the gateway reads, so that nothing leaks in from a developer's shell or .env.
DEFAULTS = {
    "TELEGRAM_MODE": "polling", "TELEGRAM_WEBHOOK_URL": "", "TELEGRAM_WEBHOOK_SECRET": "",
    "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1", "TELEGRAM_WEBHOOK_PORT": "", "TELEGRAM_GROUPS": "",
    "TELEGRAM_CHAT_RATE": "", "TELEGRAM_CHAT_BURST": "", "TELEGRAM_CHAT_QUEUE": "", "TELEGRAM_MAX_RATE": "",
    "TELEGRAM_RETRIES": "", "RASA_TIMEOUT": "", "RASA_CONCURRENCY": "", "RASA_RETRY_AFTER": "",
    "LOG_LEVEL": "INFO", "SEGIB_ENV_FILE": "",
    "TELEGRAM_STAFF_CHAT_ID": "", "TELEGRAM_STAFF_CHATS": "", "HANDOFF_STAFF_LANGUAGE": "",
    "HANDOFF_RETRY_EVERY": "", "HANDOFF_STALE_HOURS": "", "PRIVACY_URL": "", "RETENTION_DAYS": "",
    **TEST_STAFFED,   # staffed around the clock unless a test gives its hours: no test depends on the hour
}


def rasa_url_of(rest_url: str) -> str:
    return rest_url.split("/webhooks/")[0]


@dataclass
class GatewayProcess:
    process: subprocess.Popen
    log_path: Path
    fake: FakeTelegram
    env: Dict[str, str]

    @property
    def http_url(self) -> str:
        """The gateway's /health and /metrics listener (GATEWAY_HTTP_PORT)."""
        return f"http://127.0.0.1:{self.env['GATEWAY_HTTP_PORT']}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cpu_seconds(self) -> float:
        """CPU time the gateway process used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> Optional[int]:
        return stop_process(self.process)


def start_gateway(fake: FakeTelegram, rasa_url: str, log_dir: Path, env: Optional[Dict[str, str]] = None,
                  timeout: float = 60) -> GatewayProcess:
    settings = {**DEFAULTS, "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BOT_API_URL": fake.api_url,
                "RASA_URL": rasa_url, **(env or {})}
    log_dir.mkdir(parents=True, exist_ok=True)
    # The hand-off case store: the test's own, never the repository's .state/.
    settings.setdefault("HANDOFF_DB_URL", f"sqlite:///{log_dir / 'handoff.db'}")
    # Its own health/metrics port: gateways of other tests (or a `make run`) may hold 8090.
    settings.setdefault("GATEWAY_HTTP_PORT", str(free_port()))
    log_path = log_dir / "telegram.log"
    ready_call = "setWebhook" if settings["TELEGRAM_MODE"] == "webhook" else "getUpdates"
    before = len(fake.calls_of(ready_call))
    process = subprocess.Popen([PYTHON, "-m", "telegram_gateway"], cwd=ROOT, stdout=open(log_path, "ab"),
                               stderr=subprocess.STDOUT, env={**os.environ, **settings})
    gateway = GatewayProcess(process, log_path, fake, settings)
    deadline = time.monotonic() + timeout
    while len(fake.calls_of(ready_call)) <= before:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {process.returncode}:\n{gateway.log()[-3000:]}")
        if time.monotonic() > deadline:
            gateway.stop()
            raise RuntimeError(f"the gateway did not start within {timeout:.0f} s:\n{gateway.log()[-3000:]}")
        time.sleep(0.1)
    return gateway
