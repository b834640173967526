"""The one reader of the untracked `.env` file: python-dotenv's parser, strict about bad lines.

Used by `make run` (scripts/run.sh, through `python -m ops.envfile .env`), the Telegram gateway
(telegram_gateway/config.py) and `make doctor` (scripts/doctor.py), so the three read a file alike.
Values with spaces work unquoted, as the README shows (`HANDOFF_HOURS=mon-fri 09:00-18:00
Europe/Madrid`); `#` starts a comment after a space; quotes and `export` are allowed. A line
python-dotenv cannot parse is an error naming the file and line (python-dotenv itself only logs a
warning and skips it, which would silently drop a setting). The environment wins over the file.
"""
import shlex
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional

from dotenv.parser import parse_stream


class EnvFileError(ValueError):
    """A line of the .env file cannot be read; the message names the file and line."""


def read(path: Path) -> Dict[str, str]:
    """KEY=value pairs of `path` ({} when it does not exist); EnvFileError on a malformed line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise EnvFileError(f"{path}: cannot be read ({error})") from None
    values: Dict[str, str] = {}
    for binding in parse_stream(_Lines(text)):
        if binding.error:
            first = binding.original.string.splitlines()[0] if binding.original.string else ""
            raise EnvFileError(f"{path}:{binding.original.line}: not a KEY=value line: {first.strip()[:60]!r} "
                               f"(values with quotes must close them; keys are letters, digits and _)")
        if binding.key is not None:
            values[binding.key] = binding.value or ""
    return values


class _Lines:
    """parse_stream reads a text stream: this one never touches the file twice."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text


def merged(path: Optional[Path], environ: Mapping[str, str]) -> Dict[str, str]:
    """The file's values overridden by the environment's."""
    return {**(read(path) if path else {}), **environ}


def configured(environ: Mapping[str, str], root: Path) -> Dict[str, str]:
    """The settings as `make run` sees them: `.env` at `root` (or the file SEGIB_ENV_FILE names; empty:
    none) under the environment. EnvFileError on a malformed line."""
    env_file = environ.get("SEGIB_ENV_FILE", str(Path(root) / ".env"))
    return merged(Path(env_file) if env_file else None, environ)


def shell_exports(path: Path, environ: Mapping[str, str]) -> str:
    """`export KEY='value'` lines for the file's keys the environment does not set (for run.sh)."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in read(path).items()
                   if key not in environ and key.isidentifier())


def main(argv: list) -> int:
    import os

    if len(argv) != 1:
        print("usage: python -m ops.envfile PATH   (prints shell export lines)", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(shell_exports(Path(argv[0]), os.environ))
    except EnvFileError as error:
        print(f"Cannot read the settings: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
