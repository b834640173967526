"""rasa_server.patches.install(): explicit, all or none, and fail closed.

- Importing any module of rasa_server/ (the channels too) changes nothing in Rasa; install() does.
- On another Rasa version, or when one patch does not apply, nothing stays patched and the launcher
  (`python -m rasa_server run`) refuses to start with one line naming the patch and the Rasa version
  (exit status 2), unless SEGIB_ALLOW_UNPATCHED=1: then it warns and Rasa runs unpatched.
- The other uses of Rasa internals (channels, stores, the intent classifier) refuse another version
  where they are created, under the same variable.
"""
import json
import os
import subprocess
import sys

import pytest
import rasa
from rasa.core.lock_store import LockStore
from rasa.core.processor import MessageProcessor

from rasa_server import patches
from rasa_server.patches import ALLOW_UNPATCHED_ENV, UnsupportedRasa
from tests.support.attributes import current
from tests.support.services import ROOT

# Every Rasa attribute the patches replace (checked against install() below, so the list cannot drift).
TARGETS = [
    "rasa.core.actions.action.RemoteAction._validate_action_result",
    "rasa.utils.endpoints.EndpointConfig.session",
    "rasa.shared.core.events.Event.resolve_by_type",
    "rasa.core.lock_store.LockStore._acquire_lock",
    "rasa.server.add_root_route",
    "rasa.core.processor.MessageProcessor.handle_message",
    "rasa.core.processor.MessageProcessor._run_prediction_loop",
    "rasa.core.channels.channel.register",
]

# Run in a fresh interpreter: which of TARGETS change on importing every module of rasa_server/, and
# which on install(). Prints one JSON object.
IMPORT_EVERYTHING = r"""
import importlib, json, pkgutil, sys
from tests.support.attributes import current

targets = json.loads(sys.argv[1])
stock = current(targets)
assert not [name for name in sys.modules if name.startswith("rasa_server")]
import rasa_server
imported = [info.name for info in pkgutil.walk_packages(rasa_server.__path__, "rasa_server.")]
for name in imported:
    importlib.import_module(name)
after_import = current(targets)
from rasa_server import patches
installed = patches.install()
after_install = current(targets)
print(json.dumps({
    "imported": imported,
    "changed_by_import": [label for label in targets if after_import[label] is not stock[label]],
    "changed_by_install": [label for label in targets if after_install[label] is not stock[label]],
    "installed": installed,
}))
"""

# The launcher as `python -m rasa_server` runs it, after `prepare` (Python code) has changed Rasa.
LAUNCHER = """
import runpy, sys
{prepare}
sys.argv = ["rasa_server", *sys.argv[1:]]
runpy.run_module("rasa_server", run_name="__main__", alter_sys=True)
"""


def _current():
    return current(TARGETS)


@pytest.fixture
def stock_rasa(monkeypatch):
    """Rasa with no patch installed (restored afterwards as the test found it); yields its attributes."""
    monkeypatch.delenv(ALLOW_UNPATCHED_ENV, raising=False)
    was_installed = patches.installed()
    patches.uninstall()
    yield _current()
    patches.uninstall()
    if was_installed:
        patches.install()


def _run_launcher(prepare: str, *args: str, allow: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "LOG_FORMAT": "text"}
    env.pop(ALLOW_UNPATCHED_ENV, None)
    if allow:
        env[ALLOW_UNPATCHED_ENV] = "1"
    return subprocess.run([sys.executable, "-c", LAUNCHER.format(prepare=prepare), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _refusal(result: subprocess.CompletedProcess) -> str:
    """The launcher's one line saying why it did not start (after Rasa's log prefix)."""
    lines = [line for line in result.stderr.splitlines() if "Rasa server not started: " in line]
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0].split("Rasa server not started: ", 1)[1]


def test_install_replaces_exactly_the_listed_attributes_and_uninstall_restores_them(stock_rasa):
    assert patches.install() and patches.installed()
    assert patches.replaced() == TARGETS
    patched = _current()
    assert all(patched[label] is not stock_rasa[label] for label in TARGETS)
    assert patches.install() and _current() == patched          # idempotent: nothing wrapped twice
    patches.uninstall()
    assert not patches.installed() and _current() == stock_rasa


def test_importing_every_module_of_rasa_server_changes_nothing_in_rasa_until_install():
    result = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING, json.dumps(TARGETS)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "LOG_FORMAT": "json", ALLOW_UNPATCHED_ENV: ""})
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"rasa_server.channels.rest", "rasa_server.channels.socketio", "rasa_server.channels.forget",
            "rasa_server.metrics", "rasa_server.patches.speedups", "rasa_server.patches.fixes",
            "rasa_server.tracker_store", "rasa_server.lock_store"} <= set(seen["imported"])
    assert seen["changed_by_import"] == []
    assert seen["installed"] and seen["changed_by_install"] == TARGETS


def test_another_rasa_version_is_refused_with_nothing_patched(stock_rasa, monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(UnsupportedRasa) as refusal:
        patches.install()
    message = str(refusal.value)
    assert "Rasa 3.7.0" in message and "3.6.x" in message and ALLOW_UNPATCHED_ENV in message
    assert "\n" not in message
    assert not patches.installed() and _current() == stock_rasa


def test_another_rasa_version_runs_unpatched_when_allowed(stock_rasa, monkeypatch, caplog):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    monkeypatch.setenv(ALLOW_UNPATCHED_ENV, "1")
    assert patches.install() is False
    assert not patches.installed() and _current() == stock_rasa
    assert any("Rasa 3.7.0" in r.getMessage() and "unpatched" in r.getMessage() for r in caplog.records)


def test_a_patch_that_does_not_apply_leaves_nothing_half_applied(stock_rasa, monkeypatch):
    # A later Rasa whose prediction loop takes other parameters: the metrics hook no longer fits,
    # after the speed-ups and fixes were already applied.
    async def _run_prediction_loop(self, tracker):
        pass

    monkeypatch.setattr(MessageProcessor, "_run_prediction_loop", _run_prediction_loop)
    stock = _current()
    with pytest.raises(UnsupportedRasa, match=r"^Rasa patch metrics.message_counts does not apply to Rasa 3\.6\.\d+"):
        patches.install()
    assert not patches.installed() and _current() == stock
    monkeypatch.setenv(ALLOW_UNPATCHED_ENV, "1")
    assert patches.install() is False and _current() == stock


def test_a_patch_whose_target_is_gone_names_it(stock_rasa, monkeypatch):
    monkeypatch.delattr(LockStore, "_acquire_lock")
    with pytest.raises(UnsupportedRasa, match="fixes.waiting_tickets .*LockStore has no attribute '_acquire_lock'"):
        patches.install()
    assert not patches.installed()


def test_the_launcher_refuses_to_start_when_a_patch_cannot_apply():
    # Refused before Rasa parses its command line: no model, no port.
    prepare = "from rasa.core.lock_store import LockStore\ndel LockStore._acquire_lock"
    result = _run_launcher(prepare, "run", "--model", "no-such-model.tar.gz")
    assert result.returncode == 2, result.stderr[-3000:]
    line = _refusal(result)
    assert line.startswith(f"Rasa patch fixes.waiting_tickets does not apply to Rasa {rasa.__version__}"), line
    assert line.endswith(f"(set {ALLOW_UNPATCHED_ENV}=1 to run anyway)"), line


def test_the_launcher_refuses_another_rasa_version_and_runs_it_unpatched_when_allowed():
    prepare = "import rasa\nrasa.__version__ = '3.7.0'"
    refused = _run_launcher(prepare, "run", "--model", "no-such-model.tar.gz")
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert "this is Rasa 3.7.0: none applied" in _refusal(refused)
    allowed = _run_launcher(prepare, "telemetry", allow=True)   # a Rasa command that ends by itself
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    assert "Telemetry reporting is" in allowed.stdout   # Rasa's own command ran, unpatched
    assert "Rasa 3.7.0: none applied; SEGIB_ALLOW_UNPATCHED=1: running unpatched" in allowed.stderr


@pytest.mark.parametrize("create", [
    "from rasa_server.channels.socketio import SegibSocketIOInput; SegibSocketIOInput()",
    "from rasa_server.channels.forget import ForgetInput; ForgetInput('token')",
    "from rasa_server.tracker_store import SQLiteTrackerStore; SQLiteTrackerStore(db=str(tmp / 'c.db'))",
    "from rasa_server.lock_store import RedisTicketLockStore; RedisTicketLockStore()",
    "from nlu.intent_classifier import LogisticRegressionIntentClassifier as C; C({}, 'c', None, None)",
])
def test_the_other_uses_of_rasa_internals_refuse_another_version_where_they_are_created(create, monkeypatch,
                                                                                          tmp_path):
    monkeypatch.delenv(ALLOW_UNPATCHED_ENV, raising=False)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(UnsupportedRasa, match=r"uses internals of Rasa 3\.6\.x; this is Rasa 3\.7\.0 \(set "):
        exec(create, {"tmp": tmp_path})
