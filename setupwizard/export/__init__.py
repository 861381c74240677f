"""Ready-made setup files: one module per client format.

Every format module offers ``write(account: Account, out_dir: Path, *,
lang: str) -> list[ExportedFile]``; the CLI and the wizard call them and
show each file's next steps. Structured files are produced with real
serializers (ElementTree, plistlib, json), never by pasting strings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import Message
from ..models import EmailAddress, Hint, ProviderRef, Server

FORMATS = ("thunderbird", "outlook", "apple", "android", "sheet")


@dataclass(frozen=True)
class Account:
    """One account to export. ``incoming`` holds the chosen protocol's
    servers first (IMAP or POP3); ``password`` is None unless the user asked
    to embed it (--include-password)."""

    address: EmailAddress
    incoming: tuple[Server, ...]
    outgoing: tuple[Server, ...]
    display_name: str | None = None
    provider: ProviderRef | None = None
    hints: tuple[Hint, ...] = ()
    password: str | None = field(default=None, repr=False)
    #: POP3 only: keep a copy on the server
    leave_on_server: bool = True

    @property
    def protocol(self) -> str:
        return self.incoming[0].protocol if self.incoming else "imap"


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    #: what the file is, in the user's words (rendered by the UI)
    title: Message
    #: numbered steps to use it
    steps: tuple[Message, ...] = ()
    #: True when the file holds a password
    secret: bool = False


def write_file(path: Path, data: bytes, *, secret: bool = False) -> Path:
    """Write ``data`` to ``path``; files holding a secret get mode 0600 from
    the start (no window where others could read them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o600 if secret else 0o644
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
    finally:
        if fd >= 0:
            os.close(fd)
    return path
