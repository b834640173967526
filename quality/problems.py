"""A problem found in a file, printed as `file:line: ERROR message` so editors and people find it."""
from dataclasses import asdict, dataclass
from typing import List, Optional

from quality.common import relative


@dataclass(frozen=True)
class Problem:
    path: str
    line: Optional[int]
    message: str
    severity: str = "error"  # "error" fails the check; "warning" is shown only

    def __str__(self) -> str:
        where = f"{relative(self.path)}:{self.line}" if self.line else relative(self.path)
        return f"{where}: {self.severity.upper()} {self.message}"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["path"] = relative(self.path)
        return data


def errors(problems: List[Problem]) -> List[Problem]:
    return [p for p in problems if p.severity == "error"]
