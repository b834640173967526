"""`python -m telegram_gateway`: runs the Telegram gateway (polling by default) until Ctrl-C/SIGTERM."""
import asyncio
import os
import sys
from pathlib import Path

from telegram_gateway.config import ROOT, ConfigError, Settings
from telegram_gateway.logs import setup_logging


def main() -> int:
    # SEGIB_ENV_FILE names another .env file; set it empty to read none (the tests do).
    env_file = os.environ.get("SEGIB_ENV_FILE", str(ROOT / ".env"))
    try:
        settings = Settings.from_env(dotenv=Path(env_file) if env_file else None)
    except ConfigError as error:
        print(f"Telegram gateway not started: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.secrets, settings.log_level)
    from telegram_gateway.app import run  # after logging is set up: imports log too

    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
