"""The values every export format writes, judged once.

Text reaches the files from the command line and from other people's
servers. Serializers escape what needs escaping (quotes, ampersands, angle
brackets); what no format can carry - control characters, unpaired
surrogates, absurd lengths - is refused here with a UsageError, so every
format refuses the same things. File names are made from addresses and
domains in one place too, so that every operating system accepts them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from ..errors import ExportError, UsageError
from ..i18n import Message, msg
from ..models import EmailAddress, Server

__all__ = ["MAX_NAME", "MAX_USERNAME", "DISPLAY_NAME", "USERNAME", "checked_text", "checked_secret", "login", "primary_servers",
           "file_part", "SECURITY_NAMES"]

#: Characters (display names, user names); longer is a mistake or an attack.
MAX_NAME = 200
MAX_USERNAME = 255

# C0 and C1 controls (tab and newline too: no field of ours is multi-line),
# unpaired surrogates and the two non-characters XML 1.0 forbids.
_UNWRITABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FILE_UNSAFE = re.compile(r"[^\w.@+-]")

#: How mail programs name our security values in their settings dialogs.
SECURITY_NAMES = {"tls": "SSL/TLS", "starttls": "STARTTLS"}


#: Field names for checked_text() errors.
DISPLAY_NAME = msg("display name")
USERNAME = msg("username")


def checked_text(text: str, what: Message, *, limit: int = MAX_NAME) -> str:
    """Return ``text`` without surrounding white space, ready for any format.

    ``what`` names the field in the error (DISPLAY_NAME, USERNAME, ...). Raises UsageError when the text
    holds control characters (or others no file format can carry) or is
    longer than ``limit`` characters.
    """
    if not isinstance(text, str):
        raise UsageError(f"the {what} must be text, not {type(text).__name__}")
    text = unicodedata.normalize("NFC", text.strip())
    if _UNWRITABLE.search(text):
        raise UsageError(msg("{what}: contains control characters, which no setup file "
                             "can hold", what=what))
    if len(text) > limit:
        raise UsageError(msg("{what}: longer than {limit} characters", what=what,
                             limit=limit))
    return text


def checked_secret(password: str) -> str:
    """Return ``password`` unchanged (spaces count) if a file can hold it;
    raise UsageError when it is empty, over 1024 characters or holds control
    characters."""
    if not isinstance(password, str) or not password:
        raise UsageError(msg("the password is empty"))
    if _UNWRITABLE.search(password) or len(password) > 1024:
        raise UsageError(msg("the password contains control characters or is longer than "
                             "1024 characters; no setup file can hold it"))
    return password


def login(server: Server, address: EmailAddress) -> str:
    """The user name to write for ``server``: its own, else the address."""
    return checked_text(server.username or address.text, USERNAME, limit=MAX_USERNAME)


def primary_servers(incoming: tuple[Server, ...], outgoing: tuple[Server, ...]
                    ) -> tuple[Server, Server]:
    """The first incoming and the first outgoing server.

    Raises ExportError when either list is empty: no format describes half
    an account.
    """
    if not incoming:
        raise ExportError(msg("there is no incoming (IMAP or POP3) server to write"))
    if not outgoing:
        raise ExportError(msg("there is no outgoing (SMTP) server to write"))
    return incoming[0], outgoing[0]


def file_part(text: str, *, limit: int = 80) -> str:
    """``text`` (an address or a domain) as part of a file name that Windows,
    macOS and Linux all accept: letters, digits and ``. @ + -`` kept, the
    rest made ``_``; long names are cut and keep a short digest so that two
    long names stay different."""
    part = _FILE_UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip(".") or "_"
    if len(part) > limit:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
        part = f"{part[:limit - 11]}-{digest}"
    return part
