import sys
import warnings

# Rasa's and SQLAlchemy's deprecation notices (read by the endpoints reader) mean nothing to staff.
warnings.simplefilter("ignore", DeprecationWarning)

from insights.report import main  # noqa: E402 (after the filter, which must precede Rasa's import)

sys.exit(main())
