"""`make run` (scripts/run.sh) with a .env written as the README shows it: the unquoted
`HANDOFF_HOURS=mon-fri 09:00-18:00 Europe/Madrid` line (which bash's `source` broke), the Telegram
gateway against the stand-in Bot API, and a malformed line that stops start-up naming the line."""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.fake_telegram import FakeTelegram
from tests.support.services import ROOT, endpoints_yaml, free_port

README_HOURS = "mon-fri 09:00-18:00 Europe/Madrid"


def _run_sh(env_file: Path, log: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items()
           if key not in ("HANDOFF_HOURS", "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_API_URL", "GATEWAY_HTTP_PORT",
                          "REST_SHARED_SECRET")}
    return subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh")], cwd=ROOT, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env={**env, "SEGIB_ENV_FILE": str(env_file), "RASA_TELEMETRY_ENABLED": "false"})


def _post_without_secret(url: str, payload: dict):
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)   # run.sh stops every server it started
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _children_environ(pid: int, module: str) -> dict:
    """The environment of run.sh's child running `python -m <module>`."""
    for child in Path("/proc").glob("[0-9]*"):
        try:
            command = (child / "cmdline").read_bytes().split(b"\0")
            if module.encode() in command and (child / "stat").read_text().split()[3] == str(pid):
                pairs = (item.split(b"=", 1) for item in (child / "environ").read_bytes().split(b"\0") if b"=" in item)
                return {k.decode(): v.decode(errors="replace") for k, v in pairs}
        except OSError:
            continue
    raise AssertionError(f"no child running {module}")


def test_make_run_reads_the_readmes_env_file_and_answers(tmp_path, model):
    fake = FakeTelegram().start()
    rasa_port, action_port, web_port, gateway_port = free_port(), free_port(), free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(endpoints_yaml(f"http://127.0.0.1:{action_port}/webhook", tmp_path / "conversations.db"))
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# as README.md shows it\n"
        f"HANDOFF_HOURS={README_HOURS}     # the default; `always` for a 24/7 service\n"
        f"TELEGRAM_BOT_TOKEN={fake.token}\n"
        f"TELEGRAM_BOT_API_URL={fake.api_url}\n"
        f"GATEWAY_HTTP_PORT={gateway_port}\n"
        f"HANDOFF_DB_URL=sqlite:///{tmp_path / 'handoff.db'}\n"
        f"RASA_PORT={rasa_port}\nACTION_SERVER_PORT={action_port}\nWEB_PORT={web_port}\n"
        f"SEGIB_ENDPOINTS={endpoints}\n")
    log = tmp_path / "run.log"
    process = _run_sh(env_file, log)
    try:
        deadline = time.monotonic() + 240
        while b"The SEGIB assistant is running" not in log.read_bytes():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        # make run made a secret for its gateway; a citizen's REST call without it is still answered,
        # as the public: it cannot talk as a Telegram chat.
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        status, body = _post_without_secret(url, {"sender": "run-env",
                                                  "message": "¿Cuál es el teléfono de la sede en Madrid?"})
        assert status == 200 and "+34 91 590 19 80" in body[0]["text"]
        assert _post_without_secret(url, {"sender": "telegram:1", "message": "hola"})[0] == 403
        # The value reached the services whole, spaces included.
        assert _children_environ(process.pid, "actions")["HANDOFF_HOURS"] == README_HOURS
        assert "Telegram: gateway running" in log.read_text(), log.read_text()[-2000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{gateway_port}/health", timeout=10) as response:
            health = json.loads(response.read())
        assert response.status == 200 and health["status"] == "ok" and health["telegram"]["receiving"]
        for port in (rasa_port, action_port):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
                assert b"# TYPE segib_" in response.read()
    finally:
        _stop(process)
        fake.stop()


def test_a_malformed_env_line_stops_make_run_naming_the_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"HANDOFF_HOURS={README_HOURS}\nTELEGRAM_BOT_TOKEN=\"123:abc\n")
    log = tmp_path / "run.log"
    process = _run_sh(env_file, log)
    try:
        assert process.wait(timeout=60) != 0
    finally:
        _stop(process)
    assert f"{env_file}:2: not a KEY=value line" in log.read_text()
