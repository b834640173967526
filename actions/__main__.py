"""Starts the action server after validating the knowledge file; a broken file stops start-up.

It also serves `GET /metrics` and logs in the format LOG_FORMAT names (ops/action_server.py, ops/logs.py).
"""
import argparse
import logging
import os
import sys

from knowledge import KnowledgeError, default_knowledge
from ops import action_server, logs


def main() -> int:
    parser = argparse.ArgumentParser(description="SEGIB assistant action server")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", 5055)))
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    args = parser.parse_args()
    try:
        knowledge = default_knowledge()
    except KnowledgeError as error:
        print(f"Knowledge file error: {error}", file=sys.stderr)
        return 2
    logs.setup("actions", os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger(__name__).info("Knowledge loaded: %d entries from %s", len(knowledge), knowledge.path)
    os.environ["SANIC_HOST"] = args.host
    # Rasa keeps its connections to the action server open for 15 s; Sanic's default 5 s keep-alive
    # closed them first and Rasa's next request failed ("Can not write request body").
    os.environ.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "75")
    # No access-log line per action call (Sanic's default): it costs time and fills logs/actions.log.
    os.environ.setdefault("SANIC_ACCESS_LOG", "false")
    from rasa_sdk import endpoint

    action_server.register()

    endpoint.run("actions.actions", port=args.port, cors_origins=[])
    return 0


if __name__ == "__main__":
    sys.exit(main())
