"""Thunderbird and every autoconfig client: config-v1.1.xml for one account.

The document is written for the strictest reader, Thunderbird for Android:
an ``id`` on emailProvider, the domain, and for every server host name,
port, user name, ``socketType`` SSL or STARTTLS and a sign-in method among
password-cleartext, password-encrypted and OAuth2. An unencrypted server is
refused when it is the one the account uses (strict readers reject the whole
file) and left out when it is only an alternative; so are servers whose only
sign-in methods strict readers do not know. POP3 servers carry
``<pop3><leaveMessagesOnServer>``.

``document()`` is shared with the domain kit, which writes the same file
with ``%EMAILADDRESS%`` as user name.
"""

from __future__ import annotations

from pathlib import Path

from ..formats.clientconfig import WriteSpec, write as write_clientconfig
from ..errors import ExportError
from ..i18n import msg
from ..models import Server
from . import Account, ExportedFile, write_file
from .fields import DISPLAY_NAME, checked_text, login

__all__ = ["FILE_NAME", "STRICT_AUTH", "document", "write"]

FILE_NAME = "config-v1.1.xml"
#: Sign-in methods strict readers accept, in the format's spelling.
STRICT_AUTH = ("password-cleartext", "password-encrypted", "OAuth2")
_STRICT = {m.lower(): m for m in STRICT_AUTH}
#: Where Thunderbird desktop looks for <domain>.xml before asking the network.
ISP_FOLDERS = ("C:\\Program Files\\Mozilla Thunderbird\\isp",
               "Thunderbird.app/Contents/Resources/isp", "/usr/lib/thunderbird/isp")


def document(*, provider_id: str, domain: str, display_name: str,
             incoming: tuple[Server, ...], outgoing: tuple[Server, ...],
             leave_on_server: bool = True) -> bytes:
    """Return config-v1.1.xml for ``domain`` with the given servers, whose
    user names are written as they are (a login or a template).

    Raises ExportError when the first incoming or outgoing server is
    unencrypted or offers no sign-in method strict readers accept (later
    ones are then left out), and UsageError for values the format cannot
    carry.
    """
    spec = WriteSpec(provider_id=checked_text(provider_id, msg("provider id")),
                     domains=(domain,),
                     display_name=checked_text(display_name, DISPLAY_NAME),
                     incoming=_strict(incoming, leave_on_server),
                     outgoing=_strict(outgoing, leave_on_server))
    return write_clientconfig(spec)


def _strict(servers: tuple[Server, ...], leave_on_server: bool) -> tuple[Server, ...]:
    kept: list[Server] = []
    for index, server in enumerate(servers):
        problem = None
        if server.security == "plain":
            problem = msg("config-v1.1.xml cannot describe the unencrypted {protocol} server "
                          "{host}: Thunderbird for Android and other strict mail programs "
                          "refuse such a file", protocol=server.protocol.upper(),
                          host=server.host)
        auth = tuple(dict.fromkeys(_STRICT[a.lower()] for a in server.auth
                                   if a.lower() in _STRICT))
        if problem is None and not auth:
            problem = msg("config-v1.1.xml cannot describe how to sign in to the {protocol} "
                          "server {host} ({methods}) in a way strict mail programs accept",
                          protocol=server.protocol.upper(), host=server.host,
                          methods=", ".join(server.auth) or "-")
        if problem is not None:
            if index == 0:
                raise ExportError(problem)
            continue  # an alternative strict readers would refuse: leave it out
        extra = dict(server.extra)
        if server.protocol == "pop3":
            extra["leave_messages_on_server"] = leave_on_server
        kept.append(server.with_(auth=auth, extra=tuple(extra.items())))
    return tuple(kept)


def write(account: Account, out_dir: Path, *, lang: str = "en") -> list[ExportedFile]:
    """Write config-v1.1.xml for ``account`` into ``out_dir`` (user names
    written out; no password - the format has no place for one).

    Returns the file with its next steps. Raises ExportError or UsageError
    as ``document()`` does.
    """
    address = account.address
    incoming = tuple(s.with_(username=login(s, address)) for s in account.incoming)
    outgoing = tuple(s.with_(username=login(s, address)) for s in account.outgoing)
    provider_id = account.provider.id if account.provider else address.ascii_domain
    display_name = account.provider.name if account.provider else address.domain
    data = document(provider_id=provider_id, domain=address.ascii_domain,
                    display_name=display_name, incoming=incoming, outgoing=outgoing,
                    leave_on_server=account.leave_on_server)
    path = write_file(out_dir / FILE_NAME, data)
    steps = [
        msg("Copy it, renamed to {name}, into the folder \"isp\" inside Thunderbird's "
            "program folder (create the folder if it is missing; this needs administrator "
            "rights). Windows: {windows}; macOS: {macos}; Linux: usually {linux}.",
            name=f"{address.ascii_domain}.xml", windows=ISP_FOLDERS[0],
            macos=ISP_FOLDERS[1], linux=ISP_FOLDERS[2]),
        msg("In Thunderbird choose Account Settings > Account Actions > Add Mail Account and "
            "enter your name, {address} and your password: Thunderbird takes every server "
            "setting from this file.", address=address.text),
    ]
    if account.protocol == "pop3":
        steps.append(msg("Thunderbird for Android ignores POP3 servers in this file; on "
                         "Android use the QR code or the settings sheet."))
    return [ExportedFile(path=path, title=msg("Settings file for Thunderbird (desktop)"),
                         steps=tuple(steps))]
