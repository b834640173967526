"""Trains the Rasa model only when its inputs changed: models are named by a hash of those inputs.

Usage: python scripts/model.py path   -> prints the model path for the current inputs
       python scripts/model.py ensure -> trains it if it does not exist yet, then prints the path

The knowledge file is not an input: entities are read from it when the server starts.
"""
import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
INPUTS = ["config.yml", "domain.yml", "data/rules.yml", "data/stories.yml", "data/nlu", "nlu"]
TRAINING_DATA = ["data/nlu", "data/rules.yml", "data/stories.yml"]


def _files(paths):
    for relative in paths:
        path = ROOT / relative
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".py"))
        elif path.is_file():
            yield path


def inputs_hash() -> str:
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    for path in _files(INPUTS):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODELS / f"segib-{inputs_hash()}.tar.gz"


def ensure() -> Path:
    path = model_path()
    if path.exists():
        return path
    MODELS.mkdir(exist_ok=True)
    data = [str(ROOT / p) for p in TRAINING_DATA if (ROOT / p).exists()]
    started = time.monotonic()
    print(f"Training {path.name} (inputs changed or no model yet)...", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", str(ROOT / "config.yml"),
         "--domain", str(ROOT / "domain.yml"), "--data", *data, "--out", str(MODELS),
         "--fixed-model-name", path.name[: -len(".tar.gz")]],
        check=True, cwd=ROOT, stdout=sys.stderr,
    )
    print(f"Trained in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return path


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "path"
    print(ensure() if command == "ensure" else model_path())
