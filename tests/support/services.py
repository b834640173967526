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


def post_json(url: str, payload, timeout: float = 60, raw: Optional[bytes] = None):
    """POST and return (status, parsed body or text)."""
    data = raw if raw is not None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
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
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def trained_model() -> Path:
    """The model for the current training data, trained once and cached by a hash of its inputs."""
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

    def say(self, sender: str, text, metadata: Optional[dict] = None, timeout: float = 60):
        payload = {"sender": sender, "message": text}
        if metadata is not None:
            payload["metadata"] = metadata
        status, body = post_json(self.rest_url, payload, timeout=timeout)
        assert status == 200, f"HTTP {status}: {body}"
        return body

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()


def endpoints_yaml(action_port: int, db: Path, template: Path = ROOT / "endpoints.yml",
                   tracker_store: bool = True) -> str:
    """The endpoints of `template` (the project's endpoints.yml by default) with the action server on
    `action_port` and the SQLite tracker store in `db`; `tracker_store=False` drops the tracker store
    (Rasa then keeps conversations in memory, as `rasa init`'s endpoints do)."""
    import yaml

    endpoints = yaml.safe_load(template.read_text()) or {}
    endpoints["action_endpoint"] = {**(endpoints.get("action_endpoint") or {}),
                                    "url": f"http://127.0.0.1:{action_port}/webhook"}
    store = endpoints.get("tracker_store")
    if not tracker_store:
        endpoints.pop("tracker_store", None)
    elif store and store.get("dialect") == "sqlite":
        store["db"] = str(db)
    return yaml.safe_dump(endpoints, sort_keys=False)


def start_assistant(workdir: Path, model: Path, env: Optional[Dict[str, str]] = None,
                    tracker_db: Optional[Path] = None, tracker_store: bool = True,
                    endpoints_template: Path = ROOT / "endpoints.yml",
                    credentials: Path = ROOT / "credentials.yml") -> Assistant:
    """Starts the action server, then the Rasa server, on free loopback ports with the project's
    settings (endpoints.yml with the ports and the SQLite file of `workdir`)."""
    env = dict(env or {})
    action_port, rasa_port = free_port(), free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(endpoints_yaml(action_port, tracker_db or workdir / "conversations.db",
                                        endpoints_template, tracker_store))
    actions = Service("actions", [PYTHON, "-m", "actions", "--port", str(action_port)],
                      f"http://127.0.0.1:{action_port}/health", workdir, env).start()
    rasa = Service("rasa", [PYTHON, "-m", "rasa", "run", "--model", str(model), "--credentials",
                            str(credentials), "--endpoints", str(endpoints),
                            "--interface", "127.0.0.1", "--port", str(rasa_port)],
                   f"http://127.0.0.1:{rasa_port}/webhooks/rest/", workdir, env)
    try:
        rasa.start()
    except Exception:
        actions.stop()
        raise
    return Assistant(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", rasa, actions, workdir)
