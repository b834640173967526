"""Text for Telegram: HTML parse mode with everything escaped, and replies split under 4,096 characters.

Telegram counts a message's length in UTF-16 code units after entity parsing, so the raw text is
split first (at a paragraph, line, sentence or word boundary when one is near) and each part is
escaped afterwards; escaping never changes the counted length.
"""
import html
from typing import List, Sequence, Tuple

from handoff.texts import MAX_MESSAGE, utf16_len

# Where a long reply may be cut, best first; a cut must keep at least half of the allowed length.
_SEPARATORS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")
SHORT_TITLE = 14     # buttons this short share a row (e.g. Sí / No)
MAX_PER_ROW = 3


def escape(text: str) -> str:
    """Text shown literally in HTML parse mode: only <, > and & are special there."""
    return html.escape(text, quote=False)


def _longest_prefix(text: str, limit: int) -> int:
    """Index i of the longest text[:i] that fits in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_MESSAGE) -> List[str]:
    """Parts of at most `limit` UTF-16 units, cut at the best nearby boundary; no empty parts."""
    parts: List[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        end = _longest_prefix(rest, limit)
        cut = end
        window = rest[:end]
        for separator in _SEPARATORS:
            position = window.rfind(separator)
            if position >= end // 2:
                cut = position + len(separator)
                break
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


def keyboard_rows(titles: Sequence[str]) -> List[List[int]]:
    """Indexes of the buttons per row: short titles side by side, longer ones one per row."""
    if titles and len(titles) <= MAX_PER_ROW and all(len(t) <= SHORT_TITLE for t in titles):
        return [list(range(len(titles)))]
    return [[index] for index in range(len(titles))]


def layout(buttons: Sequence[Tuple[str, str]]) -> List[List[Tuple[str, str]]]:
    return [[buttons[i] for i in row] for row in keyboard_rows([title for title, _ in buttons])]
