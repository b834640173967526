"""`make bench`: the project against stock Rasa, side by side, on this machine, in one run.

    python -m bench.run            # full run (make bench): trains or reuses both models, ~10 minutes
    python -m bench.run --quick    # smoke run (make bench-quick): tiny load, reuses models

For each stack in turn (project, then stock): start it on free loopback ports, time the cold start
to the first answer, warm up, then drive it at 1, 20 and 50 concurrent conversations (bench/load.py)
while sampling the resident memory of the Rasa and action server processes. Training time and
held-out intent accuracy come from the models (trained once, cached in models/ by a hash of their
inputs). Prints one table with the ratio project/stock and writes reports/bench.json and
reports/bench-latency.png.
"""
import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import model as models  # noqa: E402  (scripts/model.py)

from bench import procs, report  # noqa: E402
from bench.load import run_load  # noqa: E402
from bench.split import make_split  # noqa: E402
from bench.stacks import INIT_CREDENTIALS, INIT_ENDPOINTS, STOCK_CODE, write_stock_config  # noqa: E402
from contracts import REST_PATH  # noqa: E402
from tests.support.services import PYTHON, Assistant, endpoints_yaml, free_port, post_json, start_assistant  # noqa: E402

WORK = ROOT / ".state" / "bench"
REPORTS = ROOT / "reports"
FIRST_QUESTION = "¿Qué es la SEGIB?"
FIRST_ANSWER_MARK = "22"
ENV = {"RASA_TELEMETRY_ENABLED": "false"}


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# ---- models -----------------------------------------------------------------------------------
def stock_config(quick_variant: bool = False) -> Path:
    path = write_stock_config(WORK)
    if not quick_variant:
        return path
    # Smoke runs on a fresh clone: the same stock config with 1 epoch, so it trains in a minute.
    import yaml

    config = yaml.safe_load(path.read_text())
    for component in config["pipeline"] + config["policies"]:
        if "epochs" in component:
            component["epochs"] = 1
    quick = WORK / "stock-quick-config.yml"
    text = "# bench --quick only: stock config with 1 epoch\n" + yaml.safe_dump(config, sort_keys=False)
    if not quick.exists() or quick.read_text() != text:
        quick.write_text(text)
    return quick


def ensure_models(quick: bool, stacks: List[str]) -> Dict[str, dict]:
    project = models.ensure(quiet=quick)
    stock_path = models.model_path(stock_config(), prefix="stock", code=STOCK_CODE)
    stock_note = ""
    if "stock" not in stacks:
        pass
    elif quick and not stock_path.exists():
        stock_path = models.ensure(stock_config(quick_variant=True), prefix="stock-quick", quiet=True,
                                   code=STOCK_CODE)
        stock_note = "1-epoch stand-in (quick run on a machine without the stock model)"
    else:
        stock_path = models.ensure(stock_config(), prefix="stock", code=STOCK_CODE)
    result = {}
    for name, path, config in (("project", project, ROOT / "config.yml"), ("stock", stock_path, stock_config())):
        if name not in stacks:
            continue
        info = models.training_info(path)
        if not info and not quick:  # a model trained before timings were recorded: time a fresh run
            with tempfile.TemporaryDirectory() as scratch:
                seconds = models.train(Path(scratch) / path.name, config, quiet=True)
            models.record_training(path, seconds, config)
            info = models.training_info(path)
        result[name] = {"model": str(path), "training_s": info.get("seconds"),
                        "training_loadavg": info.get("loadavg"), "note": stock_note if name == "stock" else ""}
    return result


def held_out_accuracy(quick: bool, stacks: List[str]) -> Dict[str, Optional[dict]]:
    """Intent accuracy on a fixed 20 % held-out split, of NLU models trained on the other 80 %."""
    train_dir, held_out = make_split(WORK / "split")
    examples = WORK / "split" / "held_out.json"
    examples.write_text(json.dumps(held_out, ensure_ascii=False))
    result = {}
    for name, config, code in (("project", ROOT / "config.yml", None), ("stock", stock_config(), STOCK_CODE)):
        if name not in stacks:
            continue
        path = models.model_path(config, [train_dir], prefix=f"heldout-{name}", nlu_only=True, code=code)
        cache = Path(str(path)[: -len(".tar.gz")] + ".accuracy.json")
        if cache.exists():
            result[name] = json.loads(cache.read_text())
            continue
        if quick:
            result[name] = None
            continue
        log(f"held-out accuracy of {name}: training an NLU model on the training part")
        models.ensure(config, [train_dir], prefix=f"heldout-{name}", nlu_only=True, quiet=True, code=code)
        output = subprocess.run([PYTHON, "-m", "bench.accuracy", str(path), str(examples)], cwd=ROOT, check=True,
                                text=True, stdout=subprocess.PIPE, env={**os.environ, **ENV})
        scores = json.loads(output.stdout.strip().splitlines()[-1])
        cache.write_text(json.dumps(scores, ensure_ascii=False))
        result[name] = scores
    return result


# ---- stacks -----------------------------------------------------------------------------------
class Stack:
    url: str
    rasa_pid: int
    actions_pid: int
    cold_start_s: float

    def stop(self) -> None:
        raise NotImplementedError


def _first_answer(url: str, deadline: float, strict: bool = True) -> None:
    """Waits until the REST channel gives a real answer (not the "unavailable" apology); not
    `strict` (the 1-epoch stand-in of a quick run): until it answers at all."""
    while time.monotonic() < deadline:
        try:
            status, body = post_json(url, {"sender": f"cold-start-{time.time_ns()}", "message": FIRST_QUESTION},
                                     timeout=30)
            text = " ".join(m.get("text") or "" for m in body) if isinstance(body, list) else ""
            if status == 200 and (FIRST_ANSWER_MARK in text or (not strict and isinstance(body, list))):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} before the deadline")


class ProjectStack(Stack):
    """The project exactly as `make run` starts it (scripts/run.sh), on free ports."""

    def __init__(self, workdir: Path) -> None:
        action_port, rasa_port = free_port(), free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(endpoints_yaml(f"http://127.0.0.1:{action_port}/webhook",
                                            workdir / "conversations.db"))
        self.url = f"http://127.0.0.1:{rasa_port}{REST_PATH}"
        self.log_path = workdir / "run.log"
        started = time.monotonic()
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "run.sh")], cwd=ROOT, stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **ENV, "RASA_PORT": str(rasa_port), "ACTION_SERVER_PORT": str(action_port),
                 "SEGIB_ENDPOINTS": str(endpoints), "WEB_PORT": str(free_port()),
                 "TELEGRAM_BOT_TOKEN": ""})
        try:
            _first_answer(self.url, started + 180)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"the project stack did not answer:\n{self.log_path.read_text()[-3000:]}") from error
        self.cold_start_s = time.monotonic() - started
        self.rasa_pid = self.actions_pid = 0
        for pid in procs.tree(self.process.pid)[1:]:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if (b"rasa" in command or b"rasa_server" in command) and b"run" in command:   # rasa_server/__main__.py
                self.rasa_pid = pid
            elif b"actions" in command:
                self.actions_pid = pid
        self.cold_start_cpu_s = procs.cpu_seconds(self.rasa_pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # run.sh stops both servers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class StockStack(Stack):
    """Stock Rasa: the same action server; rasa init's endpoints (conversations in memory) and
    credentials (Rasa's own REST channel)."""

    def __init__(self, workdir: Path, model: Path, strict: bool = True) -> None:
        started = time.monotonic()
        self.assistant: Assistant = start_assistant(workdir, model, env=ENV, tracker_store=False,
                                                    endpoints_template=INIT_ENDPOINTS,
                                                    credentials=INIT_CREDENTIALS)
        self.url = self.assistant.rest_url
        try:
            _first_answer(self.url, started + 300, strict)
        except RuntimeError:
            self.assistant.stop()
            raise
        self.cold_start_s = time.monotonic() - started
        self.rasa_pid = self.assistant.rasa.process.pid
        self.actions_pid = self.assistant.actions.process.pid
        self.cold_start_cpu_s = procs.cpu_seconds(self.rasa_pid)

    def stop(self) -> None:
        self.assistant.stop()


async def _sample_memory(stack: Stack, peaks: Dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in (("rasa", stack.rasa_pid), ("actions", stack.actions_pid)):
            peaks[name] = max(peaks.get(name, 0.0), procs.tree_rss_mb(pid) if pid else 0.0)
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            pass


async def drive(stack: Stack, levels: List[int], duration: float, max_messages: Optional[int],
                warmup: int) -> dict:
    peaks: Dict[str, float] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_memory(stack, peaks, stop))
    warm = await run_load(stack.url, 1, duration=120, max_messages=warmup)
    if warm.errors:
        log(f"warm-up errors: {warm.samples}")
    loads = {}
    for level in levels:
        log(f"  {level} concurrent conversations for {duration:.0f} s (load average {os.getloadavg()[0]:.2f})")
        before = os.getloadavg()[0]
        cpu = {name: procs.cpu_seconds(pid) for name, pid in (("rasa", stack.rasa_pid), ("actions", stack.actions_pid))}
        result = await run_load(stack.url, level, duration, max_messages)
        cpu_ms = {f"{name}_cpu_ms_per_msg":
                  round(1000 * (procs.cpu_seconds(pid) - cpu[name]) / max(result.messages, 1), 2)
                  for name, pid in (("rasa", stack.rasa_pid), ("actions", stack.actions_pid))}
        loads[str(level)] = {**report.load_figures(result), **cpu_ms, "loadavg_1m_before": round(before, 2),
                             "loadavg_1m_after": round(os.getloadavg()[0], 2)}
        log(f"  -> {loads[str(level)]['msg_per_s']} msg/s, p50 {loads[str(level)]['p50_ms']} ms, "
            f"errors {result.errors}, wrong {result.wrong}, CPU/msg rasa {cpu_ms['rasa_cpu_ms_per_msg']} ms "
            f"actions {cpu_ms['actions_cpu_ms_per_msg']} ms")
    stop.set()
    await sampler
    return {"load": loads, "memory_mb": {k: round(v, 1) for k, v in peaks.items()}}


def bench_stack(name: str, model_path: Path, args, stand_in: bool = False) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=WORK))
    log(f"starting the {name} stack")
    stack = ProjectStack(workdir) if name == "project" else StockStack(workdir, model_path, strict=not stand_in)
    try:
        log(f"{name}: first answer {stack.cold_start_s:.1f} s after start "
            f"(Rasa server CPU {stack.cold_start_cpu_s:.1f} s)")
        figures = asyncio.run(drive(stack, args.levels, args.duration, args.max_messages, args.warmup))
    finally:
        stack.stop()
    return {"cold_start_s": round(stack.cold_start_s, 2), "cold_start_rasa_cpu_s": round(stack.cold_start_cpu_s, 2),
            **figures}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny load, reuse models, no training "
                                                             "for the accuracy column")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        help="concurrent conversations, e.g. 1,20,50")
    parser.add_argument("--duration", type=float, default=None, help="seconds per level")
    parser.add_argument("--stacks", default="project,stock", help="which stacks to run (project,stock)")
    parser.add_argument("--out", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    args.levels = args.levels or ([1, 4] if args.quick else [1, 20, 50])
    args.duration = args.duration or (2.0 if args.quick else 30.0)
    args.max_messages = 12 if args.quick else None
    args.warmup = 3 if args.quick else 12
    WORK.mkdir(parents=True, exist_ok=True)

    start_load = procs.loadavg()
    log(f"load average at start: {start_load}")
    stacks = [s for s in args.stacks.split(",") if s]
    trained = ensure_models(args.quick, stacks)
    accuracy = held_out_accuracy(args.quick, stacks)
    data = {"quick": args.quick, "started_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(),
            "loadavg": {"start": start_load}, "levels": args.levels, "duration_s": args.duration, "stacks": {}}
    for name in stacks:
        figures = bench_stack(name, Path(trained[name]["model"]), args, stand_in=bool(trained[name]["note"]))
        scores = accuracy.get(name)
        data["stacks"][name] = {**trained[name], **figures,
                                "accuracy": scores and scores["accuracy"],
                                "accuracy_per_language": scores and scores["per_language"],
                                "accuracy_n": scores and scores["n"]}
    data["loadavg"]["end"] = procs.loadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    report.write_json(data, args.out / "bench.json")
    report.plot(data, args.out / "bench-latency.png")
    print(report.table(data))
    for name, stack in data["stacks"].items():
        if stack.get("note"):
            print(f"Note: the {name} model is a {stack['note']}.")
    print(f"\nLoad average (1/5/15 min): at start {start_load['1m']}/{start_load['5m']}/{start_load['15m']}, "
          f"at end {data['loadavg']['end']['1m']}/{data['loadavg']['end']['5m']}/{data['loadavg']['end']['15m']} "
          f"on {os.cpu_count()} cores. {'QUICK RUN: tiny load, figures are not meaningful. ' if args.quick else ''}"
          f"Written: {args.out / 'bench.json'}, {args.out / 'bench-latency.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
