"""Removes per-message waste inside Rasa 3.6's server, without changing what it does.

Installed when the Rasa server loads the project's channels (`bot/channels/__init__.py`), i.e. by
`rasa run` with our credentials.yml. Each patch keeps Rasa's behaviour and results; it only stops
repeating work whose result cannot change. Measured effect: docs/performance.md.

- Validating the action server's response: Rasa calls `jsonschema.validate(response, schema)` for
  every custom action, and `validate` first checks the *schema itself* against the JSON Schema
  meta-schema, every time (about two thirds of the Rasa server's CPU per message here). The schema
  is a constant, so it is checked once and its validator kept; responses are still validated, with
  the same error (jsonschema's best match) and message.

Only Rasa 3.6.x is patched; another version runs unpatched (and the benchmark would show it).
"""
import logging
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)

_INSTALLED = False


def _patch_action_response_validation() -> None:
    from jsonschema import ValidationError, exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate would on every call
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is None:
            return True
        if not isinstance(error, ValidationError):  # pragma: no cover - best_match returns these
            raise error
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result


def install() -> None:
    """Applies the patches once per process (Rasa 3.6 only)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    import rasa

    if not rasa.__version__.startswith("3.6."):
        logger.warning("bot.speedups: Rasa %s is not 3.6.x, running unpatched", rasa.__version__)
        return
    _patch_action_response_validation()
