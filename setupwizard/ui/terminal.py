"""The terminal: where output goes, whether it may be coloured, and how
untrusted text is made safe to show."""

from __future__ import annotations

import os
import re
import sys

TYPE_CHECKING = False  # see i18n.py: this module is on the --help path
if TYPE_CHECKING:
    from typing import IO, Mapping

# CSI/OSC/other escape sequences, then any remaining C0/C1 control character
_ESCAPES = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Unicode categories that change how text looks without being visible text:
#: Cf (format: bidirectional overrides and isolates, zero-width characters,
#: the byte order mark, soft hyphen, tag characters), Zl/Zp (line and
#: paragraph separators), Cs (lone surrogates: undecodable bytes)
_INVISIBLE = frozenset(("Cf", "Zl", "Zp", "Cs"))
_ZWJ = "\u200d"
_VARIATION_SELECTOR = "\ufe0f"


def _emoji_end(char: str) -> bool:
    """True if ``char`` can end an emoji: a symbol, a skin-tone modifier or
    the selector that asks for the emoji picture."""
    import unicodedata
    return char == _VARIATION_SELECTOR or unicodedata.category(char) in ("So", "Sk")


def _visible(text: str) -> str:
    import unicodedata

    out: list[str] = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category not in _INVISIBLE:
            out.append(char)
        elif category == "Cs":
            out.append("\ufffd")  # an undecodable byte: show that something was there
        elif char == _ZWJ and out and index + 1 < len(text) and _emoji_end(out[-1]) \
                and unicodedata.category(text[index + 1]) == "So":
            out.append(char)  # joins two emoji into one (family, profession): harmless
    return "".join(out)


def sanitize(text: object, *, keep_newlines: bool = False) -> str:
    """Remove terminal escape sequences and control characters from text that
    came from a server or a file (it could repaint or hide parts of the screen).

    Also removed: invisible characters that change how the rest looks
    (bidirectional controls such as U+202E, zero-width characters, U+2028 and
    U+2029); an undecodable byte (a lone surrogate) becomes U+FFFD. Letters of
    every script and emoji stay; a zero-width joiner stays only between two
    emoji (where it joins them into one picture)."""
    text = _ESCAPES.sub("", str(text))
    text = _CONTROLS.sub("", text)
    if not text.isascii():
        text = _visible(text)
    if not keep_newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


_DEFAULT = object()


def _tolerant(stream: "IO[str]") -> "IO[str]":
    """Standard input that keeps bytes which are not valid text as lone
    surrogates (like argv) instead of raising in the middle of a read: the
    command decides what an undecodable line means (a bad address, a
    password it cannot use) and says so."""
    try:
        stream.reconfigure(errors="surrogateescape")  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        pass  # not a text file (a test's StringIO), or already read from
    return stream


class Environment:
    """Standard streams and terminal facts, injectable for tests (httpie's idea)."""

    def __init__(self, stdin: "IO[str]" = _DEFAULT, stdout: "IO[str]" = _DEFAULT,
                 stderr: "IO[str]" = _DEFAULT, environ: "Mapping[str, str]" = _DEFAULT
                 ) -> None:
        self.stdin = _tolerant(sys.stdin) if stdin is _DEFAULT else stdin
        self.stdout = sys.stdout if stdout is _DEFAULT else stdout
        self.stderr = sys.stderr if stderr is _DEFAULT else stderr
        self.environ = os.environ if environ is _DEFAULT else environ

    @property
    def stdout_isatty(self) -> bool:
        try:
            return self.stdout.isatty()
        except (AttributeError, ValueError):
            return False

    @property
    def stdin_isatty(self) -> bool:
        try:
            return self.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    @property
    def colour(self) -> bool:
        """Colour only on a terminal, and never when NO_COLOR is set
        (https://no-color.org) or TERM is dumb."""
        if "NO_COLOR" in self.environ and self.environ.get("NO_COLOR", "") != "":
            return False
        if self.environ.get("TERM") == "dumb":
            return False
        if self.environ.get("FORCE_COLOR"):
            return True
        return self.stdout_isatty


class Style:
    """ANSI styles that switch off as a whole."""

    CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33",
             "blue": "34", "magenta": "35", "cyan": "36"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(self.CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"
