"""The terminal: where output goes and whether it may be coloured.

How untrusted text is made safe to show lives in the core (``text.py``);
:func:`sanitize` is re-exported here for the views."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # see i18n.py: this module is on the --help path
if TYPE_CHECKING:
    from typing import IO, Mapping

from ..text import sanitize  # noqa: F401  (re-exported for the views)


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
