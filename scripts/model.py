"""Trains the Rasa model only when its inputs changed: models are named by a hash of those inputs.

Usage: python scripts/model.py path   -> prints the model path for the current inputs
       python scripts/model.py ensure -> trains it if it does not exist yet, then prints the path
       python scripts/model.py inputs -> prints what the model is trained from (the Makefile's `train` needs them)

This module owns the list of training inputs (INPUTS): `make train`, `make validate`
(quality/validate.py) and the tests read it from here. It imports Rasa only to hash.

The knowledge file is not an input: entities are read from it when the server starts.
The benchmark (bench/) trains other models with the same functions: another config (the stock
`rasa init` one), other training data (a held-out split) or NLU only, each under its own name prefix.
Each trained model gets a `<model>.train.json` beside it with its training time.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
CONFIG, DOMAIN = "config.yml", "domain.yml"
NLU_DATA, RULES = "data/nlu", "data/rules.yml"
# What `rasa train --data` and `rasa data validate --data` read. No stories: rules drive every turn
# (the test stories are tests/test_stories.yml). NLU first: `rasa train nlu --nlu` takes the first.
TRAINING_DATA = [NLU_DATA, RULES]
CODE = ["nlu"]   # the project's components that config.yml names
# Everything the model is trained from, hashed in this order: another order would name (and train)
# another model for the same files.
INPUTS = [CONFIG, DOMAIN, RULES, NLU_DATA, *CODE]


def _files(paths: Iterable[Path]):
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".py"))
        elif path.is_file():
            yield path


def _name(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return path.name


def inputs_hash(inputs: Optional[Sequence[Path]] = None, salt: str = "") -> str:
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode() + (f"{salt}\n".encode() if salt else b""))
    for path in _files(inputs if inputs is not None else [ROOT / p for p in INPUTS]):
        digest.update(_name(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(config: Optional[Path] = None, data: Optional[Sequence[Path]] = None, prefix: str = "segib",
               nlu_only: bool = False, code: Optional[Sequence[Path]] = None) -> Path:
    """`code`: the project code the config uses (default: all of nlu/)."""
    if config is None and data is None and not nlu_only and code is None:
        return MODELS / f"{prefix}-{inputs_hash()}.tar.gz"
    config = Path(config or ROOT / CONFIG)
    data = [Path(p) for p in (data or [ROOT / p for p in TRAINING_DATA])]
    inputs = [config, ROOT / DOMAIN, *data, *(code if code is not None else [ROOT / p for p in CODE])]
    return MODELS / f"{prefix}-{inputs_hash(inputs, salt='nlu-only' if nlu_only else '')}.tar.gz"


def training_info(path: Path) -> dict:
    """What `ensure` recorded about a model ({"seconds": ...}), or {} for a model trained elsewhere."""
    info = Path(str(path)[: -len(".tar.gz")] + ".train.json")
    try:
        return json.loads(info.read_text())
    except (OSError, ValueError):
        return {}


def train(path: Path, config: Optional[Path] = None, data: Optional[Sequence[Path]] = None,
          nlu_only: bool = False, quiet: bool = False) -> float:
    """Trains a model into `path` (from scratch) and returns the seconds it took; records them beside it."""
    config = Path(config or ROOT / CONFIG)
    data_paths = [str(p) for p in (data or [ROOT / p for p in TRAINING_DATA])]
    missing = [p for p in data_paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"training data not found: {', '.join(missing)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"Training {path.name} (inputs changed or no model yet)...", file=sys.stderr)
    command = [sys.executable, "-m", "rasa", "train", *(["nlu"] if nlu_only else []), "--config", str(config),
               "--domain", str(ROOT / DOMAIN),
               *(["--nlu", data_paths[0]] if nlu_only else ["--data", *data_paths]),
               "--out", str(path.parent), "--fixed-model-name", path.name[: -len(".tar.gz")]]
    output = subprocess.DEVNULL if quiet else sys.stderr
    with tempfile.TemporaryDirectory(prefix="rasa-cache-") as cache:  # from scratch: no training cache
        subprocess.run(command, check=True, cwd=ROOT, stdout=output, stderr=output if quiet else None,
                       env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": cache})
    seconds = time.monotonic() - started
    record_training(path, seconds, config, nlu_only)
    print(f"Trained in {seconds:.0f} s", file=sys.stderr)
    return seconds


def record_training(path: Path, seconds: float, config: Path, nlu_only: bool = False) -> None:
    Path(str(path)[: -len(".tar.gz")] + ".train.json").write_text(json.dumps(
        {"seconds": round(seconds, 1), "loadavg": [round(x, 2) for x in os.getloadavg()],
         "config": _name(Path(config)), "nlu_only": nlu_only, "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S")}))


def ensure(config: Optional[Path] = None, data: Optional[Sequence[Path]] = None, prefix: str = "segib",
           nlu_only: bool = False, quiet: bool = False, code: Optional[Sequence[Path]] = None) -> Path:
    path = model_path(config, data, prefix, nlu_only, code)
    if not path.exists():
        train(path, config, data, nlu_only, quiet)
    return path


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "path"
    if command == "inputs":
        print(" ".join(INPUTS))
    else:
        print(ensure() if command == "ensure" else model_path())
