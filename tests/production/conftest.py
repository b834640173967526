"""The production profile (endpoints.production.yml) on real PostgreSQL and Redis, with two Rasa
replicas sharing one action server. Every server is stopped by the fixtures' finalizers."""
import pytest

from tests.support.databases import Postgres, Redis
from tests.support.services import ROOT, start_action_server, start_assistant

DATABASE = "segib_conversations"


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def redis_server():
    server = Redis()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def production_env(postgres, redis_server):
    # A killed replica's lock expires after this many seconds (Rasa's default: 60).
    return {**postgres.env(DATABASE), **redis_server.env(), "TICKET_LOCK_LIFETIME": "10"}


@pytest.fixture(scope="module")
def replicas(model, production_env, tmp_path_factory):
    """Two `rasa run` replicas with endpoints.production.yml and one shared action server."""
    workdir = tmp_path_factory.mktemp("replicas")
    actions = start_action_server(workdir)
    started = []
    try:
        for name in ("rasa-a", "rasa-b"):
            started.append(start_assistant(workdir, model, env=production_env,
                                           endpoints=ROOT / "endpoints.production.yml",
                                           actions=actions, name=name))
        yield started
    finally:
        for replica in started:
            replica.stop()
        actions.stop()
