"""One .env reader (ops/envfile.py) for make run, the gateway and make doctor: the same values from
the same file, values with spaces unquoted, and a malformed line named by its line number."""
import subprocess
import sys

import pytest

from ops import envfile
from telegram_gateway.config import ConfigError, Settings
from tests.support.services import ROOT

TOKEN = "123456:" + "A" * 35
README_LINES = (
    "# the staff group (docs/handoff.md)\n"
    "TELEGRAM_STAFF_CHAT_ID=-1001234567890\n"
    "HANDOFF_HOURS=mon-fri 09:00-18:00 Europe/Madrid     # the default; `always` for a 24/7 service\n"
    f"export TELEGRAM_BOT_TOKEN='{TOKEN}'\n"
    'LOG_FORMAT="json"\n'
)


def test_the_readme_lines_read_the_same_for_make_run_the_gateway_and_doctor(tmp_path):
    path = tmp_path / ".env"
    path.write_text(README_LINES)
    values = envfile.read(path)
    assert values == {"TELEGRAM_STAFF_CHAT_ID": "-1001234567890",
                      "HANDOFF_HOURS": "mon-fri 09:00-18:00 Europe/Madrid",
                      "TELEGRAM_BOT_TOKEN": TOKEN, "LOG_FORMAT": "json"}
    # make run: the shell lines run.sh evaluates give the same values.
    exports = envfile.shell_exports(path, {})
    shown = subprocess.run(["bash", "-c", exports + 'printf "%s|%s" "$HANDOFF_HOURS" "$TELEGRAM_BOT_TOKEN"'],
                           check=True, capture_output=True, text=True).stdout
    assert shown == f"mon-fri 09:00-18:00 Europe/Madrid|{TOKEN}"
    # The gateway: its office hours and staff group from the file; the environment wins.
    settings = Settings.from_env({}, path)
    assert settings.staff_chat == -1001234567890 and settings.hours.text.startswith("mon-fri 09:00-18:00")
    assert Settings.from_env({"TELEGRAM_STAFF_CHAT_ID": "-100999"}, path).staff_chat == -100999
    assert "TELEGRAM_BOT_TOKEN" not in envfile.shell_exports(path, {"TELEGRAM_BOT_TOKEN": "x"})


@pytest.mark.parametrize("bad, line", [('TOKEN="never closed\n', 2), ("just words here\n", 2), ("=value\n", 2)])
def test_a_malformed_line_is_an_error_naming_the_line(tmp_path, bad, line):
    path = tmp_path / ".env"
    path.write_text("HANDOFF_HOURS=always\n" + bad + "LOG_LEVEL=INFO\n")
    with pytest.raises(envfile.EnvFileError, match=rf"\.env:{line}: not a KEY=value line"):
        envfile.read(path)
    with pytest.raises(ConfigError, match=rf"\.env:{line}"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}, path)


def test_doctor_reads_the_same_file_and_stops_on_a_malformed_line(tmp_path):
    path = tmp_path / ".env"
    path.write_text("LOG_LEVEL=INFO\nnot a setting\n")
    doctor = subprocess.run([sys.executable, "scripts/doctor.py"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "SEGIB_ENV_FILE": str(path)})
    assert doctor.returncode == 1 and f"{path}:2: not a KEY=value line" in doctor.stdout
    path.write_text("LOG_LEVEL=DEBUG # spaces and a comment\n")
    doctor = subprocess.run([sys.executable, "scripts/doctor.py"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "SEGIB_ENV_FILE": str(path)})
    assert "debug logging is on" in doctor.stdout   # the value (before its comment) reached the checks
