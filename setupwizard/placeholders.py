"""Fill in the placeholders of clientConfig-style templates.

Provider files and clientConfig documents write user names (and sometimes
host names) as templates such as ``%EMAILADDRESS%`` or
``%EMAILLOCALPART%@example.com``. :func:`expand` replaces them with the
parts of one address.

Documents in the wild are sloppy: ``%EMAILADDRESS`` without its closing
``%``, ``%emailaddress%`` in lower case, ``%%EMAILDOMAIN%%``. Those are
repaired, and each repair is reported as a note so the report can say the
source was not quite right. A name with no ``%`` at all is ordinary text and
stays as it is.
"""

from __future__ import annotations

import re

from .models import EmailAddress

__all__ = ["expand", "PLACEHOLDERS"]

#: The placeholders we fill in, and what each becomes.
PLACEHOLDERS = ("EMAILADDRESS", "EMAILLOCALPART", "EMAILDOMAIN")

# One pass over the text, so that a value containing "%" (a local part may)
# is never scanned again: a known name with any number of "%" around it, in
# any case. A "%" directly before the next name opens that name, so
# "%EMAILLOCALPART%%EMAILDOMAIN%" is two clean placeholders. Other %NAMES%
# (%REALNAME%) are not ours and stay as written.
_NAMES = "|".join(PLACEHOLDERS)
_TOKEN = re.compile(
    rf"(?P<before>%*)(?P<name>{_NAMES})(?P<after>(?:%(?!(?:{_NAMES})))*)",
    re.IGNORECASE,
)


def expand(text: str, address: EmailAddress) -> tuple[str, list[str]]:
    """Return ``text`` with its placeholders filled in from ``address``, and
    a list of notes (short English phrases) about placeholders that were
    written wrongly and repaired; the list is empty for a clean template.

    ``%EMAILADDRESS%`` becomes the address as the user typed it,
    ``%EMAILLOCALPART%`` the part before the ``@`` and ``%EMAILDOMAIN%`` the
    domain (Unicode form; callers that need a host name convert it with
    :func:`setupwizard.models.to_ascii_domain`). Never raises.
    """
    values = {
        "EMAILADDRESS": address.text,
        "EMAILLOCALPART": address.local,
        "EMAILDOMAIN": address.domain,
    }
    notes: list[str] = []

    def replace(match: re.Match[str]) -> str:
        written = match.group(0)
        before, name, after = match.group("before"), match.group("name"), match.group("after")
        if not before and not after:
            return written  # plain text that happens to spell a name
        if before == "%" and after == "%" and name == name.upper():
            return values[name.upper()]
        canonical = f"%{name.upper()}%"
        notes.append(f"malformed placeholder {written!r} read as {canonical}")
        return values[name.upper()]

    return _TOKEN.sub(replace, text), notes
