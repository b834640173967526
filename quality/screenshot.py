"""Takes a PNG screenshot of a report page with headless Chromium (Debian's /usr/bin/chromium).

Usage: python -m quality.screenshot [PAGE] [PNG] [--width 1280] [--height 2400]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from quality.common import REPORTS, ROOT

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> Optional[str]:
    for variable in ("CHROMIUM_PATH", "CHROMIUM"):  # CHROMIUM_PATH: as scripts/ensure_chromium.sh
        explicit = os.environ.get(variable)
        if explicit and shutil.which(explicit):
            return shutil.which(explicit)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2400, timeout: float = 120) -> Path:
    browser = find_chromium()
    if not browser:
        raise RuntimeError("Chromium not found: install it with `apt-get install -y chromium`")
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    if png.exists():
        png.unlink()
    with tempfile.TemporaryDirectory(prefix="staff-chromium-") as profile:
        command = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--hide-scrollbars", "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                   f"--window-size={width},{height}", f"--screenshot={png}", Path(page).resolve().as_uri()]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if not png.exists():
        raise RuntimeError(f"Chromium made no screenshot (exit {completed.returncode}): {completed.stderr[-1500:]}")
    return png


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("page", nargs="?", type=Path, default=REPORTS / "index.html")
    parser.add_argument("png", nargs="?", type=Path, default=ROOT / "docs" / "staff-report.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    print(screenshot(args.page, args.png, args.width, args.height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
