"""What the Rasa server shows the outside: no version banner, and no start at all as a public REST
channel beyond loopback (the real launcher `python -m rasa_server run`, real model)."""
import socket
import subprocess
import urllib.request

from tests.support.services import PYTHON, ROOT, free_port


def test_get_root_does_not_announce_the_rasa_version(assistant):
    with urllib.request.urlopen(assistant.base_url + "/", timeout=10) as response:
        body = response.read().decode()
    assert body == "Hello from Rasa" and "3.6" not in body


def test_the_server_refuses_to_start_on_every_interface_without_the_rest_secret(model, tmp_path):
    port = free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: rasa_server.tracker_store.SQLiteTrackerStore\n  dialect: sqlite\n"
                         f"  db: {tmp_path / 'conversations.db'}\n")
    # Refused before the socket is bound: nothing listens on 0.0.0.0 even for a moment.
    result = subprocess.run([PYTHON, "-m", "rasa_server", "run", "--model", str(model), "--credentials",
                             str(ROOT / "credentials.yml"), "--endpoints", str(endpoints),
                             "--interface", "0.0.0.0", "--port", str(port)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**_clean_env(), "REST_SHARED_SECRET": "", "ALLOW_OPEN_REST": ""})
    output = result.stdout + result.stderr
    assert "The REST channel would listen on 0.0.0.0 without REST_SHARED_SECRET" in output, output[-3000:]
    assert result.returncode != 0 and not _listening(port)


def _clean_env():
    import os
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
