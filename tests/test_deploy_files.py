"""Lints the deployment files that cannot run here (no container engine): valid YAML, every
Dockerfile and every file they copy exists, the API stays off and no origin is '*'."""
import glob
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DOCKERFILES = sorted(DEPLOY.glob("*.Dockerfile"))


def test_a_dockerfile_per_service():
    assert {p.name for p in DOCKERFILES} == {"rasa.Dockerfile", "actions.Dockerfile", "gateway.Dockerfile",
                                              "web.Dockerfile"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfiles_copy_existing_files_and_run_unprivileged(dockerfile):
    text = dockerfile.read_text()
    assert re.search(r"^FROM python:3\.10", text, re.M)
    assert re.search(r"^USER 1001$", text, re.M)
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        for source in line.split()[:-1]:
            if dockerfile.name == "rasa.Dockerfile" and source.startswith("models/"):
                continue  # produced by `make train`
            assert glob.glob(str(ROOT / source)), f"{dockerfile.name}: {source} does not exist"


def test_compose_wires_every_service_and_keeps_secrets_out():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"rasa-1", "rasa-2", "actions", "gateway", "postgres", "redis", "balancer"} <= set(services)
    for name, service in services.items():
        build = service.get("build")
        if build:
            assert (DEPLOY / build["context"] / build["dockerfile"]).is_file(), name
        assert "ports" not in service or all(str(p).startswith("127.0.0.1:") for p in service["ports"]), name
    env = services["rasa-1"]["environment"]
    for key in ("DB_PASSWORD", "REDIS_PASSWORD", "REST_SHARED_SECRET"):
        assert env[key].startswith("${") and ":?" in env[key], key
    endpoints = yaml.safe_load((ROOT / "endpoints.production.yml").read_text())
    lines = (ROOT / "endpoints.production.yml").read_text().splitlines()
    wanted = set(re.findall(r"\$\{(\w+)\}", "\n".join(l for l in lines if not l.lstrip().startswith("#"))))
    assert wanted <= set(env), wanted - set(env)
    assert endpoints["lock_store"]["type"] == "redis" and endpoints["tracker_store"]["dialect"] == "postgresql"


def test_helm_values_keep_the_api_off_and_origins_listed():
    values = yaml.safe_load((DEPLOY / "helm" / "rasa-values.yaml").read_text())
    settings = values["applicationSettings"]
    assert settings["enableAPI"] is False and settings["cors"] != "*" and not settings["debugMode"]
    socket = settings["credentials"]["additionalChannelCredentials"]["bot.channels.socketio.SegibSocketIOInput"]
    assert "*" not in socket["allowed_origins"]
    assert settings["endpoints"]["lockStore"]["enabled"] and settings["endpoints"]["trackerStore"]["enabled"]
    assert values["replicaCount"] >= 2


def test_nginx_publishes_no_private_endpoint_no_version_and_passes_the_client_address():
    text = (DEPLOY / "nginx.conf").read_text()
    for private in ("/webhooks/forget/", "/webhooks/handoff/"):
        assert re.search(rf"location \^~ {re.escape(private)} \{{ return 404; \}}", text), private
    assert "server_tokens off;" in text
    assert re.search(r"^\s*real_ip_header X-Forwarded-For;", text, re.M)
    # Every location that proxies to Rasa passes the client's address (a location's own
    # proxy_set_header lines replace the server's).
    for block in re.findall(r"location /socket\.io/ \{(.*?)\n    \}", text, re.S):
        assert "X-Forwarded-For $proxy_add_x_forwarded_for" in block
    assert re.search(r"^    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;", text, re.M)
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert "TRUSTED_PROXIES" in str(compose)
