"""`python -m rasa_server run ...`: Rasa's own command line (`python -m rasa`), with the project's logging
set up first. How make run, the tests and the Rasa image start the Rasa server.

Why a launcher: with LOG_FORMAT=json every line must be JSON, but importing Rasa prints library
warnings (Sanic 21.12 even turns DeprecationWarnings back on at import) and Rasa installs its
colored text handler, all before it loads the project's channels. Set up here, the warnings become
JSON log records (logging.captureWarnings) and Rasa's text handler is not installed. With the
default LOG_FORMAT=text, this is exactly `python -m rasa`.
"""
import os
import sys

from ops import logs


def main() -> None:
    if logs.log_format() == "json":
        logs.setup("rasa", os.environ.get("LOG_LEVEL", "INFO"))
        import rasa.utils.io

        rasa.utils.io.configure_colored_logging = lambda loglevel: None   # keeps the JSON handler
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
