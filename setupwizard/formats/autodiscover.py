"""Read and write Microsoft Autodiscover "POX" documents (Outlook's
plain-old-XML form).

The request we send names the address and asks for the Outlook response
schema (2006a); the answer is one of

* ``settings``: one ``Protocol`` per server (IMAP, POP3, SMTP are ours;
  EXCH, EXPR, WEB are Exchange's own protocols, useless to an IMAP client);
* ``redirectAddr``: ask again with another e-mail address;
* ``redirectUrl``: ask again at another (HTTPS) URL;
* an ``Error`` with an ``ErrorCode`` (500: unknown address, 600: invalid
  request, ...).

Documents come from servers we do not control: they are parsed with
defusedxml (no DTD, no entities, no external references), and every
problem becomes a :class:`AutodiscoverDocumentError` whose ``reason`` is a
translatable message. Oddities that do not make the document unusable are
collected as ``notes``.

How ``SSL`` and ``Encryption`` become our ``security``
------------------------------------------------------

``Encryption`` overrides ``SSL`` when present: ``SSL`` -> implicit TLS,
``TLS`` -> STARTTLS, ``None`` -> plain, ``Auto`` -> what the port's standard
says (993/995/465 implicit TLS, 143/110/587/25 STARTTLS; on other ports
implicit TLS when ``SSL`` is on, else STARTTLS - never plain, since "Auto"
means "the best both sides can do").

``SSL`` alone only says "secure logon required" (missing means on). On
993/995/465 and unknown ports we read it as implicit TLS, as Thunderbird
does. On 143/110/587/25, whose standard is STARTTLS, a server speaks plain
text first, so implicit TLS would fail there: generators (and Outlook's own
UI) mean STARTTLS, and we read it that way and add a note, leaving the
final word to the connection test.

Writing (``write_response``) goes the other way and leaves nothing to
defaults: ``SPA`` off (it defaults to on, and means NTLM, which IMAP and
SMTP servers rarely offer), ``AuthRequired`` on, ``SSL`` on for both kinds
of encryption with ``Encryption`` saying which (``SSL`` implicit TLS, ``TLS``
STARTTLS, ``None`` plain), and always the port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence
from xml.sax.saxutils import escape

# AutodiscoverDocumentError lives in errors.py (the tree); still importable from here
from ..errors import AutodiscoverDocumentError, UsageError
from ..i18n import Message, msg
from .clientconfig import xml_text
from ..models import DEFAULT_PORTS, Server, check_hostname, is_hostname, parse_port

REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MOBILESYNC_NS = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"

#: Bigger than any real answer (a few kB); the network layer caps downloads too.
MAX_DOCUMENT_BYTES = 256 * 1024
#: Servers of one protocol kept from one answer; the rest is noise or an attack.
MAX_SERVERS_PER_TYPE = 10

Action = Literal["settings", "redirectAddr", "redirectUrl", "error"]
ACTIONS: dict[str, Action] = {"settings": "settings", "redirectaddr": "redirectAddr",
                              "redirecturl": "redirectUrl"}
#: Protocol types that are ours, and how we name them.
MAIL_TYPES = {"IMAP": "imap", "POP3": "pop3", "SMTP": "smtp"}
#: Exchange's own protocols (MAPI/RPC, Outlook Anywhere, OWA, MAPI over HTTP).
EXCHANGE_TYPES = frozenset({"EXCH", "EXPR", "EXHTTP", "WEB"})
IMPLICIT_TLS_PORTS = frozenset({993, 995, 465})
STARTTLS_PORTS = frozenset({143, 110, 587, 25})
MAX_TEXT = 512


@dataclass(frozen=True)
class AutodiscoverResponse:
    """What one Autodiscover answer says.

    ``servers`` holds the IMAP, POP3 and SMTP servers in document order;
    ``redirect`` the new address or URL for the redirect actions;
    ``error_code``/``error_message`` the Error form; ``exchange_only`` is
    true when the answer names only Exchange protocols.
    """

    action: Action
    servers: tuple[Server, ...] = ()
    redirect: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    account_type: str | None = None
    exchange_only: bool = False
    #: Protocol types present but not ours (EXCH, EXPR, WEB, ...)
    other_types: tuple[str, ...] = ()
    #: oddities met while reading (i18n Messages)
    notes: tuple[Message, ...] = ()

    @property
    def incoming(self) -> tuple[Server, ...]:
        return tuple(s for s in self.servers if s.protocol != "smtp")

    @property
    def outgoing(self) -> tuple[Server, ...]:
        return tuple(s for s in self.servers if s.protocol == "smtp")


def request_body(address: str) -> bytes:
    """The POX request for ``address`` (already in its ASCII form), UTF-8."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Autodiscover xmlns="{REQUEST_NS}">\n'
        f"  <Request>\n    <EMailAddress>{escape(address)}</EMailAddress>\n"
        f"    <AcceptableResponseSchema>{OUTLOOK_NS}</AcceptableResponseSchema>\n"
        "  </Request>\n</Autodiscover>\n").encode("utf-8")


def looks_like_html(data: bytes) -> bool:
    """True when ``data`` starts like a web page rather than an XML document."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


def parse_response(data: bytes, *, address: str | None = None,
                   source: str = "autodiscover") -> AutodiscoverResponse:
    """Read an Autodiscover POX answer.

    Servers get ``LoginName`` as username, else ``address`` (None when not
    given), and ``source`` as their source name. Returns an
    AutodiscoverResponse; raises AutodiscoverDocumentError (a
    ConfigDocumentError) for anything that is not a usable answer: empty,
    oversized, HTML, malformed XML, DTDs or entities, a wrong root element,
    a missing Response/Account/Action, a redirect without a target.
    """
    root = _parse_xml(data)
    if _local(root.tag) != "Autodiscover" or _ns(root.tag) != RESPONSE_NS:
        raise AutodiscoverDocumentError(msg("its root element is {element}, not an "
                                            "Autodiscover response", element=_clean(root.tag)))
    response = _first(root, "Response")
    if response is None:
        raise AutodiscoverDocumentError(msg("it has no Response element"))
    error = _first(response, "Error")
    if error is not None:
        return AutodiscoverResponse(action="error",
                                    error_code=_clean(_text(error, "ErrorCode") or "?", 20),
                                    error_message=_clean(_text(error, "Message") or "")
                                    or None)
    if _ns(response.tag) == MOBILESYNC_NS:
        # an ActiveSync answer: only Exchange ActiveSync clients can use it
        return AutodiscoverResponse(action="settings", exchange_only=True,
                                    other_types=("MobileSync",))
    account = _first(response, "Account")
    if account is None:
        raise AutodiscoverDocumentError(msg("it has no Account element"))
    notes: list[Message] = []
    account_type = _text(account, "AccountType")
    protocols = _all(account, "Protocol")
    action_text = _text(account, "Action")
    if action_text is None:
        if not protocols:
            raise AutodiscoverDocumentError(msg("it has no Action element"))
        notes.append(msg("the Autodiscover answer has no Action; it was read as settings"))
        action_text = "settings"
    action = ACTIONS.get(action_text.lower())
    if action is None:
        raise AutodiscoverDocumentError(msg("its Action {action} is unknown",
                                            action=_clean(action_text)))
    if action in ("redirectAddr", "redirectUrl"):
        element = "RedirectAddr" if action == "redirectAddr" else "RedirectUrl"
        target = _text(account, element)
        if not target:
            raise AutodiscoverDocumentError(msg("it says {action} but has no {element}",
                                                action=action, element=element))
        return AutodiscoverResponse(action=action, redirect=target,
                                    account_type=account_type, notes=tuple(notes))
    servers: list[Server] = []
    others: list[str] = []
    counts: dict[str, int] = {}
    for protocol in protocols:
        kind = (_text(protocol, "Type") or "").upper()
        if kind not in MAIL_TYPES:
            if kind in EXCHANGE_TYPES:
                if kind not in others:
                    others.append(kind)
            else:
                notes.append(msg("the Autodiscover answer names an unknown protocol type "
                                 "{type}; it was skipped", type=_clean(kind) or "-"))
            continue
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] > MAX_SERVERS_PER_TYPE:
            continue
        server = _server(protocol, MAIL_TYPES[kind], kind, address, source, notes)
        if server is not None:
            servers.append(server)
    for kind, count in counts.items():
        if count > MAX_SERVERS_PER_TYPE:
            notes.append(msg("the Autodiscover answer names {count} {type} servers; only "
                             "the first {max} are used", count=count, type=kind,
                             max=MAX_SERVERS_PER_TYPE))
    return AutodiscoverResponse(action="settings", servers=tuple(servers),
                                account_type=account_type,
                                exchange_only=not servers and bool(others) and not counts,
                                other_types=tuple(others), notes=tuple(notes))


#: our security name -> (SSL, Encryption) as written by write_response()
WRITE_SECURITY = {"tls": ("on", "SSL"), "starttls": ("on", "TLS"), "plain": ("off", "None")}
#: Characters XML 1.0 cannot carry.


def write_response(servers: Sequence[Server], *, display_name: str | None = None) -> bytes:
    """Return an Autodiscover POX ``settings`` answer for ``servers``, UTF-8.

    Incoming servers (IMAP, POP3) are written first in the given order, then
    the SMTP servers. Each server's ``username`` becomes ``LoginName`` as it
    is, so it may be one user's login or a template such as
    ``%EMAILADDRESS%`` that the answering script fills in; an SMTP server
    whose login equals the first incoming server's also gets ``UsePOPAuth``
    on. ``display_name`` goes into ``User/DisplayName``.

    Raises UsageError for a value the document cannot carry: an unknown
    protocol or security, a bad host name or port, text with characters XML
    cannot hold, no incoming or no SMTP server.
    """
    import xml.etree.ElementTree as ET

    incoming = [s for s in servers if s.protocol in ("imap", "pop3")]
    outgoing = [s for s in servers if s.protocol == "smtp"]
    if len(incoming) + len(outgoing) != len(servers):
        raise UsageError("an Autodiscover answer holds only IMAP, POP3 and SMTP servers")
    if not incoming or not outgoing:
        raise UsageError("an Autodiscover answer needs an incoming and an SMTP server")
    # The namespaces are written as plain xmlns attributes, so each element
    # carries its default namespace the way Outlook's own answers do
    # (ElementTree would otherwise invent ns0:/ns1: prefixes).
    root = ET.Element("Autodiscover", xmlns=RESPONSE_NS)
    response = ET.SubElement(root, "Response", xmlns=OUTLOOK_NS)
    if display_name:
        user = ET.SubElement(response, "User")
        ET.SubElement(user, "DisplayName").text = xml_text(display_name, "display name")
    account = ET.SubElement(response, "Account")
    ET.SubElement(account, "AccountType").text = "email"
    ET.SubElement(account, "Action").text = "settings"
    incoming_login = incoming[0].username
    for server in [*incoming, *outgoing]:
        _write_protocol(account, server, server.protocol == "smtp"
                        and server.username == incoming_login)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _write_protocol(account, server: Server, same_login: bool) -> None:
    import ipaddress
    import xml.etree.ElementTree as ET

    from ..models import to_ascii_domain
    if server.security not in WRITE_SECURITY:
        raise UsageError(f"unknown security {server.security!r} for {server.host}")
    if isinstance(server.port, bool) or not isinstance(server.port, int) \
            or not 0 < server.port <= 65535:
        raise UsageError(f"invalid port {server.port!r} for {server.host}")
    host = xml_text(server.host, "host name").lower().rstrip(".")
    try:
        host = str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        ascii_host = host if host.isascii() else to_ascii_domain(host)
        if not ascii_host or not is_hostname(ascii_host):
            raise UsageError(f"not a host name: {server.host!r}") from None
        host = ascii_host
    ssl, encryption = WRITE_SECURITY[server.security]
    protocol = ET.SubElement(account, "Protocol")
    fields = [("Type", server.protocol.upper()), ("Server", host), ("Port", str(server.port)),
              ("DomainRequired", "off")]
    if server.username:
        fields.append(("LoginName", xml_text(server.username, "username")))
    fields += [("SPA", "off"), ("SSL", ssl), ("Encryption", encryption),
               ("AuthRequired", "on")]
    if server.protocol == "smtp":
        fields += [("UsePOPAuth", "on" if same_login else "off"), ("SMTPLast", "off")]
    for name, value in fields:
        ET.SubElement(protocol, name).text = value




def security_of(port: int, ssl: str | None, encryption: str | None) -> tuple[str, bool]:
    """Our security name for a Protocol's ``Port``/``SSL``/``Encryption``
    (see the module docstring), and whether that was a guess from the port
    worth telling the user about. Unknown ``Encryption`` values fall back
    to ``SSL``."""
    ssl_on = (ssl or "on").strip().lower() != "off"
    mode = (encryption or "").strip().lower()
    if mode == "ssl":
        return "tls", False
    if mode == "tls":
        return "starttls", False
    if mode == "none":
        return "plain", False
    if mode == "auto":
        if port in IMPLICIT_TLS_PORTS:
            return "tls", False
        if port in STARTTLS_PORTS:
            return "starttls", False
        return ("tls" if ssl_on else "starttls"), False
    if not ssl_on:
        return "plain", False
    if port in STARTTLS_PORTS:
        return "starttls", True
    return "tls", False


def _server(element, protocol: str, kind: str, address: str | None, source: str,
            notes: list[Message]) -> Server | None:
    raw_host = (_text(element, "Server") or "").rstrip(".").lower()
    host = check_hostname(raw_host, allow_ip=True) if raw_host else None
    if host is None:
        notes.append(msg("the Autodiscover answer names a {type} server without a valid "
                         "host name ({host}); it was skipped", type=kind,
                         host=_clean(raw_host) or "-"))
        return None
    ssl = _text(element, "SSL")
    encryption = _text(element, "Encryption")
    if encryption and encryption.strip().lower() not in ("ssl", "tls", "none", "auto"):
        notes.append(msg("the Autodiscover answer has an unknown Encryption value {value} "
                         "for {host}; SSL was used instead", value=_clean(encryption),
                         host=host))
        encryption = None
    port_text = _text(element, "Port")
    if port_text is None:
        provisional, _ = security_of(0, ssl, encryption)
        port = DEFAULT_PORTS[(protocol, provisional)]
    elif (checked_port := parse_port(port_text)) is not None:
        port = checked_port
    else:
        notes.append(msg("the Autodiscover answer gives {host} the invalid port {port}; "
                         "this server was skipped", host=host, port=_clean(port_text)))
        return None
    security, guessed = security_of(port, ssl, encryption)
    if guessed:
        notes.append(msg("the Autodiscover answer asks for SSL on {host} port {port}, a "
                         "STARTTLS port; it was read as STARTTLS", host=host, port=port))
    spa = (_text(element, "SPA") or "on").lower() != "off"
    login = _text(element, "LoginName")
    if login is not None and _unsafe(login):
        notes.append(msg("the Autodiscover answer gives {host} a username with a "
                         "line break or another control character, which could "
                         "smuggle commands to the server; this server was skipped", host=host))
        return None
    extra: list[tuple[str, object]] = []
    for name, key in (("DomainRequired", "domain_required"), ("AuthRequired", "auth_required"),
                      ("UsePOPAuth", "use_incoming_login"), ("SMTPLast", "smtp_last")):
        value = _text(element, name)
        if value is not None and value.lower() in ("on", "off"):
            extra.append((key, value.lower() == "on"))
    return Server(protocol=protocol, host=host, port=port, security=security,
                  username=login or address,
                  auth=("password-encrypted",) if spa else ("password-cleartext",),
                  source=source, extra=tuple(extra))


def _unsafe(value: str) -> bool:
    """True when ``value`` may not go into a protocol line (CR, LF, NUL...)."""
    from ..diagnostics.connection import UnsafeArgument, protocol_argument
    try:
        protocol_argument(value, "")
    except UnsafeArgument:
        return True
    return False


def _parse_xml(data: bytes):
    import xml.etree.ElementTree as ET

    import defusedxml
    import defusedxml.ElementTree as DET

    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise AutodiscoverDocumentError(msg("it is larger than {size} bytes",
                                            size=MAX_DOCUMENT_BYTES))
    if not data.strip(b"\xef\xbb\xbf \t\r\n\x00"):
        raise AutodiscoverDocumentError(msg("it is empty"))
    if looks_like_html(data):
        raise AutodiscoverDocumentError(msg("it is a web page, not XML"))
    try:
        return DET.fromstring(bytes(data), forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise AutodiscoverDocumentError(msg("it contains a DTD or entity declarations, "
                                            "which are refused")) from None
    except ET.ParseError as exc:
        raise AutodiscoverDocumentError(msg("it is not well-formed XML ({error})",
                                            error=_clean(str(exc)))) from None
    except (ValueError, LookupError, UnicodeError, RecursionError) as exc:
        # e.g. an unknown encoding in the XML declaration
        raise AutodiscoverDocumentError(msg("it is not well-formed XML ({error})",
                                            error=_clean(str(exc)))) from None


_KNOWN_NS = frozenset({RESPONSE_NS, OUTLOOK_NS, MOBILESYNC_NS})


def _ns(tag) -> str:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def _local(tag) -> str:
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str):
    for child in element:
        if _local(child.tag) == name and _ns(child.tag) in _KNOWN_NS:
            yield child


def _first(element, name: str):
    return next(_children(element, name), None)


def _all(element, name: str) -> list:
    return list(_children(element, name))


def _text(element, name: str) -> str | None:
    """The stripped text of the first child ``name``; None when absent or empty."""
    child = _first(element, name)
    if child is None:
        return None
    text = "".join(child.itertext()).strip()
    return text[:MAX_TEXT] or None


def _clean(text: str, limit: int = 120) -> str:
    """``text`` made safe to show: no control characters, not too long."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[:limit - 3] + "..."
