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
    wanted = set(re.findall(r"\$\{(\w+)\}", "\n".join(line for line in lines if not line.lstrip().startswith("#"))))
    assert wanted <= set(env), wanted - set(env)
    assert endpoints["lock_store"]["type"] == TICKET_LOCK_STORE
    assert endpoints["tracker_store"]["dialect"] == "postgresql"


def test_helm_values_keep_the_api_off_and_origins_listed():
    values = yaml.safe_load((DEPLOY / "helm" / "rasa-values.yaml").read_text())
    settings = values["applicationSettings"]
    assert settings["enableAPI"] is False and settings["cors"] != "*" and not settings["debugMode"]
    socket = settings["credentials"]["additionalChannelCredentials"]["rasa_server.channels.socketio.SegibSocketIOInput"]
    assert "*" not in socket["allowed_origins"]
    assert settings["endpoints"]["lockStore"]["enabled"] and settings["endpoints"]["trackerStore"]["enabled"]
    assert values["replicaCount"] >= 2


# ---- issue 17: health, metrics, Helm that starts, lean images -------------------------------------
HELM = DEPLOY / "helm"
SECRET = "segib-rasa"
# Keys Bitnami's PostgreSQL chart reads from existingSecret by itself (no values key names it).
CHART_IMPLIED_KEYS = {"postgresql-postgres-password"}
SERVICE_REQUIREMENTS = {"rasa.Dockerfile": "rasa", "actions.Dockerfile": "actions",
                        "gateway.Dockerfile": "gateway", "web.Dockerfile": "web"}


TICKET_LOCK_STORE = "rasa_server.lock_store.RedisTicketLockStore"   # not Rasa's RedisLockStore (RasaHQ/rasa#9213)


def test_helm_uses_the_lock_store_that_loses_no_turn():
    values, _ = _helm_documents()
    assert values["applicationSettings"]["endpoints"]["lockStore"]["type"] == TICKET_LOCK_STORE


def _helm_documents():
    values = yaml.safe_load((HELM / "rasa-values.yaml").read_text())
    manifests = [d for d in yaml.safe_load_all((HELM / "segib.yaml").read_text()) if d]
    return values, manifests


def _secret_keys_used(node) -> set:
    keys = set()
    if isinstance(node, dict):
        ref = node.get("secretKeyRef")
        if isinstance(ref, dict) and ref.get("name") == SECRET:
            keys.add(ref["key"])
        if node.get("existingSecret") == SECRET:
            for name in ("existingSecretKey", "existingSecretPasswordKey"):
                if node.get(name):
                    keys.add(node[name])
        for value in node.values():
            keys |= _secret_keys_used(value)
    elif isinstance(node, list):
        for value in node:
            keys |= _secret_keys_used(value)
    return keys


def _documented_keys(text: str) -> set:
    return set(re.findall(r"--from-literal=([A-Za-z0-9_.-]+)=", text))


def test_the_documented_secret_command_creates_every_key_the_helm_files_use():
    values, manifests = _helm_documents()
    used = _secret_keys_used(values) | _secret_keys_used(manifests) | CHART_IMPLIED_KEYS
    for where in (HELM / "rasa-values.yaml", ROOT / "docs" / "production.md"):
        documented = _documented_keys(where.read_text())
        assert documented == used, (f"{where.name}: not created: {sorted(used - documented)}; "
                                    f"created but unused: {sorted(documented - used)}")


def test_helm_never_hands_rasa_the_charts_unset_secrets_and_keeps_metrics_internal():
    values, _ = _helm_documents()
    assert values["applicationSettings"]["enableAPI"] is False
    args = " ".join(values["args"])
    for flag in ("--enable-api", "--jwt-secret", "--auth-token", "UNSET"):
        assert flag not in args
    assert values["command"] == ["python", "-m", "rasa_server"]
    paths = [values["ingress"]["path"]] + [p["path"] for p in values["ingress"].get("extraPaths", [])]
    assert paths == ["/webhooks/", "/socket.io/"], paths   # never / (which would publish /metrics)


def test_helm_probes_and_the_services_beside_rasa():
    values, manifests = _helm_documents()
    assert values["readinessProbe"]["httpGet"]["path"] == "/webhooks/rest/"   # ready = model loaded
    assert values["livenessProbe"]["httpGet"]["path"] == "/"
    kinds = {(d["kind"], d["metadata"]["name"]) for d in manifests}
    assert {("Deployment", "segib-actions"), ("Deployment", "segib-gateway"),
            ("CronJob", "segib-retention")} <= kinds
    for document in manifests:
        if document["kind"] != "Deployment":
            continue
        for container in document["spec"]["template"]["spec"]["containers"]:
            assert container["livenessProbe"]["httpGet"]["path"] == "/health", document["metadata"]["name"]
            assert container["readinessProbe"]["httpGet"]["path"] == "/health", document["metadata"]["name"]
    assert values["rasa-action-server"]["external"]["url"] == "http://segib-actions:5055/webhook"
    retention = next(d for d in manifests if d["kind"] == "CronJob")
    command = " ".join(retention["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"])
    assert "data_protection.retention" in command and "--older-than-days" in command


def test_the_charts_channels_are_the_ones_credentials_yml_configures():
    values, _ = _helm_documents()
    chart = set(values["applicationSettings"]["credentials"]["additionalChannelCredentials"])
    assert chart == set(yaml.safe_load((ROOT / "credentials.yml").read_text()))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_each_image_installs_only_its_services_requirements_and_has_a_healthcheck(dockerfile):
    text = dockerfile.read_text()
    installs = re.findall(r"pip install .*?-r (\S+)", text)
    assert installs == [f"requirements/{SERVICE_REQUIREMENTS[dockerfile.name]}.txt"], installs
    assert re.search(r"^HEALTHCHECK .*\n?.*ops\.healthcheck", text, re.M), "no HEALTHCHECK"


def test_only_the_rasa_requirements_carry_rasa_and_every_pin_matches_the_constraints():
    constraints = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                       if "==" in line and not line.startswith("#"))
    constraints = {name.lower().replace("_", "-"): version for name, version in constraints.items()}
    for path in sorted((ROOT / "requirements").glob("*.txt")):
        pins = re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", path.read_text(), re.M)
        for name, version in pins:
            assert constraints.get(name.lower().replace("_", "-")) == version, f"{path.name}: {name}"
        assert any(name == "rasa" for name, _ in pins) == (path.name == "rasa.txt"), path.name


def test_compose_has_a_healthcheck_per_service_and_prometheus_scrapes_every_metrics_port():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    targets = {t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert {"rasa-1:5005", "rasa-2:5005", "actions:5055", "gateway:8090"} <= targets
    assert compose["services"]["gateway"]["environment"]["GATEWAY_HTTP_PORT"] == "8090"


def test_the_grafana_dashboard_reads_only_metrics_the_services_expose():
    import json

    from ops import metrics as defined

    names = {m._name for m in vars(defined).values() if hasattr(m, "_name") and hasattr(m, "_type")}
    exposed = {n + "_total" for n in names} | {n + "_bucket" for n in names} | names | {
        "segib_handoff_waiting", "segib_handoff_oldest_waiting_seconds", "segib_outbox_pending",
        "segib_telegram_receiving", "segib_telegram_last_update_age_seconds", "segib_staff_chats_unreachable"}
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"\bsegib_[a-z_]+", target["expr"])}
    assert used and used <= exposed, used - exposed


def test_nginx_publishes_no_private_endpoint_no_version_and_passes_the_client_address():
    text = (DEPLOY / "nginx.conf").read_text()
    for private in ("/webhooks/forget/", "/webhooks/handoff/", "/webhooks/privacy/"):
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
