"""Text that came from a server or a file, made safe to show or store.

Core code (diagnostics, discovery, export) cleans what a peer sent before it
becomes a detail or a finding; the UI cleans again at the edge. It lives in
the core so that the core never imports ``ui`` (``ui.terminal`` re-exports
:func:`sanitize`).
"""

from __future__ import annotations

import re

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
