"""Starts and stops the real servers the end-to-end tests talk to (loopback only)."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def stop_process(process: Optional[subprocess.Popen], timeout: float = 20) -> Optional[int]:
    """Asks a process to stop (SIGTERM), kills it after `timeout` seconds; its exit code."""
    if process is None:
        return None
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (OSError, urllib.error.URLError):
        return False


def json_headers() -> Dict[str, str]:
    """Content type, and the REST channel's shared secret when the environment has one (tests/conftest.py)."""
    secret = os.environ.get("REST_SHARED_SECRET")
    return {"Content-Type": "application/json", **({"X-SEGIB-Secret": secret} if secret else {})}


def post_json(url: str, payload, timeout: float = 60, raw: Optional[bytes] = None):
    """POST and return (status, parsed body or text)."""
    data = raw if raw is not None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data, json_headers())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(), error.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


@dataclass
class Service:
    """A server process with its log file; stopped with SIGTERM, then SIGKILL."""
    name: str
    command: List[str]
    health_url: str
    log_dir: Path
    env: Dict[str, str] = field(default_factory=dict)
    process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 180) -> "Service":
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **self.env})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if http_ok(self.health_url):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        stop_process(self.process)


FAST_ENV = "SEGIB_TEST_FAST"   # `make test-fast`: no training, no browser, no replicas (tests/conftest.py)


def fast_run() -> bool:
    return os.environ.get(FAST_ENV) == "1"


def trained_model() -> Path:
    """The model for the current training data, trained once and cached by a hash of its inputs."""
    if fast_run():
        import pytest

        pytest.skip("needs a trained model: `make test` runs it")
    output = subprocess.run([PYTHON, "scripts/model.py", "ensure"], cwd=ROOT, check=True, text=True,
                            stdout=subprocess.PIPE, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return Path(output.stdout.strip().splitlines()[-1])


@dataclass
class Assistant:
    """A running action server + Rasa server pair, as `make run` starts them."""
    rest_url: str
    rasa: Service
    actions: Service
    workdir: Path
    owns_actions: bool = True

    @property
    def base_url(self) -> str:
        """The Rasa server's root: the web widget's socket.io URL."""
        return self.rest_url.split("/webhooks/")[0]

    def say(self, sender: str, text, metadata: Optional[dict] = None, timeout: float = 60):
        payload = {"sender": sender, "message": text}
        if metadata is not None:
            payload["metadata"] = metadata
        status, body = post_json(self.rest_url, payload, timeout=timeout)
        assert status == 200, f"HTTP {status}: {body}"
        return body

    def stop(self) -> None:
        self.rasa.stop()
        if self.owns_actions:
            self.actions.stop()


def start_action_server(workdir: Path, env: Optional[Dict[str, str]] = None) -> Service:
    """An action server on a free loopback port (its webhook: `action_url(service)`)."""
    port = free_port()
    return Service("actions", [PYTHON, "-m", "actions", "--port", str(port)],
                   f"http://127.0.0.1:{port}/health", workdir, dict(env or {})).start()


def action_url(actions: Service) -> str:
    return actions.health_url.rsplit("/", 1)[0] + "/webhook"


def endpoints_yaml(action_url: str, db: Path, template: Path = ROOT / "endpoints.yml",
                   tracker_store: bool = True) -> str:
    """The endpoints of `template` (the project's endpoints.yml by default) with the action server on
    `action_url` and the SQLite tracker store in `db`; `tracker_store=False` drops the tracker store
    (Rasa then keeps conversations in memory, as `rasa init`'s endpoints do)."""
    import yaml

    endpoints = yaml.safe_load(template.read_text()) or {}
    endpoints["action_endpoint"] = {**(endpoints.get("action_endpoint") or {}),
                                    "url": action_url}
    store = endpoints.get("tracker_store")
    if not tracker_store:
        endpoints.pop("tracker_store", None)
    elif store and store.get("dialect") == "sqlite":
        store["db"] = str(db)
    return yaml.safe_dump(endpoints, sort_keys=False)


# End-to-end tests write far faster than citizens, and all from 127.0.0.1: the rate limits and the
# cap on hand-off cases (rasa_server/limits.py) are loosened for them, unless a test passes its own values
# (tests/production/test_abuse.py runs with the real defaults, PRODUCT_PACE).
TEST_PACE = {"RATE_LIMIT_BURST": "1000", "RATE_LIMIT_PER_SECOND": "1000", "RATE_LIMIT_ADDRESS_BURST": "100000",
             "RATE_LIMIT_ADDRESS_PER_SECOND": "100000", "HANDOFF_CASES_PER_HOUR": "100000"}
PRODUCT_PACE = {name: "" for name in TEST_PACE}   # empty: the product's defaults
# Staff answer live around the clock in the tests, unless a test gives its own HANDOFF_HOURS: with the
# product's default (Madrid office hours) a test's outcome would depend on the hour it runs at.
TEST_STAFFED = {"HANDOFF_HOURS": "always"}


def start_assistant(workdir: Path, model: Path, env: Optional[Dict[str, str]] = None,
                    tracker_db: Optional[Path] = None, widget_origins: Optional[List[str]] = None,
                    endpoints: Optional[Path] = None, actions: Optional[Service] = None,
                    name: str = "rasa", tracker_store: bool = True,
                    endpoints_template: Path = ROOT / "endpoints.yml",
                    credentials: Path = ROOT / "credentials.yml") -> Assistant:
    """Starts both servers with the repository's credentials.yml (REST and web widget channels).

    `widget_origins`: the web pages allowed to open the widget's socket.io connection
    (WIDGET_ALLOWED_ORIGINS); by default the ones in credentials.yml.
    `endpoints`: an endpoints file to use as it is (e.g. endpoints.production.yml, whose ${VAR}s come
    from `env`; ACTION_SERVER_URL is set to the action server unless `env` names one); by default
    `endpoints_template` (the project's endpoints.yml) with this action server and the SQLite
    tracker store in `tracker_db` (or a file in `workdir`); `tracker_store=False` keeps
    conversations in memory, as `rasa init`'s endpoints do.
    `actions`: an action server already running (shared by several replicas; stopping this assistant
    leaves it running); by default one is started for this assistant. `name`: the Rasa server's log name.
    """
    env = {**TEST_PACE, **TEST_STAFFED, **(env or {})}
    if widget_origins is not None:
        env["WIDGET_ALLOWED_ORIGINS"] = ",".join(widget_origins)
    workdir.mkdir(parents=True, exist_ok=True)
    owns_actions = actions is None
    if actions is None:
        actions = start_action_server(workdir, env)
    rasa_port = free_port()
    if endpoints is None:
        endpoints = workdir / "endpoints.yml"
        db = tracker_db or workdir / "conversations.db"
        endpoints.write_text(endpoints_yaml(action_url(actions), db, endpoints_template, tracker_store))
    else:
        env.setdefault("ACTION_SERVER_URL", action_url(actions))
    rasa = Service(name, [PYTHON, "-m", "rasa_server", "run", "--model", str(model), "--credentials",
                          str(credentials), "--endpoints", str(endpoints),
                          "--interface", "127.0.0.1", "--port", str(rasa_port)],
                   f"http://127.0.0.1:{rasa_port}/webhooks/rest/", workdir, env)
    try:
        rasa.start()
    except Exception:
        if owns_actions:
            actions.stop()
        raise
    return Assistant(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", rasa, actions, workdir,
                     owns_actions)
