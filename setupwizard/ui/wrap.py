"""Fitting text to the terminal: lines break between words, never inside one.

Colour codes take no room on screen, so widths are measured without them.
A line that starts with indentation, or with a one-character mark such as
"✗" or "!" after it, continues under its first word (a hanging indent), so
a wrapped explanation still reads as one block.
"""

from __future__ import annotations

import re
import unicodedata

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: indentation, then optionally one mark or a step's number and a space
#: ("  ✗ ", "    ! ", "    12. ")
_LEAD = re.compile(r"^(\s*)(?:(\S|\d{1,2}\.)(?= ))?")


def visible_width(text: str) -> int:
    """How many terminal columns ``text`` takes (colour codes take none,
    East Asian wide letters two)."""
    plain = _ANSI.sub("", text)
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in plain)


def wrap(text: str, width: int | None) -> str:
    """``text`` with every line longer than ``width`` broken between words;
    ``width`` None leaves it as it is. A single word longer than the line
    stays whole (a URL must stay copyable)."""
    if not width or width < 20:
        return text
    return "\n".join(_wrap_line(line, width) for line in text.split("\n"))


def _wrap_line(line: str, width: int) -> str:
    if visible_width(line) <= width:
        return line
    plain = _ANSI.sub("", line)
    lead = _LEAD.match(plain)
    indent = lead.group(1) if lead else ""
    hang = indent + (" " * (len(lead.group(2)) + 1) if lead and lead.group(2) else "")
    if len(hang) > width // 2:
        hang = indent = ""
    words = line[len(indent):].split(" ") if line.startswith(indent) else line.split(" ")
    rows: list[str] = []
    current = indent
    used = len(indent)
    first_on_row = True
    for word in words:
        size = visible_width(word)
        if not first_on_row and used + 1 + size > width:
            rows.append(current)
            current, used, first_on_row = hang + word, len(hang) + size, False
            continue
        if first_on_row:
            current, used, first_on_row = current + word, used + size, False
        else:
            current, used = current + " " + word, used + 1 + size
    rows.append(current)
    return "\n".join(rows)
