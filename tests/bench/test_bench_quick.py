"""`make bench-quick` runs end to end and writes a well-formed table, JSON and plot (no timing checks)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("msg/s @1", "p50 ms @1", "p95 ms @1", "p99 ms @1", "errors @1", "rasa server RSS MB",
           "action server RSS MB", "training s (full model)", "held-out intent accuracy",
           "cold start to 1st answer s")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, model):
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--out", str(out)], cwd=ROOT,
                            text=True, capture_output=True, timeout=1500,
                            env={"PATH": "/usr/bin:/bin", "RASA_TELEMETRY_ENABLED": "false", "HOME": str(out)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result.stdout, out


def test_prints_one_table_with_every_figure_and_the_load(quick_run):
    stdout, _ = quick_run
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["figure", "project", "stock", "project/stock", "target", "met"]
    rows = {line.strip("|").split("|")[0].strip(): line for line in lines[2:]}
    for figure in FIGURES:
        assert figure in rows, f"{figure!r} missing from the table:\n{stdout}"
    assert all(len(line.strip("|").split("|")) == 6 for line in lines)
    assert "Load average" in stdout


def test_writes_json_with_both_stacks_and_a_png(quick_run):
    _, out = quick_run
    data = json.loads((out / "bench.json").read_text())
    assert set(data["stacks"]) == {"project", "stock"}
    assert data["quick"] is True and "1m" in data["loadavg"]["start"]
    for name, stack in data["stacks"].items():
        assert stack["cold_start_s"] > 0, name
        assert stack["memory_mb"]["rasa"] > 0 and stack["memory_mb"]["actions"] > 0, name
        for level, figures in stack["load"].items():
            assert figures["messages"] > 0 and figures["msg_per_s"] > 0, (name, level)
            assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], (name, level)
    # The project answers every message right (stock may be a 1-epoch stand-in on a fresh clone).
    for level, figures in data["stacks"]["project"]["load"].items():
        assert figures["errors"] == 0 and figures["wrong"] == 0, (level, figures["error_samples"])
    assert {row["figure"] for row in data["table"]} >= set(FIGURES)
    assert (out / "bench-latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
