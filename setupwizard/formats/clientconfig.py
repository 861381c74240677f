"""Read and write the clientConfig format (config-v1.1.xml).

``parse()`` turns a received document into a :class:`ClientConfig`. Documents
come from strangers on the network, so reading is hardened (size cap, no DTD,
no entities, no external references; every parser error becomes a
ConfigDocumentError) and lenient (unknown elements are ignored, slips are
repaired and reported in ``notes``): a messy file still gives what it can.

``write()`` turns a :class:`WriteSpec` into a document Thunderbird and every
other autoconfig client accepts, built with ElementTree.
"""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterator, Mapping

from ..errors import ConfigDocumentError, UsageError
from ..i18n import Message, msg
from ..models import (DEFAULT_PORTS, SECURITY_TO_SOCKET_TYPE, SOCKET_TYPES, AccountConfig,
                     EmailAddress, Hint, ProviderRef, Server, check_hostname, is_hostname,
                     to_ascii_domain)
from ..placeholders import expand

__all__ = ["ClientConfig", "OAuth2", "WriteSpec", "parse", "write", "MAX_DOCUMENT_SIZE"]

#: Bytes; real documents are a few kB (the same cap as an HTTP body in net.py).
MAX_DOCUMENT_SIZE = 1_000_000

#: Server types that exist in the wild but no IMAP/POP/SMTP client can use.
NOT_STANDARD_TYPES = frozenset({"exchange", "ews", "graph", "owa", "jmap", "activesync"})
INCOMING_TYPES = frozenset({"imap", "pop3"})
OUTGOING_TYPES = frozenset({"smtp"})

#: Authentication values the format defines, by lower-case spelling.
AUTH_METHODS: dict[str, str] = {m.lower(): m for m in (
    "password-cleartext", "password-encrypted", "NTLM", "GSSAPI", "client-IP-address",
    "TLS-client-cert", "OAuth2", "none", "smtp-after-pop")}

#: Ports that mean implicit TLS; used to guess a missing socketType.
IMPLICIT_TLS_PORTS = frozenset({993, 995, 465})

#: <pop3> children -> (Server.extra key, value kind).
POP3_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("leaveMessagesOnServer", "leave_messages_on_server", "bool"),
    ("daysToLeaveMessagesOnServer", "days_to_leave_messages_on_server", "int"),
    ("downloadOnBiff", "download_on_biff", "bool"),
)
CHECK_INTERVAL_KEY = "check_interval_minutes"

_PORT = re.compile(r"[0-9]{1,5}")
_NUMBER = re.compile(r"[0-9]{1,9}")
# Characters XML 1.0 cannot carry; ElementTree would write them anyway.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

LangTexts = Mapping[str, str]


@dataclass(frozen=True)
class OAuth2:
    """The <oAuth2> section: where a client gets tokens for this provider."""

    issuer: str | None = None
    scope: str | None = None
    auth_url: str | None = None
    token_url: str | None = None


@dataclass(frozen=True)
class ClientConfig:
    """What one clientConfig document says, in document order.

    Server usernames and host names have their placeholders expanded when
    ``parse()`` was given an address, and are left as templates otherwise.
    ``documentation`` holds (url, {lang: text}); ``instructions`` holds
    (visit_url or None, {lang: text}) from <enable>, steps the user must take
    first. ``notes`` are the oddities noticed while reading.
    """

    provider_id: str
    domains: tuple[str, ...] = ()
    display_name: str = ""
    short_name: str = ""
    incoming: tuple[Server, ...] = ()
    outgoing: tuple[Server, ...] = ()
    documentation: tuple[tuple[str, LangTexts], ...] = ()
    instructions: tuple[tuple[str | None, LangTexts], ...] = ()
    notes: tuple[Message, ...] = ()
    oauth2: OAuth2 | None = None
    #: <domain purpose="mx">: MX host domains this document also serves
    mx_domains: tuple[str, ...] = ()
    source: str = ""
    trusted: bool = True
    origin: str | None = None

    def to_account_config(self, provider: ProviderRef | None = None) -> AccountConfig:
        """Return the AccountConfig this document describes.

        ``provider`` defaults to one made from the document's id and display
        name. Each <enable> instruction becomes a Hint of kind "action".
        """
        if provider is None:
            ident = self.provider_id or (self.domains[0] if self.domains else "")
            if ident:
                provider = ProviderRef(id=ident,
                                       name=self.display_name or self.short_name or ident)
        hints = tuple(Hint(id=f"enable-{n}", text=dict(texts), url=url, kind="action")
                      for n, (url, texts) in enumerate(self.instructions, start=1))
        return AccountConfig(incoming=self.incoming, outgoing=self.outgoing,
                             source=self.source, trusted=self.trusted, provider=provider,
                             hints=hints, origin=self.origin, notes=self.notes)


# --- Reading ---------------------------------------------------------------------


def parse(data: bytes, *, address: EmailAddress | None = None, source: str = "",
          trusted: bool = True, origin: str | None = None) -> ClientConfig:
    """Read a clientConfig document.

    ``address`` fills the placeholders (without it they stay as written);
    ``source``, ``trusted`` and ``origin`` are recorded on the result and its
    servers. Returns a ClientConfig, possibly without usable servers (its
    ``notes`` then say why). Raises ConfigDocumentError when the document is
    too large, not well-formed XML, uses a DTD or entities, is an HTML page
    or is not a clientConfig document.
    """
    root = _read_xml(data, source)
    _strip_namespaces(root)
    if root.tag != "clientConfig":
        if root.tag.lower() == "html":
            raise _error("an HTML page, not a clientConfig document", source)
        raise _error(f"not a clientConfig document (root element <{root.tag}>)", source)
    return _Reader(address, source, trusted, origin).read(root)


def _error(reason: str, source: str) -> ConfigDocumentError:
    return ConfigDocumentError(f"config document rejected: {reason}", source=source or None)


def _read_xml(data: bytes, source: str) -> ET.Element:
    """Parse ``data`` with the hardened parser; translate every failure."""
    if isinstance(data, memoryview):
        size = data.nbytes
    elif isinstance(data, (bytes, bytearray)):
        size = len(data)
    else:
        raise TypeError(f"parse() needs bytes, not {type(data).__name__}")
    if size > MAX_DOCUMENT_SIZE:
        raise _error(f"larger than {MAX_DOCUMENT_SIZE} bytes", source)
    data = bytes(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # not allowed by the format, but harmless
    head = data.lstrip()[:512].lower()
    if not head:
        raise _error("empty", source)
    if head.startswith((b"<!doctype html", b"<html")):
        raise _error("an HTML page, not a clientConfig document", source)

    import defusedxml  # lazily: only discovery needs the parser
    import defusedxml.ElementTree as safe_et
    try:
        return safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
    except defusedxml.DTDForbidden:
        raise _error("it contains a document type declaration (DTD)", source) from None
    except defusedxml.EntitiesForbidden:
        raise _error("it declares entities", source) from None
    except defusedxml.ExternalReferenceForbidden:
        raise _error("it refers to an external resource", source) from None
    except defusedxml.DefusedXmlException as exc:
        raise _error(f"unsafe XML ({type(exc).__name__})", source) from None
    except ET.ParseError as exc:
        raise _error(f"not well-formed XML ({exc})", source) from None
    # expat raises these for declared encodings it cannot read
    except (LookupError, ValueError) as exc:
        raise _error(f"unreadable encoding ({exc})", source) from None
    except RecursionError:
        raise _error("nested too deeply", source) from None


def _strip_namespaces(root: ET.Element) -> None:
    """Drop namespace URIs from element and attribute names: some servers
    put the whole document in a namespace, which changes nothing for us."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.rpartition("}")[2]
        if any(key.startswith("{") for key in element.attrib):
            for key in [k for k in element.attrib if k.startswith("{")]:
                value = element.attrib.pop(key)
                element.attrib.setdefault(key.rpartition("}")[2], value)


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if child.tag == name)


def _text(element: ET.Element | None) -> str:
    """The element's text with runs of white space made one space."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _child_text(element: ET.Element, name: str) -> str | None:
    """Text of the first child called ``name``; None when there is none."""
    child = element.find(name)
    return None if child is None else _text(child)


def _is_web_url(url: str) -> bool:
    # isprintable() also refuses control, bidi-override and zero-width
    # characters, which make a link shown to the user read as another one
    return url.lower().startswith(("https://", "http://")) and len(url) > 8 \
        and not any(c.isspace() for c in url) and url.isprintable()


class _Reader:
    """Reads one parsed document; collects notes on the way."""

    def __init__(self, address: EmailAddress | None, source: str, trusted: bool,
                 origin: str | None) -> None:
        self.address = address
        self.source = source
        self.trusted = trusted
        self.origin = origin
        self.notes: list[Message] = []

    def read(self, root: ET.Element) -> ClientConfig:
        providers = list(_children(root, "emailProvider"))
        if not providers:
            raise _error("it has no <emailProvider>", self.source)
        if len(providers) > 1:
            self.notes.append(msg("The document has several <emailProvider> sections; "
                                  "used the first"))
        provider = providers[0]

        domains: list[str] = []
        mx_domains: list[str] = []
        for element in _children(provider, "domain"):
            name = _text(element).lower().rstrip(".")
            target = mx_domains if element.get("purpose", "").strip().lower() == "mx" \
                else domains
            if name and name not in target:
                target.append(name)
        if not domains:
            self.notes.append(msg("The document names no domain"))

        provider_id = (provider.get("id") or "").strip()
        if not provider_id and domains:
            provider_id = domains[0]
            self.notes.append(msg("The document has no provider id; used {id}",
                                  id=provider_id))

        incoming = [s for e in _children(provider, "incomingServer")
                    if (s := self._server(e, INCOMING_TYPES))]
        outgoing = [s for e in _children(provider, "outgoingServer")
                    if (s := self._server(e, OUTGOING_TYPES))]

        return ClientConfig(
            provider_id=provider_id, domains=tuple(domains),
            display_name=_child_text(provider, "displayName") or "",
            short_name=_child_text(provider, "displayShortName") or "",
            incoming=tuple(incoming), outgoing=tuple(outgoing),
            documentation=tuple(self._documentation(provider)),
            instructions=tuple(self._instructions(provider)),
            notes=tuple(self.notes),
            oauth2=self._oauth2(root, provider), mx_domains=tuple(mx_domains),
            source=self.source, trusted=self.trusted, origin=self.origin)

    # --- servers

    def _server(self, element: ET.Element, types: frozenset[str]) -> Server | None:
        kind = (element.get("type") or "").strip().lower()
        if not kind:
            self.notes.append(msg("Skipped an <{element}> that has no type attribute",
                                  element=element.tag))
            return None
        if kind in NOT_STANDARD_TYPES:
            self.notes.append(msg("Skipped a server of type {type}: not usable by "
                                  "standard mail programs", type=kind))
            return None
        if kind not in types:
            self.notes.append(msg("Skipped an <{element}> of unsupported type \"{type}\"",
                                  element=element.tag, type=kind))
            return None
        protocol = kind

        host = self._host(element, protocol)
        if host is None:
            return None
        raw_port = _child_text(element, "port") or ""
        port = int(raw_port) if _PORT.fullmatch(raw_port) else None
        if port is not None and not 0 < port <= 65535:
            port = None
        security = self._security(element, protocol, host, port)
        if port is None:
            port = DEFAULT_PORTS[(protocol, security)]
            if raw_port:
                self.notes.append(msg("The {protocol} server {host} has an invalid port "
                                      "\"{value}\"; assumed the standard port {port}",
                                      protocol=protocol.upper(), host=host, value=raw_port,
                                      port=port))
            else:
                self.notes.append(msg("The {protocol} server {host} has no port; assumed "
                                      "the standard port {port}", protocol=protocol.upper(),
                                      host=host, port=port))

        username = _child_text(element, "username") or None
        if username is not None and self.address is not None:
            username = self._expand(username, "username", protocol)

        return Server(protocol=protocol, host=host, port=port, security=security,
                      username=username, auth=self._auth(element, protocol, host),
                      source=self.source, trusted=self.trusted,
                      extra=self._pop3(element) if protocol == "pop3" else ())

    def _expand(self, text: str, element: str, protocol: str) -> str:
        assert self.address is not None
        expanded, repairs = expand(text, self.address)
        for detail in repairs:
            self.notes.append(msg("Repaired <{element}> of the {protocol} server: {detail}",
                                  element=element, protocol=protocol.upper(), detail=detail))
        return expanded

    def _host(self, element: ET.Element, protocol: str) -> str | None:
        raw = _child_text(element, "hostname") or ""
        if not raw:
            self.notes.append(msg("Skipped a {protocol} server that has no host name",
                                  protocol=protocol.upper()))
            return None
        host = self._expand(raw, "hostname", protocol) if self.address else raw
        host = host.strip()
        if host.endswith(".") and not host.endswith(".."):
            host = host[:-1]
        if self.address is None and "%" in host and not any(c.isspace() for c in host):
            return host  # a template for the whole domain, filled in later
        checked = check_hostname(host, allow_ip=True)
        if checked is not None:
            return checked
        self.notes.append(msg("Skipped a {protocol} server: \"{host}\" is not a valid host "
                              "name", protocol=protocol.upper(), host=raw))
        return None

    def _security(self, element: ET.Element, protocol: str, host: str,
                  port: int | None) -> str:
        raw = _child_text(element, "socketType")
        security = SOCKET_TYPES.get((raw or "").upper())
        if security is not None:
            return security
        # Guess towards encryption: a wrong guess fails the connection test,
        # a guess of "plain" could send a password in clear text.
        guess = "tls" if port is None or port in IMPLICIT_TLS_PORTS else "starttls"
        if raw:
            self.notes.append(msg("The {protocol} server {host} has an unknown socketType "
                                  "\"{value}\"; assumed {security}", protocol=protocol.upper(),
                                  host=host, value=raw, security=guess))
        else:
            self.notes.append(msg("The {protocol} server {host} has no socketType; assumed "
                                  "{security}", protocol=protocol.upper(), host=host,
                                  security=guess))
        return guess

    def _auth(self, element: ET.Element, protocol: str, host: str) -> tuple[str, ...]:
        methods: list[str] = []
        for child in _children(element, "authentication"):
            raw = _text(child)
            if not raw:
                continue
            method = AUTH_METHODS.get(raw.lower())
            if method is None:
                method = raw
                self.notes.append(msg("The {protocol} server {host} names an unknown "
                                      "authentication method \"{value}\"",
                                      protocol=protocol.upper(), host=host, value=raw))
            if method not in methods:
                methods.append(method)
        if not methods:
            self.notes.append(msg("The {protocol} server {host} names no authentication "
                                  "method; assumed password-cleartext",
                                  protocol=protocol.upper(), host=host))
            return ("password-cleartext",)
        return tuple(methods)

    def _pop3(self, element: ET.Element) -> tuple[tuple[str, object], ...]:
        block = element.find("pop3")
        if block is None:
            return ()
        extra: list[tuple[str, object]] = []
        for name, key, kind in POP3_SETTINGS:
            raw = _child_text(block, name)
            if raw is None:
                continue
            value = self._setting(name, raw, kind)
            if value is not None:
                extra.append((key, value))
        interval = block.find("checkInterval")
        if interval is not None:
            minutes = self._setting("checkInterval", (interval.get("minutes") or "").strip(),
                                    "int")
            if minutes is not None:
                extra.append((CHECK_INTERVAL_KEY, minutes))
        return tuple(extra)

    def _setting(self, name: str, raw: str, kind: str) -> bool | int | None:
        if kind == "bool" and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        if kind == "int" and _NUMBER.fullmatch(raw):
            return int(raw)
        self.notes.append(msg("Ignored the invalid value \"{value}\" of <{element}>",
                              value=raw, element=name))
        return None

    # --- texts for the user

    def _lang_texts(self, element: ET.Element, name: str) -> dict[str, str]:
        texts: dict[str, str] = {}
        for child in _children(element, name):
            text = _text(child)
            lang = (child.get("lang") or "en").strip().lower() or "en"
            if text and lang not in texts:
                texts[lang] = text
        return texts

    def _url(self, value: str | None) -> str | None:
        url = (value or "").strip()
        if not url:
            return None
        if _is_web_url(url):
            return url
        self.notes.append(msg("Ignored a link that is not a web address: {url}", url=url))
        return None

    def _documentation(self, provider: ET.Element) -> Iterator[tuple[str, dict[str, str]]]:
        for element in _children(provider, "documentation"):
            url = self._url(element.get("url"))
            if url:
                yield url, self._lang_texts(element, "descr")

    def _instructions(self, provider: ET.Element) -> Iterator[tuple[str | None,
                                                                    dict[str, str]]]:
        for element in _children(provider, "enable"):
            url = self._url(element.get("visiturl"))
            texts = self._lang_texts(element, "instruction")
            if url or texts:
                yield url, texts

    def _oauth2(self, root: ET.Element, provider: ET.Element) -> OAuth2 | None:
        # The format has it beside <emailProvider>; some files put it inside.
        element = root.find("oAuth2")
        if element is None:
            element = provider.find("oAuth2")
        if element is None:
            return None
        return OAuth2(issuer=_child_text(element, "issuer") or None,
                      scope=_child_text(element, "scope") or None,
                      auth_url=self._url(_child_text(element, "authURL")),
                      token_url=self._url(_child_text(element, "tokenURL")))


# --- Writing ---------------------------------------------------------------------


@dataclass(frozen=True)
class WriteSpec:
    """What to put into a clientConfig document.

    Servers are models.Server values; their ``username`` is written as it is,
    so it may be a template such as ``%EMAILADDRESS%`` (a document for a whole
    domain) or one user's login (a document for one account). ``documentation``
    holds (url, {lang: text}); ``instructions`` (visit_url or None,
    {lang: text}) become <enable> steps. Only ``protocol``, ``host``, ``port``,
    ``security``, ``username``, ``auth`` and the POP3 settings in ``extra`` of
    each server are written.
    """

    provider_id: str
    domains: tuple[str, ...]
    display_name: str = ""
    short_name: str = ""
    incoming: tuple[Server, ...] = ()
    outgoing: tuple[Server, ...] = ()
    documentation: tuple[tuple[str, LangTexts], ...] = ()
    instructions: tuple[tuple[str | None, LangTexts], ...] = ()
    oauth2: OAuth2 | None = None


def write(config: WriteSpec) -> bytes:
    """Return ``config`` as a config-v1.1.xml document: UTF-8 without BOM.

    Raises UsageError when a value cannot be written (no provider id or
    domain, a server in the wrong list, a bad host or port, text that XML
    cannot carry).
    """
    provider_id = xml_text(config.provider_id, "provider id")
    if not provider_id:
        raise UsageError("a clientConfig document needs a provider id")
    domains = [_ascii_domain(d) for d in config.domains]
    if not domains:
        raise UsageError("a clientConfig document needs at least one domain")

    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=provider_id)
    for domain in domains:
        ET.SubElement(provider, "domain").text = domain
    if config.display_name:
        ET.SubElement(provider, "displayName").text = xml_text(config.display_name,
                                                              "display name")
    if config.short_name:
        ET.SubElement(provider, "displayShortName").text = xml_text(config.short_name,
                                                                   "short name")
    for server in config.incoming:
        _write_server(provider, "incomingServer", server, INCOMING_TYPES)
    for server in config.outgoing:
        _write_server(provider, "outgoingServer", server, OUTGOING_TYPES)
    for url, texts in config.instructions:
        enable = ET.SubElement(provider, "enable")
        if url:
            enable.set("visiturl", _web_url(url))
        _write_lang_texts(enable, "instruction", texts)
    for url, texts in config.documentation:
        documentation = ET.SubElement(provider, "documentation", url=_web_url(url))
        _write_lang_texts(documentation, "descr", texts)
    if config.oauth2 is not None:
        _write_oauth2(root, config.oauth2)

    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def xml_text(text: str, what: str) -> str:
    """``text`` stripped, for an XML document; UsageError naming ``what``
    when it is not text or holds characters XML 1.0 cannot carry."""
    if not isinstance(text, str):
        raise UsageError(f"the {what} must be text, not {type(text).__name__}")
    if _NOT_XML.search(text):
        raise UsageError(f"the {what} contains characters XML cannot carry")
    return text.strip()


def _ascii_domain(domain: str) -> str:
    name = to_ascii_domain(xml_text(domain, "domain").lower())
    if name is None:
        raise UsageError(f"not a domain name: {domain!r}")
    return name


def _web_url(url: str) -> str:
    url = xml_text(url, "link")
    if not _is_web_url(url):
        raise UsageError(f"not a web address: {url!r}")
    return url


def _write_host(host: str) -> str:
    host = xml_text(host, "host name")
    if "%" in host and not any(c.isspace() for c in host):
        return host  # a template such as imap.%EMAILDOMAIN%
    host = host.lower()
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    ascii_host = host if host.isascii() else to_ascii_domain(host)
    if not ascii_host or not is_hostname(ascii_host):
        raise UsageError(f"not a host name: {host!r}")
    return ascii_host


def _write_server(parent: ET.Element, tag: str, server: Server,
                  types: frozenset[str]) -> None:
    if server.protocol not in types:
        raise UsageError(f"a {server.protocol} server cannot be an <{tag}>")
    if server.security not in SECURITY_TO_SOCKET_TYPE:
        raise UsageError(f"unknown security {server.security!r} for {server.host}")
    if isinstance(server.port, bool) or not isinstance(server.port, int) \
            or not 0 < server.port <= 65535:
        raise UsageError(f"invalid port {server.port!r} for {server.host}")
    element = ET.SubElement(parent, tag, type=server.protocol)
    ET.SubElement(element, "hostname").text = _write_host(server.host)
    ET.SubElement(element, "port").text = str(server.port)
    ET.SubElement(element, "socketType").text = SECURITY_TO_SOCKET_TYPE[server.security]
    if server.username:
        ET.SubElement(element, "username").text = xml_text(server.username, "username")
    methods = [xml_text(m, "authentication method") for m in server.auth]
    if not methods or not all(methods):
        raise UsageError(f"the server {server.host} needs an authentication method")
    for method in methods:
        ET.SubElement(element, "authentication").text = method
    if server.protocol == "pop3":
        _write_pop3(element, dict(server.extra))


def _write_pop3(server: ET.Element, extra: dict[str, object]) -> None:
    settings = [(name, extra[key], kind) for name, key, kind in POP3_SETTINGS
                if extra.get(key) is not None]
    minutes = extra.get(CHECK_INTERVAL_KEY)
    if not settings and minutes is None:
        return
    block = ET.SubElement(server, "pop3")
    for name, value, kind in settings:
        ET.SubElement(block, name).text = _setting_text(name, value, kind)
    if minutes is not None:
        ET.SubElement(block, "checkInterval", minutes=_setting_text("checkInterval",
                                                                    minutes, "int"))


def _setting_text(name: str, value: object, kind: str) -> str:
    if kind == "bool" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool) \
            and value >= 0:
        return str(value)
    raise UsageError(f"invalid value {value!r} for <{name}>")


def _write_lang_texts(parent: ET.Element, tag: str, texts: LangTexts) -> None:
    for lang, text in texts.items():
        ET.SubElement(parent, tag, lang=xml_text(lang, "language")).text = \
            xml_text(text, "text")


def _write_oauth2(root: ET.Element, oauth2: OAuth2) -> None:
    element = ET.SubElement(root, "oAuth2")
    for tag, value, is_url in (("issuer", oauth2.issuer, False),
                               ("scope", oauth2.scope, False),
                               ("authURL", oauth2.auth_url, True),
                               ("tokenURL", oauth2.token_url, True)):
        if value:
            ET.SubElement(element, tag).text = _web_url(value) if is_url \
                else xml_text(value, tag)
