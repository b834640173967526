"""`python -m bot.telegram`: runs the Telegram gateway (polling by default) until Ctrl-C/SIGTERM."""
import asyncio
import sys

from bot.telegram.config import ConfigError, Settings
from bot.telegram.logs import setup_logging


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"Telegram gateway not started: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.secrets, settings.log_level)
    from bot.telegram.app import run   # after logging is set up: imports log too

    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
