"""Writing to the user: one line at a time, JSON on one line."""

from __future__ import annotations

TYPE_CHECKING = False  # typing stays off the --help path
if TYPE_CHECKING:
    from ..ui.terminal import Environment

__all__ = ["dumps", "print_line"]


def dumps(data) -> str:
    """One line of JSON. Readable Unicode stays, but every character that a
    reader could take for a line break, or a terminal for a command, is
    written as a \\u escape (json.loads gives back the same text): json
    escapes C0 controls itself; here DEL, C1 controls (U+0085 among them),
    U+2028, U+2029, invisible format characters (bidi controls, zero-width)
    and lone surrogates (undecodable bytes). So ``str.splitlines()`` sees
    exactly one line per JSON value."""
    import json
    import re
    text = json.dumps(data, ensure_ascii=False)
    # outside strings JSON is plain ASCII, so these can only sit inside strings
    return re.sub(r"[^\x00-\x7e]", _json_escape, text)


def _json_escape(match) -> str:
    import unicodedata
    char = match.group()
    if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Cs"):
        return char
    code = ord(char)
    if code > 0xFFFF:  # JSON spells characters beyond the BMP as a UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def print_line(env: "Environment", text: str, *, err: bool = False) -> None:
    """Write ``text`` and a line break to standard output (or error), flushed."""
    stream = env.stderr if err else env.stdout
    stream.write(text + "\n")
    stream.flush()
