"""`python -m rasa_server run ...`: Rasa's own command line (`python -m rasa`), with the project's setup
added. How make run, the tests, the Rasa image and the Helm chart start the Rasa server.

1. Logging, first. With LOG_FORMAT=json every line must be JSON, but importing Rasa prints library
   warnings (Sanic 21.12 even turns DeprecationWarnings back on at import) and Rasa installs its
   colored text handler, all before it loads the project's channels. Set up here, the warnings
   become JSON log records (logging.captureWarnings), and where Rasa would install its text handler
   (after adding its own filters to the root handlers) the JSON handler is installed again. With
   the default LOG_FORMAT=text, Rasa's logging is untouched.
2. The patches of Rasa internals (rasa_server/patches: speed-ups, fixes, metrics hooks): the one
   place `install()` is called. It runs in Rasa's own plugin hook `configure_commandline`, i.e.
   once Rasa has parsed the command line and configured its logging, warnings and TensorFlow's log
   level (the patches import Rasa modules that import TensorFlow), and before the command runs and
   loads a model. If they cannot apply (another Rasa version, a patch whose target changed), the
   server does not start: one line saying which patch and which Rasa version, exit status 2.
   SEGIB_ALLOW_UNPATCHED=1 runs Rasa unpatched instead (with a warning).
"""
import logging
import os
import sys

import pluggy

from ops import logs

logger = logging.getLogger("rasa_server")
REFUSED = 2   # exit status when the patches cannot apply (argparse's status for a bad command line too)


def _setup_logging() -> None:
    if logs.log_format() != "json":
        return
    logs.setup("rasa", os.environ.get("LOG_LEVEL", "INFO"))
    import rasa.utils.io

    # Called by Rasa's CLI after its own logging configuration: the JSON handler replaces the root's.
    rasa.utils.io.configure_colored_logging = lambda loglevel: logs.setup("rasa")


class InstallPatches:
    """A Rasa plugin (rasa/plugin.py, pluggy): installs the patches before any Rasa command runs."""

    @pluggy.HookimplMarker("rasa")
    def configure_commandline(self, cmdline_arguments) -> None:
        from rasa_server import patches

        try:
            patches.install()
        except patches.UnsupportedRasa as refusal:
            logger.critical("Rasa server not started: %s", refusal)
            sys.exit(REFUSED)


def main() -> None:
    _setup_logging()
    from rasa.__main__ import main as rasa_main
    from rasa.plugin import plugin_manager

    plugin_manager().register(InstallPatches())
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
