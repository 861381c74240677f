"""Which servers go into an export: from the command line's server flags or
from what discovery found.

One account gets one incoming server of the chosen protocol (IMAP unless
told otherwise or only POP3 exists) and one SMTP server, so that every
format describes the same account. A domain kit gets the best IMAP, the
best POP3 and the best SMTP server, with user names turned back into the
templates ``%EMAILADDRESS%`` / ``%EMAILLOCALPART%``.
"""

from __future__ import annotations

from typing import Sequence

from ..errors import ExportError
from ..i18n import Message, msg
from ..models import EmailAddress, Hint, ProviderRef, Server
from . import Account
from .domainkit import DomainKit

__all__ = ["choose_protocol", "account_from_servers", "kit_from_servers",
           "username_template", "PLACEHOLDERS"]

PLACEHOLDERS = ("%EMAILADDRESS%", "%EMAILLOCALPART%")


def choose_protocol(servers: Sequence[Server], protocol: str | None = None) -> str:
    """``protocol`` when given, else IMAP when there is an IMAP server, else
    POP3 when there is only a POP3 server, else IMAP."""
    if protocol:
        return protocol
    kinds = {s.protocol for s in servers}
    return "pop3" if "pop3" in kinds and "imap" not in kinds else "imap"


def _first(servers: Sequence[Server], protocol: str) -> Server:
    found = next((s for s in servers if s.protocol == protocol), None)
    if found is None:
        raise ExportError(msg("no {protocol} server was found or given",
                              protocol=protocol.upper()))
    return found


def account_from_servers(address: EmailAddress, servers: Sequence[Server], *,
                         protocol: str | None = None, username: str | None = None,
                         display_name: str | None = None,
                         provider: ProviderRef | None = None, hints: tuple[Hint, ...] = (),
                         password: str | None = None) -> Account:
    """The Account for ``address``: the first server of the chosen protocol
    and the first SMTP server of ``servers``; ``username`` replaces the
    servers' own, and a server without one gets the address. Raises
    ExportError when one of them is missing."""
    chosen = choose_protocol(servers, protocol)
    incoming, outgoing = _first(servers, chosen), _first(servers, "smtp")
    # The login is written out: every format and every screen shows the same.
    incoming = incoming.with_(username=username or incoming.username or address.text)
    outgoing = outgoing.with_(username=username or outgoing.username or address.text)
    return Account(address=address, incoming=(incoming,), outgoing=(outgoing,),
                   display_name=display_name, provider=provider, hints=hints,
                   password=password)


def username_template(username: str | None, address: EmailAddress | None
                      ) -> tuple[str, Message | None]:
    """The template that gives ``username`` for ``address``, and a note when
    none does (then ``%EMAILADDRESS%``, the common case, is used)."""
    if not username or "%" in username:
        return username or PLACEHOLDERS[0], None
    if address is not None:
        if username.lower() in (address.text.lower(), address.ascii.lower()):
            return PLACEHOLDERS[0], None
        if username == address.local:
            return PLACEHOLDERS[1], None
    return PLACEHOLDERS[0], msg("The username {username} is not a form of the "
                                "address; the kit uses the whole address "
                                "(%EMAILADDRESS%) instead",
                                username=username)


def kit_from_servers(domain: str, servers: Sequence[Server], *,
                     address: EmailAddress | None = None, protocol: str | None = None,
                     username: str | None = None, display_name: str | None = None,
                     web_host: str | None = None) -> tuple[DomainKit, tuple[Message, ...]]:
    """The DomainKit for ``domain``: the first IMAP and POP3 server (the
    chosen protocol first) and the first SMTP server. User names become
    templates (``username``, when given, is used as the template for all);
    ``address`` is the one discovery asked for. Returns the kit and notes
    about user names that had to be replaced. Raises ExportError when there
    is no incoming or no SMTP server."""
    chosen = choose_protocol(servers, protocol)
    order = (chosen, "pop3" if chosen == "imap" else "imap")
    incoming = [s for p in order if (s := next((x for x in servers if x.protocol == p), None))]
    if not incoming:
        _first(servers, chosen)  # raises with the right protocol name
    outgoing = [_first(servers, "smtp")]
    notes: list[Message] = []

    def templated(server: Server) -> Server:
        if username:
            return server.with_(username=username)
        template, note = username_template(server.username, address)
        if note is not None and note not in notes:
            notes.append(note)
        return server.with_(username=template)

    kit = DomainKit(domain=domain, incoming=tuple(templated(s) for s in incoming),
                    outgoing=tuple(templated(s) for s in outgoing),
                    display_name=display_name, web_host=web_host)
    return kit, tuple(notes)
