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
    """Write ``data`` to ``path`` and return ``path``.

    The bytes go into a new file with a random name in the same folder,
    created exclusively and without following links (O_EXCL|O_NOFOLLOW), with
    mode 0600 for files holding a secret and 0644 otherwise from the start;
    after fsync it is renamed onto ``path``. A rename replaces a link at
    ``path`` instead of writing through it, so even a link planted after the
    check below leaves its target untouched. Raises ExportError when
    ``path`` is a symbolic link or something else than a file (we refuse
    rather than silently replace it), OSError when writing fails.

    The folder itself may be a link: the user named it (``--out``) and may
    well have made it one; the danger is a link planted at a file name.
    """
    import secrets
    import stat

    from ..errors import ExportError
    from ..i18n import msg

    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if stat.S_ISLNK(existing.st_mode):
            raise ExportError(msg("{path} is a link to another file; setupwizard does not "
                                  "write through links. Remove the link or choose another "
                                  "folder with --out", path=str(path)))
        if not stat.S_ISREG(existing.st_mode):
            raise ExportError(msg("{path} exists and is not a file; remove it or choose "
                                  "another folder with --out", path=str(path)))
    mode = 0o600 if secret else 0o644
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    temporary = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, flags, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have taken bits away from 0644
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return path
