"""The names that cross processes are written once (contracts.py), and the model's training inputs
are listed once (scripts/model.py) and match the repository."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import contracts
from scripts import model

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("actions", "bench", "data_protection", "handoff", "insights", "knowledge", "nlu", "ops", "quality",
            "rasa_server", "scripts", "telegram_gateway", "website")
# Strings a second process must read exactly as the first wrote them. A literal holding one outside
# contracts.py is a copy that can drift (docstrings may name them).
WRITTEN_ONCE = {
    "the Telegram sender prefix": contracts.TELEGRAM_SENDER_PREFIX,
    "the Telegram message source": contracts.telegram_message_source(1, 2, 3).split("1:2:3")[0],
    "the private endpoints' token": contracts.FORGET_TOKEN_ENV,
    "the REST secret's variable": contracts.SECRET_ENV,
    "the REST secret's header": contracts.SECRET_HEADER,
    **{f"the path {path}": path for path in (contracts.REST_PATH, contracts.FORGET_PATH, contracts.EXPORT_PATH,
                                             contracts.RESUME_PATH)},
}


def _docstrings(tree: ast.AST) -> set:
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))]
    return {id(node.body[0].value) for node in nodes
            if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def copies_of_contracts(paths) -> list:
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in sorted(ast.walk(tree), key=lambda n: getattr(n, "lineno", 0)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: {what} ({node.value!r})"
                          for what, value in WRITTEN_ONCE.items() if value in node.value]
    return found


def test_no_process_retypes_a_contract_string():
    sources = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    assert len(sources) > 100
    assert copies_of_contracts(sources) == [], "import these from contracts.py"


def test_the_scan_finds_a_retyped_contract(tmp_path):
    copy = ROOT / "tests" / "_retyped_contract.py"   # under ROOT for relative_to; removed at once
    try:
        copy.write_text('"""Docstrings may say telegram:<chat>."""\n'
                        'def sender(chat):\n    return f"telegram:{chat}"\n'
                        'SOURCE = "tg:%s:%s"\nURL = "http://rasa/webhooks/forget/conversation"\n')
        found = copies_of_contracts([copy])
    finally:
        copy.unlink()
    assert [line.split(": ", 1)[1] for line in found] == [
        "the Telegram sender prefix ('telegram:')", "the Telegram message source ('tg:%s:%s')",
        "the path /webhooks/forget/conversation ('http://rasa/webhooks/forget/conversation')"]


def test_contracts_imports_only_the_standard_library():
    """Every image copies contracts.py alone, without the project's or a third party's packages."""
    tree = ast.parse((ROOT / "contracts.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


@pytest.mark.parametrize("chat", [42, -1001234567890])
def test_a_telegram_chat_is_found_again_from_its_sender(chat):
    assert contracts.telegram_sender(chat) == f"telegram:{chat}"
    assert contracts.telegram_chat_of(contracts.telegram_sender(chat)) == chat


@pytest.mark.parametrize("sender", ["web-session-1", "telegram:", "telegram:abc", "xtelegram:42"])
def test_other_senders_have_no_telegram_chat(sender):
    assert contracts.telegram_chat_of(sender) is None


def test_a_staff_message_is_found_again_from_its_outbox_source():
    source = contracts.telegram_message_source(-1001234567890, 77, 1764000000)
    assert source == "tg:-1001234567890:77:1764000000"
    assert contracts.telegram_message_of(source) == (-1001234567890, 77)
    for other in ("erased:-100:SGB-ABCD", "tg:-100", "tg:x:1:2", "tg:-100:-5:1", ""):
        assert contracts.telegram_message_of(other) is None, other


def test_the_rasa_server_serves_the_private_endpoints_where_the_gateway_posts():
    from rasa.core.channels.channel import register
    from sanic import Sanic

    from rasa_server.channels.forget import ExportInput, ForgetInput
    from rasa_server.channels.handoff import HandoffInput
    from telegram_gateway.config import Settings

    app = Sanic("contracts_test")
    register([ForgetInput("token"), ExportInput("token"), HandoffInput("token")], app, route="/webhooks/")
    served = {"/" + route.path.rstrip("/") for route in app.router.routes}
    gateway = Settings(token="1:x", rasa_url="http://127.0.0.1:5005")
    posted = {gateway.forget_url, gateway.export_url, gateway.resume_url}
    assert {url.removeprefix("http://127.0.0.1:5005") for url in posted} <= served, served
    assert gateway.rest_url == "http://127.0.0.1:5005/webhooks/rest/webhook"   # ../shared/CONTRACTS.md


def test_a_path_outside_the_webhooks_is_no_channel():
    assert contracts.channel_route("/webhooks/forget/conversation") == ("forget", "/conversation")
    for path in ("/forget/conversation", "/webhooks/forget"):
        with pytest.raises(ValueError):
            contracts.channel_route(path)


# ---- training inputs ------------------------------------------------------------------------------
def test_every_training_input_exists_and_is_hashed():
    assert all((ROOT / path).exists() for path in model.INPUTS), [p for p in model.INPUTS if not (ROOT / p).exists()]
    assert sorted(model.INPUTS) == sorted({model.CONFIG, model.DOMAIN, *model.TRAINING_DATA, *model.CODE})
    assert len(model.INPUTS) == len(set(model.INPUTS))


def test_every_file_rasa_would_train_from_is_a_training_input():
    """A training file added under data/ (a stories file, another NLU file) is trained from and hashed,
    and every listed one is training data."""
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    def is_training_data(path: Path) -> bool:
        return RasaYAMLReader.is_yaml_nlu_file(path) or YAMLStoryReader.is_stories_file(path)

    listed = [ROOT / p for p in model.TRAINING_DATA]
    candidates = sorted(p for p in (ROOT / "data").rglob("*") if p.suffix in (".yml", ".yaml"))
    training = [p for p in candidates if is_training_data(p)]
    assert training, "no training data found under data/"
    assert [p for p in training if not any(p == d or d in p.parents for d in listed)] == []
    for entry in listed:
        assert any(p == entry or entry in p.parents for p in training), f"{entry} holds no training data"


def test_make_train_needs_exactly_the_training_inputs():
    database = subprocess.run(["make", "--no-print-directory", "-pq"], cwd=ROOT, capture_output=True, text=True).stdout
    rules = [line for line in database.splitlines() if line.startswith("train:")]
    assert len(rules) == 1, rules
    assert rules[0].split(":", 1)[1].split() == ["install", *model.INPUTS]
