"""Lab data for ``setupwizard providers`` (tests/cli/test_providers.py).

The lab ISPDB knows three of OUR domains; every other domain of the
database gets 404 there ("only ours"):

* ``posteo.de``: exactly what providers/posteo.toml says;
* ``disroot.org``: the same servers as providers/disroot.toml, but SMTP on
  587 listed before 465 - still "same", because our first server of each
  protocol is matched with the ISPDB server that agrees with it most;
* ``mailbox.org``: the planted difference - another IMAP host name.

And a domain of its own whose MX record points at Google Workspace.
"""

from __future__ import annotations

from tests.lab.spec import MX, Route

ISPDB = "ispdb.lab.test"

#: the planted difference: providers/mailbox.org.toml says imap.mailbox.org
MAILBOX_ORG_ISPDB_IMAP = "imap-ispdb.mailbox.org"
#: a lab domain hosted by Google Workspace (mx_patterns '*.google.com')
GOOGLE_HOSTED = "gws-bakery.test"


def _server(kind: str, protocol: str, host: str, port: int, socket_type: str,
            username: str = "%EMAILADDRESS%") -> str:
    return (f"    <{kind} type=\"{protocol}\">\n"
            f"      <hostname>{host}</hostname><port>{port}</port>"
            f"<socketType>{socket_type}</socketType>\n"
            f"      <username>{username}</username>"
            f"<authentication>password-cleartext</authentication>\n"
            f"    </{kind}>\n")


def _config(domain: str, servers: list[tuple]) -> bytes:
    body = "".join(_server(*server) for server in servers)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">\n'
            f'  <emailProvider id="{domain}">\n    <domain>{domain}</domain>\n'
            f"    <displayName>{domain}</displayName>\n{body}"
            f"  </emailProvider>\n</clientConfig>\n").encode()


IN, OUT = "incomingServer", "outgoingServer"

POSTEO = _config("posteo.de", [
    (IN, "imap", "posteo.de", 993, "SSL"), (IN, "imap", "posteo.de", 143, "STARTTLS"),
    (IN, "pop3", "posteo.de", 995, "SSL"), (OUT, "smtp", "posteo.de", 465, "SSL"),
    (OUT, "smtp", "posteo.de", 587, "STARTTLS")])

DISROOT = _config("disroot.org", [
    (IN, "imap", "disroot.org", 993, "SSL"), (IN, "pop3", "disroot.org", 995, "SSL"),
    (OUT, "smtp", "disroot.org", 587, "STARTTLS"), (OUT, "smtp", "disroot.org", 465, "SSL")])

MAILBOX_ORG = _config("mailbox.org", [
    (IN, "imap", MAILBOX_ORG_ISPDB_IMAP, 993, "SSL"),
    (IN, "pop3", "pop3.mailbox.org", 995, "SSL"),
    (OUT, "smtp", "smtp.mailbox.org", 465, "SSL")])

DNS = [
    MX(GOOGLE_HOSTED, "aspmx.l.google.com", 1),
]

HTTP = [
    Route(ISPDB, "/v1.1/posteo.de", body=POSTEO, content_type="text/xml"),
    Route(ISPDB, "/v1.1/disroot.org", body=DISROOT, content_type="text/xml"),
    Route(ISPDB, "/v1.1/mailbox.org", body=MAILBOX_ORG, content_type="text/xml"),
]
