"""scripts/doctor.py (`make doctor`): flags unsafe deployment settings, passes the repository's own."""
import importlib.util
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("doctor", ROOT / "scripts" / "doctor.py")
doctor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(doctor)


def unsafe(findings):
    return [message for level, message in findings if level == "UNSAFE"]


def test_the_repository_defaults_are_safe():
    assert unsafe(doctor.check({})) == []


def test_production_endpoints_keep_secrets_out_of_the_file():
    assert unsafe(doctor.check({"ENDPOINTS_FILE": "endpoints.production.yml",
                                "ACTION_SERVER_URL": "http://actions:5055/webhook"})) == []


def test_unsafe_settings_are_reported(tmp_path):
    (tmp_path / "credentials.yml").write_text(
        "rest:\nsocketio_channel:\n  allowed_origins: ['*']\n")
    (tmp_path / "endpoints.yml").write_text(
        "action_endpoint:\n  url: http://93.184.216.34:5055/webhook\n"
        "tracker_store:\n  type: SQL\n  password: hunter22\n")
    fake_token = "123456789:" + "AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"  # assembled: nothing token-shaped is tracked
    (tmp_path / "settings.yml").write_text(f"telegram: {fake_token}\n")
    (tmp_path / ".env").write_text("X=1\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-f", "."], cwd=tmp_path, check=True)
    env = {"RASA_ENABLE_API": "true", "RASA_INTERFACE": "0.0.0.0", "RASA_CORS": "*",
           "WIDGET_ALLOWED_ORIGINS": "https://www.segib.org,*", "ACTION_SERVER_HOST": "0.0.0.0", "LOG_LEVEL": "DEBUG"}
    text = "\n".join(unsafe(doctor.check(env, tmp_path)))
    for expected in ["HTTP API is enabled", "REST channel listens on 0.0.0.0", "socket.io", "WIDGET_ALLOWED_ORIGINS",
                     "RASA_CORS", "ACTION_SERVER_HOST", "93.184.216.34", "tracker_store.password", "debug logging",
                     "Telegram bot token", ".env is tracked"]:
        assert expected in text, (expected, text)


def test_protected_settings_pass(tmp_path):
    (tmp_path / "credentials.yml").write_text("rest:\n")
    env = {"RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": "x", "RASA_INTERFACE": "0.0.0.0", "REST_SHARED_SECRET": "y"}
    assert unsafe(doctor.check(env, tmp_path)) == []


def test_the_widget_session_secret_is_checked(tmp_path):
    (tmp_path / "credentials.yml").write_text("rasa_server.channels.socketio.SegibSocketIOInput:\n")
    env = {"RASA_INTERFACE": "0.0.0.0"}
    assert any("SOCKETIO_SESSION_SECRET is not set" in message
               for level, message in doctor.check(env, tmp_path) if level == "WARN")
    assert "SOCKETIO_SESSION_SECRET is shorter" in "\n".join(
        unsafe(doctor.check({**env, "SOCKETIO_SESSION_SECRET": "short"}, tmp_path)))
    findings = doctor.check({**env, "SOCKETIO_SESSION_SECRET": "a" * 64}, tmp_path)
    assert not any("SOCKETIO_SESSION_SECRET" in message for _, message in findings)
