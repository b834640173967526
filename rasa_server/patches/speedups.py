"""Removes per-message waste inside Rasa 3.6's server, without changing what it does.

Installed by `rasa_server.patches.install()`, which the launcher (`python -m rasa_server run`) calls
before Rasa starts. Each patch keeps Rasa's behaviour and results; it only stops
repeating work whose result cannot change. Measured effect: docs/performance.md.

- Validating the action server's response: Rasa calls `jsonschema.validate(response, schema)` for
  every custom action, and `validate` first checks the *schema itself* against the JSON Schema
  meta-schema, every time (about two thirds of the Rasa server's CPU per message here). The schema
  is a constant, so it is checked once and its validator kept; responses are still validated, with
  the same error (jsonschema's best match) and message. A valid response is recognised by checking
  each event against the one `oneOf` alternative of its kind (same verdict, a tenth of the work).
- Deserialising events: the event class of each type name is looked up once, not by walking every
  subclass of Event for every event.
- Calls to the action server reuse a keep-alive HTTP session instead of a new connection each.

Only Rasa 3.6.x is patched: on another version start-up stops (rasa_server/patches/__init__.py).
"""
from typing import Any, Dict, Text

from rasa_server.patches.patcher import Patcher


def _patch_action_response_validation(patcher: Patcher) -> None:
    from jsonschema import ValidationError, exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate would on every call
    full = validator_class(schema)
    # Each event must match exactly one of EVENT_SCHEMA's `oneOf` alternatives, and each alternative
    # pins "event" to its own constant: an event is valid iff it matches the rest of EVENT_SCHEMA and
    # the one alternative of its kind. Checking that one instead of all 23 gives the same verdict.
    base = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    by_kind = {}
    for alternative in EVENT_SCHEMA["oneOf"]:
        kind = alternative["properties"]["event"]["const"]
        by_kind[kind] = validator_class({**base, "allOf": [alternative]})
    envelope = validator_class({"type": "object", "properties": {
        "events": {"type": "array"}, "responses": schema["properties"]["responses"]}})

    def _valid(result: Any) -> bool:
        if not envelope.is_valid(result):
            return False
        for event in result.get("events", ()) if isinstance(result, dict) else ():
            kind = event.get("event") if isinstance(event, dict) else None
            validator = by_kind.get(kind) if isinstance(kind, str) else None
            if validator is None or not validator.is_valid(event):
                return False
        return True

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if _valid(result):
            return True
        # Invalid: the full validation gives the same error (jsonschema's best match) as before.
        error = exceptions.best_match(full.iter_errors(result))
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

    patcher.replace(RemoteAction, "_validate_action_result", _validate_action_result)


def _patch_endpoint_sessions(patcher: Patcher) -> None:
    """Calls to the action server reuse one HTTP session (keep-alive connections).

    EndpointConfig.request opens a new aiohttp session, hence a new TCP connection, for every
    action call and closes it afterwards. The session is now kept per endpoint and event loop (same
    headers, authentication and timeout as Rasa configures it); requests are unchanged.
    """
    import asyncio

    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import EndpointConfig

    def _new_session(self: EndpointConfig) -> aiohttp.ClientSession:
        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        # Idle connections are dropped before the action server's own keep-alive timeout (Sanic: 5 s),
        # so a request never goes out on a connection the server is closing.
        return aiohttp.ClientSession(headers=self.headers, auth=auth,
                                     timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                     connector=aiohttp.TCPConnector(keepalive_timeout=2.0))

    class _Kept:
        def __init__(self, session) -> None:
            self._session = session

        async def __aenter__(self):
            return self._session

        async def __aexit__(self, *exc_info) -> bool:
            return False  # kept open for the next call

    def session(self: EndpointConfig):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return original_session(self)
        kept = getattr(self, "_segib_session", None)
        if kept is None or kept.closed or getattr(self, "_segib_loop", None) is not loop:
            kept = _new_session(self)
            self._segib_session, self._segib_loop = kept, loop
        return _Kept(kept)

    original_session = patcher.replace(EndpointConfig, "session", session)


def _patch_event_type_lookup(patcher: Patcher) -> None:
    """Event.resolve_by_type walks every subclass of Event for every event it deserialises.

    The classes found are remembered by type name (the same first match; unknown names still go
    through Rasa's lookup and its error).
    """
    from rasa.shared.core.events import Event

    found = {}

    def resolve_by_type(type_name, default=None):
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    original = patcher.replace(Event, "resolve_by_type", staticmethod(resolve_by_type))


PATCHES = {"action_response_validation": _patch_action_response_validation,
           "endpoint_sessions": _patch_endpoint_sessions,
           "event_type_lookup": _patch_event_type_lookup}
