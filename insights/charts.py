"""The report's charts: stacked bars per day, drawn with matplotlib (as the quality report's confusion
matrices) and embedded in the page as PNG data, so the page needs nothing from the internet."""
import io
from typing import Dict, List, Optional

PALETTE = ("#7a1f2b", "#2e90fa", "#12b76a", "#f79009", "#9e77ed", "#667085", "#ee46bc", "#15b79e")


def stacked_days(days: List[str], series: Dict[str, List[float]], title: str, ylabel: str,
                 colors: Optional[Dict[str, str]] = None, line: Optional[List[int]] = None,
                 line_label: str = "") -> bytes:
    """A PNG: one bar per day, stacked by series (legend: the series' labels); `line`: a second figure
    per day drawn over the bars (e.g. conversations over messages)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(11, 3.4), dpi=100)
    positions = list(range(len(days)))
    bottom = [0.0] * len(days)
    for n, (label, values) in enumerate(series.items()):
        color = (colors or {}).get(label) or PALETTE[n % len(PALETTE)]
        axes.bar(positions, values, bottom=bottom, label=label, color=color, width=0.8)
        bottom = [b + v for b, v in zip(bottom, values)]
    if line is not None:
        axes.plot(positions, line, color="#1d2939", marker="o", markersize=3, linewidth=1.5, label=line_label)
    step = max(1, len(days) // 15)
    axes.set_xticks(positions[::step])
    axes.set_xticklabels([day[5:] for day in days[::step]], fontsize=8)
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_ylabel(ylabel, fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
