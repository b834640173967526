"""The evaluation models: trained with config.yml, NLU only, on the training side of a split (or, for the
unseen messages, on all of data/nlu/).

Cached under models/ as staff-heldout-<hash>.tar.gz, the hash covering Rasa's version, config.yml,
the training side of the split and the NLU components, so it is trained again only when one changes.
"""
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from quality.common import CONFIG_FILE, ROOT

MODELS = ROOT / "models"
PREFIX = "staff-heldout-"


def inputs_hash(train_dir: Path) -> str:
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    files = [CONFIG_FILE, *sorted(Path(train_dir).glob("*.yml")), *sorted((ROOT / "nlu").glob("*.py"))]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure(train_dir: Path, log_file: Path) -> Path:
    """The model for this training data, trained now if it does not exist yet."""
    name = f"{PREFIX}{inputs_hash(train_dir)}"
    path = MODELS / f"{name}.tar.gz"
    if path.exists():
        return path
    MODELS.mkdir(exist_ok=True)
    print(f"Training the evaluation model {path.name} on {train_dir} (NLU only)...", file=sys.stderr, flush=True)
    started = time.monotonic()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "w", encoding="utf-8") as log:
        completed = subprocess.run(
            [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(CONFIG_FILE), "--nlu", str(train_dir),
             "--out", str(MODELS), "--fixed-model-name", name],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    if completed.returncode != 0 or not path.exists():
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"training the held-out model failed (exit {completed.returncode}):\n{tail}")
    print(f"Trained in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return path
