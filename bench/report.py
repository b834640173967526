"""The benchmark's table (text), JSON and latency plot."""
import json
import math
from pathlib import Path
from typing import Dict, List, Optional, Sequence

# (key, label, unit, better, target) -- target is a function (project, stock) -> bool, or None.
Figure = Dict[str, object]


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def load_figures(result) -> dict:
    lat = result.latencies
    return {
        "concurrency": result.concurrency,
        "messages": result.messages,
        "seconds": round(result.duration, 2),
        "msg_per_s": round(result.messages / result.duration, 2) if result.duration else None,
        "p50_ms": _ms(percentile(lat, 50)), "p95_ms": _ms(percentile(lat, 95)), "p99_ms": _ms(percentile(lat, 99)),
        "errors": result.errors, "wrong": result.wrong, "conversations": result.conversations,
        "error_samples": result.samples,
    }


def _ms(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else round(seconds * 1000, 1)


def rows(report: dict) -> List[dict]:
    """One row per figure: label, project, stock, ratio project/stock, target and whether it is met."""
    project, stock = report["stacks"].get("project", {}), report["stacks"].get("stock", {})
    out = []

    def add(label, key_path, fmt="{:.1f}", target=None, check=None):
        p, s = _get(project, key_path), _get(stock, key_path)
        ratio = (p / s) if isinstance(p, (int, float)) and isinstance(s, (int, float)) and s else None
        met = None
        if check is not None and p is not None:
            try:
                met = bool(check(p, s, ratio))
            except TypeError:
                met = None
        out.append({"figure": label, "key": ".".join(map(str, key_path)), "project": p, "stock": s,
                    "ratio": None if ratio is None else round(ratio, 3), "target": target or "", "met": met,
                    "fmt": fmt})

    levels = sorted({int(k) for stack in (project, stock) for k in stack.get("load", {})})
    for level in levels:
        lk = str(level)
        tput_check = (lambda p, s, r: r >= 3) if level == 20 else None
        add(f"msg/s @{level}", ("load", lk, "msg_per_s"), target=">= 3x stock" if level == 20 else None,
            check=tput_check)
        for q in ("p50", "p95", "p99"):
            target, check = None, None
            if level == 1 and q == "p50":
                target, check = "<= 30 ms", lambda p, s, r: p <= 30
            if level == 1 and q == "p95":
                target, check = "<= 60 ms", lambda p, s, r: p <= 60
            add(f"{q} ms @{level}", ("load", lk, f"{q}_ms"), target=target, check=check)
        add(f"rasa CPU ms/msg @{level}", ("load", lk, "rasa_cpu_ms_per_msg"), "{:.2f}")
        add(f"errors @{level}", ("load", lk, "errors"), "{:.0f}", "0", lambda p, s, r: p == 0)
        add(f"wrong replies @{level}", ("load", lk, "wrong"), "{:.0f}", "0", lambda p, s, r: p == 0)
    add("rasa server RSS MB", ("memory_mb", "rasa"), target="<= 0.8x stock", check=lambda p, s, r: r <= 0.8)
    add("action server RSS MB", ("memory_mb", "actions"), target="<= 150 MB", check=lambda p, s, r: p <= 150)
    add("training s (full model)", ("training_s",), target="<= 180 s", check=lambda p, s, r: p <= 180)
    add("held-out intent accuracy", ("accuracy",), "{:.4f}", ">= stock", lambda p, s, r: p >= s)
    add("cold start to 1st answer s", ("cold_start_s",), target="<= 20 s", check=lambda p, s, r: p <= 20)
    add("  of it Rasa server CPU s", ("cold_start_rasa_cpu_s",))
    return out


def _get(data: dict, path) -> Optional[float]:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data if isinstance(data, (int, float)) and not isinstance(data, bool) else None


def table(report: dict) -> str:
    header = ["figure", "project", "stock", "project/stock", "target", "met"]
    body = []
    for row in rows(report):
        cell = lambda v, fmt=row["fmt"]: "n/a" if v is None else fmt.format(v)
        body.append([row["figure"], cell(row["project"]), cell(row["stock"]),
                     "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}", row["target"],
                     {True: "yes", False: "NO", None: ""}[row["met"]]])
    widths = [max(len(str(r[i])) for r in [header] + body) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in body])


def write_json(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(report)
    data["table"] = [{k: v for k, v in row.items() if k != "fmt"} for row in rows(report)]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"project": "tab:blue", "stock": "tab:orange"}
    for name, stack in report["stacks"].items():
        load = stack.get("load", {})
        levels = sorted(int(k) for k in load)
        if not levels:
            continue
        left.plot(levels, [load[str(c)]["msg_per_s"] or 0 for c in levels], "o-", color=colours.get(name),
                  label=name)
        for q, style in (("p50", "o-"), ("p95", "s--"), ("p99", "^:")):
            right.plot(levels, [load[str(c)][f"{q}_ms"] or float("nan") for c in levels], style,
                       color=colours.get(name), label=f"{name} {q}")
    left.set(title="Throughput", xlabel="concurrent conversations", ylabel="messages / s")
    right.set(title="Latency per message", xlabel="concurrent conversations", ylabel="ms", yscale="log")
    for axis in (left, right):
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    load = report.get("loadavg", {})
    fig.suptitle(f"SEGIB assistant vs stock Rasa 3.6.21 (REST channel, 2 cores; load average at start "
                 f"{load.get('start', {}).get('1m', '?')})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
