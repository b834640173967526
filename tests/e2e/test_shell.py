"""`make shell`: a terminal chat through the running assistant."""
import os
import subprocess
import sys

from tests.support.services import ROOT


def test_terminal_chat_shows_answers_and_buttons(assistant):
    base_url = assistant.rest_url.split("/webhooks/")[0]
    result = subprocess.run([sys.executable, "scripts/shell.py"], cwd=ROOT, text=True, capture_output=True,
                            input="¿Dónde está la sede?\n¿qué puedes hacer?\n/quit\n", timeout=120,
                            env={**os.environ, "RASA_URL": base_url})
    assert result.returncode == 0, result.stderr
    assert "Paseo de Recoletos" in result.stdout
    assert "[Observadores -> /ask_observers]" in result.stdout
