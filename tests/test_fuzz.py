"""Fuzz tests for everything that reads text or bytes from strangers.

Each parser gets a few thousand structurally plausible inputs (hypothesis,
derandomized so CI is reproducible) and must

* raise nothing but the documented tree in ``setupwizard.errors``,
* finish (every test has a pytest timeout well below the project's, and
  every example a hypothesis deadline),
* never put the password (or its base64 and SASL forms) into what it shows.

The IMAP/POP3/SMTP clients talk to a real peer: a loopback TCP connection
whose far end sends the fuzzed answer. (A ``socket.socketpair()`` would be
an AF_UNIX pair, whose empty ``getsockname()`` is not what a real client
ever sees.) FUZZ-NOTES.md lists the parsers, the counts and the bugs found.
``SETUPWIZARD_FUZZ_SCALE=10`` runs ten times as many examples locally.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import ipaddress
import json
import os
import re
import socket
import threading
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from setupwizard.errors import SetupWizardError

SCALE = float(os.environ.get("SETUPWIZARD_FUZZ_SCALE", "1"))

# The hang guard: far above what a test needs (a few seconds), far below the
# project's 120 s, and scaled with the example count.
pytestmark = pytest.mark.timeout(int(60 * max(1.0, SCALE)))


def fuzz(examples: int, deadline_ms: int = 2000, *, shrink: bool = True):
    """The CI profile: fixed example count, reproducible, no database.
    ``shrink=False`` for the slowest tests, so a failure is reported as found
    (with its pinned minimal example) instead of being shrunk for minutes."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=deadline_ms,
                    derandomize=True, database=None, print_blob=True, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def only_documented(call, *args, **kwargs):
    """Run ``call``; return its result, or None when it raised an error of
    our documented tree. Anything else propagates and fails the test."""
    try:
        return call(*args, **kwargs)
    except SetupWizardError:
        return None


def _control(c: str) -> bool:
    """The characters EmailAddress.parse calls control characters."""
    return ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0


# --- Building blocks ----------------------------------------------------------------

#: Values that broke (or nearly broke) parsers somewhere: Unicode digits,
#: huge and signed numbers, bidi and zero-width characters, escaped dots,
#: placeholders, IDNA edge cases, IP literals.
ODD = [
    "", " ", "0", "1", "25", "110", "143", "465", "587", "993", "995", "65535", "65536",
    "-1", "+993", "0993", "99999", "9" * 30, "9" * 5000, "1e3", "0x3e1", "1_000", "993 ",
    "²", "¹²³", "٣", "١٤٣", "९९३", "𝟗𝟗𝟑", "Ⅸ", "½", "\u00a0993", "993\u200b",
    "\u202e", "\u200f", "\u2066x\u2069", "\ufeff", "\u00ad", "\u0085", "\x80", "\x9f",
    "\t", "\x0b", "\x1b[31m", "\x7f",
    "imap.example.com", "IMAP.Example.COM.", "imap.example.com..", "imap\\.example.com",
    "imap\\\\.example.com", "imap%2eexample.com", "imap。example。com", "imap．example．com",
    "exa mple.com", "-imap.example.com", "imap-.example.com", "_imap._tcp.example.com",
    "xn--zz.example", "xn--.example", "xn--mnchen-3ya.de", "münchen.de", "ß.de", "ǅ.de",
    "a" * 63 + ".com", "a" * 64 + ".com", "a." * 127 + "com", ".", "..", ".com", "com",
    "localhost", "127.0.0.1", "::1", "[::1]", "[::1", "::1]", "fe80::1%eth0", "1.2.3.4.5",
    "256.1.1.1", "01.02.03.04", "0x7f.1", "[v1.x]",
    "%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%", "%emaildomain%", "%EMAILADDRESS",
    "%%EMAILDOMAIN%%", "EMAILDOMAIN%", "imap.%EMAILDOMAIN%", "%EMAILDOMAIN% x", "%REALNAME%",
    "%", "%%", "%EMAILLOCALPART%%EMAILDOMAIN%", "%EMAILADDRESſ%", "%EMAıLDOMAIN%",
    "SSL", "STARTTLS", "plain", "TLS", "ssl", "none", "Auto", "on", "off", "true", "false",
    "IMAP", "POP3", "SMTP", "EXCH", "WEB", "imap", "pop3", "smtp", "exchange",
    "password-cleartext", "OAuth2", "oauth2", "https://example.com/x", "http://x",
    "javascript:alert(1)", "https://exa mple.com", "https://example.com/\u202egpj.exe",
    "https://exa\u200bmple.com", "https://example.com/\x85x", "https://example.com/\x9b", "alice", "alice@example.com",
    "a\r\nDELE 1", "a\nQUIT", "\x00",
]
odd = st.sampled_from(ODD)
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
ascii_text = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=24)
# sampled rather than from_regex: generating is most of a fuzz test's time
label = st.sampled_from(["imap", "mail", "smtp", "pop", "example", "com", "de", "co", "uk",
                         "a-b", "1", "x" * 63, "xn--mnchen-3ya", "mx01", "eu-west-1"])
plausible_host = st.lists(label, min_size=1, max_size=4).map(".".join)
# mostly the cheap sampled values: drawing free text costs about a millisecond
value = st.one_of(odd, odd, odd, odd, unicode_text, ascii_text, plausible_host,
                  st.tuples(odd, odd).map("".join))

#: Markup that may stand where text is expected: nested elements, CDATA,
#: comments, processing instructions, character references.
RAW_MARKUP = ["<b>x</b>", "<![CDATA[<&>]]>", "<!-- c -->", "<?pi x?>", "&#178;", "&#x663;",
              "&#x202e;", "&#13;&#10;", "&#x85;", "&#x9b;", "&amp;", "&lt;", "<x/>",
              "<b><i>a</i>.</b>"]
#: ... and markup that is not well-formed (forbidden or undeclared references,
#: stray tags).
BROKEN_MARKUP = ["&#x0;", "&#1;", "&#xD800;", "&unknown;", "&#99999999;", "</hostname>", "<",
                 "\x00", "\x1b[31m"]
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_escape(text: str) -> str:
    """``text`` as element content; characters XML cannot carry are dropped."""
    return escape(_NOT_XML.sub("", text))


def _xml_value(broken: bool = False) -> st.SearchStrategy[str]:
    """Element content: escaped text, raw markup, or a mix; with ``broken``
    sometimes markup that makes the document not well-formed."""
    markup = st.sampled_from(RAW_MARKUP + (BROKEN_MARKUP if broken else []))
    return st.one_of(value.map(xml_escape), value.map(xml_escape), markup,
                     st.tuples(value, markup, value).map(
                         lambda t: xml_escape(t[0]) + t[1] + xml_escape(t[2])))


def attr_value() -> st.SearchStrategy[str]:
    return value.map(lambda v: quoteattr(_NOT_XML.sub("", v)))


#: Links: a web address with something odd after its start.
url = st.one_of(value, st.tuples(st.sampled_from(["https://example.com/", "http://x.de/",
                                                  "HTTPS://"]), value).map("".join))
url_attr = url.map(lambda v: quoteattr(_NOT_XML.sub("", v)))


@st.composite
def mutated(draw, document: bytes, broken: bool) -> bytes:
    """With ``broken``, damage ``document`` a little: cut, duplicate or
    insert bytes."""
    for _ in range(draw(st.integers(0, 2)) if broken else 0):
        if not document:
            break
        at = draw(st.integers(0, len(document)))
        kind = draw(st.sampled_from(["cut", "dup", "insert"]))
        if kind == "cut":
            document = document[:at] + document[at + draw(st.integers(1, 20)):]
        elif kind == "dup":
            document = document[:at] + document[at:at + 40] + document[at:]
        else:
            document = document[:at] + draw(st.binary(min_size=1, max_size=6)) + document[at:]
    return document


XML_DECLARATIONS = ['<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>', ""]
BROKEN_DECLARATIONS = ['<?xml version="1.0" encoding="iso-8859-1"?>',
                       '<?xml version="1.0" encoding="UTF-16"?>',
                       '<?xml version="1.0" encoding="x-bogus"?>',
                       '<?xml version="1.1" encoding="utf-8"?>']


def declarations(broken: bool) -> st.SearchStrategy[str]:
    return st.sampled_from(XML_DECLARATIONS + (BROKEN_DECLARATIONS if broken else []))


def encode(declaration: str, text: str, bom: bool) -> bytes:
    data = (declaration + "\n" + text).encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" if bom else b"") + data


# --- clientConfig ---------------------------------------------------------------


@st.composite
def clientconfig_server(draw, tag: str, broken: bool) -> str:
    kind = draw(st.one_of(st.sampled_from(["imap", "pop3", "smtp", "IMAP", " Pop3 ",
                                           "exchange", ""]), value))
    xml_value = functools.partial(_xml_value, broken)
    parts = []
    for name in draw(st.lists(st.sampled_from(["hostname", "port", "socketType", "username",
                                               "authentication", "authentication"]),
                              max_size=8)):
        parts.append(f"<{name}>{draw(xml_value())}</{name}>")
    if draw(st.booleans()):
        pop3 = "".join(f"<{n}>{draw(xml_value())}</{n}>" for n in draw(st.lists(
            st.sampled_from(["leaveMessagesOnServer", "daysToLeaveMessagesOnServer",
                             "downloadOnBiff"]), max_size=3)))
        if draw(st.booleans()):
            pop3 += f"<checkInterval minutes={draw(attr_value())}/>"
        parts.append(f"<pop3>{pop3}</pop3>")
    return f"<{tag} type={quoteattr(_NOT_XML.sub('', kind))}>{''.join(parts)}</{tag}>"


@st.composite
def clientconfig_documents(draw) -> bytes:
    broken = draw(st.integers(0, 3)) == 0  # a quarter of them not well-formed
    xml_value = functools.partial(_xml_value, broken)
    body = []
    for _ in range(draw(st.integers(0, 3))):
        purpose = draw(st.sampled_from(["", ' purpose="mx"', ' purpose="MX "']))
        body.append(f"<domain{purpose}>{draw(xml_value())}</domain>")
    for name in draw(st.lists(st.sampled_from(["displayName", "displayShortName"]),
                              max_size=2)):
        body.append(f"<{name}>{draw(xml_value())}</{name}>")
    for _ in range(draw(st.integers(0, 3))):
        body.append(draw(clientconfig_server("incomingServer", broken)))
    for _ in range(draw(st.integers(0, 2))):
        body.append(draw(clientconfig_server("outgoingServer", broken)))
    for _ in range(draw(st.integers(0, 2))):
        body.append(f"<documentation url={draw(url_attr)}><descr lang="
                    f"{draw(attr_value())}>{draw(xml_value())}</descr></documentation>")
    for _ in range(draw(st.integers(0, 2))):
        body.append(f"<enable visiturl={draw(url_attr)}><instruction>"
                    f"{draw(xml_value())}</instruction></enable>")
    body = draw(st.permutations(body))
    oauth = ""
    if draw(st.booleans()):
        oauth = "<oAuth2>" + "".join(
            f"<{n}>{xml_escape(draw(url)) if n.endswith('URL') else draw(xml_value())}</{n}>"
            for n in ("issuer", "scope", "authURL", "tokenURL")) + "</oAuth2>"
    namespace = draw(st.sampled_from(["", ' xmlns="http://example.com/ns"']))
    root = draw(st.sampled_from(["clientConfig"] * 8 + ["html", "clientconfig", "x:y"]))
    text = (f'<{root} version="1.1"{namespace}><emailProvider id={draw(attr_value())}>'
            f"{''.join(body)}</emailProvider>{oauth}</{root}>")
    document = encode(draw(declarations(broken)), text, draw(st.booleans()))
    return draw(mutated(document, broken))


def _address_or_none(text: str):
    from setupwizard.models import EmailAddress
    return only_documented(EmailAddress.parse, text)


ADDRESSES = ["alice@example.com", "a%EMAILDOMAIN%b@example.com", "%@example.com",
             "%EMAILADDRESS%@example.com", "%%EMAILLOCALPART%@example.com",
             "älice@münchen.de", "al.ice+tag@sub.example.co.uk", "x@xn--mnchen-3ya.de"]


def check_server(server, *, templates: bool) -> None:
    """What every parser must guarantee about a Server it returns."""
    from setupwizard.models import is_hostname
    assert server.protocol in ("imap", "pop3", "smtp")
    assert server.security in ("tls", "starttls", "plain")
    assert isinstance(server.port, int) and 0 < server.port <= 65535
    if not (templates and "%" in server.host):
        try:
            ipaddress.ip_address(server.host)
        except ValueError:
            assert is_hostname(server.host), server.host
    if server.username is not None:
        assert not any(c in "\r\n\x00" for c in server.username), server.username
        server.username.encode("utf-8")


@functools.cache
def translator(lang: str):
    from setupwizard.i18n import Translator
    return Translator(lang)


def check_notes(notes) -> None:
    for lang in ("en", "de"):
        tr = translator(lang)
        for note in notes:
            assert isinstance(tr.render(note), str)


@fuzz(500)
@given(document=st.one_of(clientconfig_documents(), clientconfig_documents(),
                          st.binary(max_size=300)),
       address=st.sampled_from([None, *ADDRESSES]))
def test_clientconfig_parse(document, address):
    from setupwizard.formats import clientconfig
    config = only_documented(clientconfig.parse, document,
                             address=address and _address_or_none(address))
    if config is None:
        return
    for server in (*config.incoming, *config.outgoing):
        check_server(server, templates=address is None)
    check_notes(config.notes)
    config.to_account_config()
    # links are shown to people: no bidi overrides, zero-width or control
    # characters that make one address look like another
    links = [url for url, _ in (*config.documentation, *config.instructions)]
    if config.oauth2:
        links += [config.oauth2.auth_url, config.oauth2.token_url]
    for url in links:
        assert url is None or url.isprintable(), url


@st.composite
def write_specs(draw):
    from setupwizard.formats.clientconfig import OAuth2, WriteSpec
    from setupwizard.models import Server

    extras = st.lists(st.tuples(
        st.sampled_from(["leave_messages_on_server", "days_to_leave_messages_on_server",
                         "check_interval_minutes"]),
        st.one_of(st.booleans(), st.integers(-5, 10**12))), max_size=2)

    def server(protocols):
        return Server(protocol=draw(st.sampled_from(protocols)), host=draw(value),
                      port=draw(st.one_of(st.integers(-2, 70000),
                                          st.sampled_from([993, 465, True]))),
                      security=draw(st.sampled_from(["tls", "starttls", "plain", "ssl"])),
                      username=draw(st.one_of(st.none(), value)),
                      auth=tuple(draw(st.lists(value, min_size=0, max_size=2))),
                      extra=tuple(draw(extras)))

    return WriteSpec(
        provider_id=draw(value), domains=tuple(draw(st.lists(value, max_size=2))),
        display_name=draw(value),
        incoming=tuple(server(["imap", "pop3"]) for _ in range(draw(st.integers(0, 2)))),
        outgoing=tuple(server(["smtp"]) for _ in range(draw(st.integers(0, 1)))),
        documentation=tuple((draw(value), {draw(value): draw(value)})
                            for _ in range(draw(st.integers(0, 1)))),
        oauth2=draw(st.one_of(st.none(), st.builds(OAuth2, issuer=value, auth_url=value))))


@fuzz(300)
@given(spec=write_specs())
def test_clientconfig_write_then_read(spec):
    """write() refuses with UsageError or writes what parse() reads back."""
    from setupwizard.formats import clientconfig
    document = only_documented(clientconfig.write, spec)
    if document is None:
        return
    config = clientconfig.parse(document)
    assert [(s.protocol, s.port, s.security) for s in config.incoming] == \
        [(s.protocol, s.port, s.security) for s in spec.incoming]
    assert [(s.protocol, s.port, s.security) for s in config.outgoing] == \
        [(s.protocol, s.port, s.security) for s in spec.outgoing]


# --- Autodiscover ---------------------------------------------------------------

RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MOBILESYNC_NS = ("http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"
                 "responseschema/2006")


@st.composite
def autodiscover_protocol(draw, broken: bool) -> str:
    xml_value = functools.partial(_xml_value, broken)
    kind = draw(st.one_of(st.sampled_from(["IMAP", "POP3", "SMTP", "EXCH", "EXPR", "WEB",
                                           "imap"]), value))
    parts = [f"<Type>{xml_escape(kind)}</Type>"]
    for name in draw(st.lists(st.sampled_from([
            "Server", "Server", "Port", "Port", "LoginName", "LoginName", "SSL",
            "Encryption", "SPA", "DomainRequired", "AuthRequired", "UsePOPAuth",
            "SMTPLast"]), max_size=9)):
        parts.append(f"<{name}>{draw(xml_value())}</{name}>")
    return "<Protocol>" + "".join(draw(st.permutations(parts))) + "</Protocol>"


@st.composite
def autodiscover_documents(draw) -> bytes:
    broken = draw(st.integers(0, 3)) == 0
    xml_value = functools.partial(_xml_value, broken)
    form = draw(st.sampled_from(["settings", "settings", "settings", "redirect", "error",
                                 "mobilesync"]))
    if form == "error":
        inner = (f"<Error><ErrorCode>{draw(xml_value())}</ErrorCode><Message>"
                 f"{draw(xml_value())}</Message></Error>")
        response_ns = OUTLOOK_NS
    elif form == "mobilesync":
        inner, response_ns = "<Culture>en:us</Culture>", MOBILESYNC_NS
    else:
        account = [f"<AccountType>{draw(xml_value())}</AccountType>"]
        if draw(st.integers(0, 9)):
            action = draw(st.one_of(st.sampled_from(
                ["settings", "redirectAddr", "redirectUrl", "Settings", "REDIRECTURL"]),
                value))
            account.append(f"<Action>{xml_escape(action)}</Action>")
        if form == "redirect":
            for name in ("RedirectAddr", "RedirectUrl"):
                if draw(st.booleans()):
                    account.append(f"<{name}>{draw(xml_value())}</{name}>")
        for _ in range(draw(st.integers(0, 4))):
            account.append(draw(autodiscover_protocol(broken)))
        if draw(st.integers(0, 40)) == 0:  # more servers than we keep
            account.extend([draw(autodiscover_protocol(broken))] * 12)
        inner = "<Account>" + "".join(account) + "</Account>"
        response_ns = draw(st.sampled_from([OUTLOOK_NS] * 6 + ["", "urn:other"]))
    root_ns = draw(st.sampled_from([RESPONSE_NS] * 6 + ["", OUTLOOK_NS]))
    text = (f'<Autodiscover xmlns="{root_ns}"><Response xmlns="{response_ns}">{inner}'
            f"</Response></Autodiscover>")
    document = encode(draw(declarations(broken)), text, draw(st.booleans()))
    return draw(mutated(document, broken))


@fuzz(500)
@given(document=st.one_of(autodiscover_documents(), autodiscover_documents(),
                          st.binary(max_size=300)),
       address=st.sampled_from([None, "alice@example.com"]))
def test_autodiscover_parse_response(document, address):
    from setupwizard.formats.autodiscover import parse_response
    answer = only_documented(parse_response, document, address=address)
    if answer is None:
        return
    for server in answer.servers:
        check_server(server, templates=False)
        if server.username is not None:
            # a login name is sent in USER/LOGIN commands and shown to people
            assert not any(_control(c) for c in server.username), server.username
    check_notes(answer.notes)
    for text in (answer.error_code, answer.error_message):
        assert text is None or text.isprintable()


@pytest.mark.parametrize("port", ["²", "¹²³"])
def test_autodiscover_unicode_digit_ports(port):
    """Kept apart from the big test so that one keeps guarding everything else."""
    from setupwizard.formats.autodiscover import parse_response
    document = (f'<Autodiscover xmlns="{RESPONSE_NS}"><Response xmlns="{OUTLOOK_NS}">'
                f"<Account><Action>settings</Action><Protocol><Type>IMAP</Type>"
                f"<Server>imap.example.com</Server><Port>{port}</Port></Protocol>"
                f"</Account></Response></Autodiscover>").encode()
    answer = only_documented(parse_response, document)
    for server in answer.servers if answer else ():
        check_server(server, templates=False)


@pytest.mark.parametrize("login", ["a&#13;&#10;DELE 1", "a&#10;QUIT", "a&#x85;b",
                                   "a\x7fb", "a&#x9b;31m"])
def test_autodiscover_login_name_control_characters(login):
    from setupwizard.formats.autodiscover import parse_response
    document = (f'<Autodiscover xmlns="{RESPONSE_NS}"><Response xmlns="{OUTLOOK_NS}">'
                f"<Account><Action>settings</Action><Protocol><Type>POP3</Type>"
                f"<Server>pop.example.com</Server><Port>995</Port><LoginName>{login}"
                f"</LoginName></Protocol></Account></Response></Autodiscover>").encode()
    answer = only_documented(parse_response, document)
    for server in answer.servers if answer else ():
        assert server.username is None or not any(_control(c) for c in server.username)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("parser", ["clientconfig", "autodiscover"])
def test_deep_nesting_up_to_the_size_cap_finishes(parser):
    """The worst document that fits under each size cap: elements nested as
    deep as the bytes allow, inside the host name. It must be read (or
    refused) quickly, not crash on recursion."""
    from setupwizard.formats import autodiscover as autodiscover_xml, clientconfig
    if parser == "clientconfig":
        depth = (clientconfig.MAX_DOCUMENT_SIZE - 400) // 7
        head = b'<clientConfig><emailProvider id="x"><incomingServer type="imap"><hostname>'
        tail = b"</hostname></incomingServer></emailProvider></clientConfig>"
        result = only_documented(clientconfig.parse,
                                 head + b"<b>" * depth + b"imap.example.com" + b"</b>" * depth
                                 + tail)
        servers = result.incoming if result else ()
    else:
        depth = (autodiscover_xml.MAX_DOCUMENT_BYTES - 600) // 7
        head = (f'<Autodiscover xmlns="{RESPONSE_NS}"><Response xmlns="{OUTLOOK_NS}"><Account>'
                "<Action>settings</Action><Protocol><Type>IMAP</Type><Server>").encode()
        tail = b"</Server></Protocol></Account></Response></Autodiscover>"
        result = only_documented(autodiscover_xml.parse_response,
                                 head + b"<b>" * depth + b"imap.example.com" + b"</b>" * depth
                                 + tail)
        servers = result.servers if result else ()
    assert [s.host for s in servers] in ([], ["imap.example.com"])


# --- Addresses, host names, ports, DNS servers, placeholders --------------------

address_text = st.one_of(
    st.tuples(st.one_of(value, st.sampled_from(["alice", "a.b", "a+b", "%", "ä", "a\ud800",
                                                "\udcff", "a\u202eb"])),
              st.sampled_from(["@", "@", "@@", "＠", ""]),
              st.one_of(value, plausible_host.map(lambda h: h + ".example"))).map("".join),
    st.text(max_size=40))


@fuzz(1200)
@given(text=address_text)
def test_address_parse(text):
    from setupwizard.models import EmailAddress, is_hostname
    address = only_documented(EmailAddress.parse, text)
    if address is None:
        return
    assert address.local and is_hostname(address.ascii_domain)
    assert not any(_control(c) or c.isspace() for c in address.text)
    # the address goes on the wire and into files as UTF-8
    address.text.encode("utf-8")
    address.ascii.encode("utf-8")


def test_address_with_lone_surrogate_is_refused():
    from setupwizard.errors import InvalidAddress
    from setupwizard.models import EmailAddress
    for text in ("a\ud800@example.com", "\udcff@example.com", "a@ex\ud800ample.com"):
        with pytest.raises(InvalidAddress):
            EmailAddress.parse(text)


@fuzz(1200)
@given(name=st.one_of(value, st.text(max_size=40),
                      st.lists(st.one_of(label, odd), min_size=1, max_size=5).map(".".join)))
def test_host_names(name):
    from setupwizard.models import is_hostname, to_ascii_domain
    assert isinstance(is_hostname(name), bool)
    ascii_domain = to_ascii_domain(name)
    if ascii_domain is not None:
        assert is_hostname(ascii_domain) and ascii_domain.isascii()


server_spec = st.tuples(
    st.one_of(value, plausible_host, st.sampled_from(["[::1]", "[fe80::1]", "[1.2.3.4]"])),
    st.one_of(st.just(""), odd.map(lambda p: ":" + p),
              st.integers(-1, 70000).map(lambda p: f":{p}")),
    st.one_of(st.just(""), st.sampled_from(["/tls", "/ssl", "/STARTTLS", "/plain", "/",
                                            "/x", "//tls", "/tls/tls"]))).map("".join)


def _check_spec_result(server) -> None:
    if server is not None:
        check_server(server, templates=False)
        assert server.host.isascii()


@fuzz(1200)
@given(spec=server_spec, protocol=st.sampled_from(["imap", "pop3", "smtp"]))
def test_server_spec(spec, protocol):
    from setupwizard.diagnostics import parse_server_spec
    _check_spec_result(only_documented(parse_server_spec, spec, protocol))


def test_server_spec_unicode_digit_ports():
    from setupwizard.diagnostics import parse_server_spec
    from setupwizard.net import parse_dns_server
    for port in ("²", "¹²³", "𝟗𝟗𝟑", "٩٩٣", "9" * 5000):
        _check_spec_result(only_documented(parse_server_spec, f"imap.example.com:{port}",
                                           "imap"))
        result = only_documented(parse_dns_server, f"127.0.0.1:{port}")
        assert result is None or 0 < result[1] < 65536


dns_spec = st.tuples(
    st.one_of(st.sampled_from(["127.0.0.1", "::1", "[::1]", "[fe80::1%eth0]", "1.1.1.1",
                               "[1.1.1.1]", "2001:db8::1", "[", "]"]), value),
    st.one_of(st.just(""), odd.map(lambda p: ":" + p),
              st.integers(-1, 70000).map(lambda p: f":{p}"))).map("".join)


@fuzz(1200)
@given(spec=dns_spec)
def test_dns_server_spec(spec):
    from setupwizard.net import parse_dns_server
    result = only_documented(parse_dns_server, spec)
    if result is not None:
        host, port = result
        ipaddress.ip_address(host)
        assert isinstance(port, int) and 0 < port < 65536


template_text = st.one_of(
    st.lists(st.one_of(odd, st.sampled_from(["%", "%%", "EMAILADDRESS", "emaildomain",
                                             "EmailLocalPart", "ſ", "ı", "K", "x"]),
                       ascii_text), max_size=6).map("".join),
    st.text(max_size=30))


@fuzz(1200)
@given(template=template_text, address=st.sampled_from(ADDRESSES))
def test_placeholders_expand(template, address):
    from setupwizard.placeholders import expand
    addr = _address_or_none(address)
    result, notes = expand(template, addr)
    assert isinstance(result, str) and all(isinstance(n, str) for n in notes)
    if "%" not in template:
        assert result == template and not notes
    # the clean forms always become the values
    clean, clean_notes = expand("%EMAILLOCALPART%@%EMAILDOMAIN%", addr)
    assert clean == addr.text and not clean_notes


# --- Certificates ---------------------------------------------------------------


@functools.cache
def certificate_der() -> bytes:
    """One valid certificate with a SAN, made once."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fuzz Mail"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "imap.example.com")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(12345)
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("imap.example.com"), x509.DNSName("*.example.com"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


@st.composite
def mutated_certificates(draw) -> bytes:
    der = bytearray(certificate_der())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(der) - 1))
        kind = draw(st.sampled_from(["set", "set", "xor", "cut", "insert"]))
        if kind == "set":
            der[at] = draw(st.sampled_from([0x00, 0x01, 0x0C, 0x13, 0x14, 0x16, 0x1E, 0x1C,
                                            0x80, 0x81, 0xFF, 0x30, 0x31, 0x17, 0x18]))
        elif kind == "xor":
            der[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del der[at:at + draw(st.integers(1, 8))]
        else:
            der[at:at] = draw(st.binary(min_size=1, max_size=4))
        if not der:
            break
    return bytes(der)


def _describe(facts, host: str) -> str:
    """What the engine and the UI make of the facts (engine._certificate_failure)."""
    from setupwizard.diagnostics.certificates import hostname_matches
    details = dict(facts.to_json(), host=host, days=facts.days_left())
    details["names"] = ", ".join(facts.names) or facts.subject
    hostname_matches(host, facts.names)
    return json.dumps(details, ensure_ascii=False)


@fuzz(1000, shrink=False)
@given(der=st.one_of(mutated_certificates(), mutated_certificates(),
                     st.binary(max_size=200)))
def test_certificate_description(der):
    """read_certificate() is documented to return None for what it cannot read."""
    from setupwizard.diagnostics.certificates import read_certificate
    facts = read_certificate(der)
    if facts is not None:
        assert isinstance(_describe(facts, "imap.example.com"), str)


def test_certificate_with_unparsable_subject():
    """The minimal input the fuzzer found: the common name's string tag
    (UTF8String, 0x0c) of the issuer set to 0x00."""
    from setupwizard.diagnostics.certificates import read_certificate
    der = certificate_der()
    at = der.index(b"\x06\x03U\x04\x03\x0c")
    facts = read_certificate(der[:at + 5] + b"\x00" + der[at + 6:])
    assert facts is None or isinstance(_describe(facts, "imap.example.com"), str)


# --- IMAP / POP3 / SMTP responses, over a real connection -----------------------

PASSWORD = "Canary-Pw-7f3a9c!"
TOKEN = "ya29.Canary-Token-31c"


def _canary():
    from setupwizard.diagnostics.protocols import Credentials
    return Credentials("alice@example.com", password=PASSWORD)


CANARY = _canary()


def secret_forms(creds) -> list[str]:
    """Everything that would give the password or token away."""
    from setupwizard.diagnostics.protocols import (sasl_oauthbearer, sasl_plain,
                                                   sasl_xoauth2)
    forms = [creds.password, creds.token,
             base64.b64encode((creds.password or "").encode()).decode(),
             sasl_plain(creds), sasl_xoauth2(creds), sasl_oauthbearer(creds)]
    return [f for f in forms if f]


@pytest.fixture(scope="module")
def listener():
    sock = socket.create_server(("127.0.0.1", 0))
    yield sock
    sock.close()


def _pair(listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(listener.getsockname(), timeout=5)
    server, _ = listener.accept()
    return client, server


NUMBERS = ["0", "1", "3", "42", "99999999999999999999", "-1", "²", "١٢", "𝟗", "9" * 5000,
           "", " 1", "1 "]


def _echo(draw, creds) -> str:
    """A server line that repeats a secret, maybe with decoration inside it."""
    secret = draw(st.sampled_from(secret_forms(creds)))
    at = draw(st.integers(0, len(secret)))
    decoration = draw(st.sampled_from(["", "", "\x1b[0m", "\x00", "\x7f", "\x9b", "\x08",
                                       "\t", "\u200b"]))
    return secret[:at] + decoration + secret[at:]


UNTAGGED = st.sampled_from(['LIST () "/" INBOX', "FLAGS ()", "OK", "NO", "BYE", "[ALERT] hi",
                           "SEARCH"])


@st.composite
def imap_script(draw, creds) -> list[str]:
    tag = st.sampled_from(["A1", "A2", "A3", "A4", "A5", "A6", "a1", "A01", "*", "+", ""])
    status = st.sampled_from(["OK", "NO", "BAD", "ok", "PREAUTH", "BYE", ""])
    code = st.sampled_from(["", "[ALERT] ", "[CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR "
                            "STARTTLS LOGINDISABLED] ", "[AUTHENTICATIONFAILED] ",
                            "[UNAVAILABLE] ", "[", "[]", "[SYS/TEMP x] ", "[X Y Z"])
    lines = [draw(st.sampled_from(["* OK ", "* PREAUTH ", "* BYE ", "* ok", "garbage", ""]))
             + draw(code) + draw(value)]
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["tagged", "tagged", "untagged", "capability",
                                     "exists", "literal", "continuation", "echo", "raw"]))
        if kind == "tagged":
            lines.append(f"{draw(tag)} {draw(status)} {draw(code)}{draw(value)}")
        elif kind == "untagged":
            lines.append("* " + draw(UNTAGGED) + " " + draw(value))
        elif kind == "capability":
            lines.append("* CAPABILITY " + " ".join(draw(st.lists(st.sampled_from(
                ["IMAP4rev1", "AUTH=PLAIN", "AUTH=LOGIN", "SASL-IR", "STARTTLS",
                 "LOGINDISABLED", "AUTH=", "AUTH=XOAUTH2", "AUTH=²"]), max_size=5))))
        elif kind == "exists":
            lines.append(f"* {draw(st.sampled_from(NUMBERS))} EXISTS")
        elif kind == "literal":
            lines.append('* LIST () "/" {' + draw(st.sampled_from(NUMBERS)) + "}")
            lines.append(draw(value))
        elif kind == "continuation":
            lines.append("+ " + draw(value))
        elif kind == "echo":
            lines.append(f"{draw(tag)} NO {_echo(draw, creds)}")
        else:
            lines.append(draw(value))
    return lines


@st.composite
def pop3_script(draw, creds) -> list[str]:
    status = st.sampled_from(["+OK", "-ERR", "+", "+ok", "-ERR [AUTH]", "-ERR [SYS/TEMP]",
                              "", "."])
    lines = [f"{draw(status)} {draw(value)}"]
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["reply", "reply", "capa", "stat", "dot", "echo",
                                     "raw"]))
        if kind == "reply":
            lines.append(f"{draw(status)} {draw(value)}")
        elif kind == "capa":
            lines.append(draw(st.sampled_from(["SASL PLAIN LOGIN", "USER", "STLS", "SASL",
                                               "..x", "AUTH=PLAIN", "TOP", ""])))
        elif kind == "stat":
            lines.append(f"+OK {draw(st.sampled_from(NUMBERS))} "
                         f"{draw(st.sampled_from(NUMBERS))}")
        elif kind == "dot":
            lines.append(".")
        elif kind == "echo":
            lines.append(f"-ERR {_echo(draw, creds)}")
        else:
            lines.append(draw(value))
    return lines


@st.composite
def smtp_script(draw, creds) -> list[str]:
    codes = st.sampled_from(["220", "250", "334", "235", "535", "421", "554", "221", "500",
                             "²²²", "٢٥٠", "25", "2500", "abc", "", "250x"])
    sep = st.sampled_from([" ", " ", "-", "", "x", "\t"])
    enhanced = st.sampled_from(["", "5.7.8 ", "2.0.0 ", "4.7.0 ", "5.².8 ", "9.9.9 "])
    lines = []
    for _ in range(draw(st.integers(1, 16))):
        kind = draw(st.sampled_from(["reply", "reply", "ehlo", "echo", "raw"]))
        if kind == "reply":
            lines.append(f"{draw(codes)}{draw(sep)}{draw(enhanced)}{draw(value)}")
        elif kind == "ehlo":
            for word in draw(st.lists(st.sampled_from(
                    ["AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN", "STARTTLS", "SIZE 1000",
                     "AUTH", "AUTH XOAUTH2 OAUTHBEARER", "8BITMIME"]), max_size=4)):
                lines.append(f"250-{word}")
            lines.append("250 OK")
        elif kind == "echo":
            lines.append(f"535 5.7.8 {_echo(draw, creds)}")
        else:
            lines.append(draw(value))
    return lines


SCRIPTS = {"imap": imap_script, "pop3": pop3_script, "smtp": smtp_script}
MECHANISMS = {"imap": ["LOGIN", "PLAIN", "XOAUTH2", "OAUTHBEARER"],
              "pop3": ["USER", "PLAIN", "XOAUTH2"],
              "smtp": ["LOGIN", "PLAIN", "OAUTHBEARER"]}
ENDINGS = ["\r\n", "\r\n", "\n", "\r", "\r\r\n"]


@st.composite
def sessions(draw, protocols=("imap", "pop3", "smtp")):
    from setupwizard.diagnostics.protocols import Credentials
    protocol = draw(st.sampled_from(protocols))
    creds = draw(st.sampled_from([Credentials("alice@example.com", password=PASSWORD),
                                  Credentials("alice", token=TOKEN)]))
    lines = draw(SCRIPTS[protocol](creds))
    ending = draw(st.sampled_from(ENDINGS))
    data = ending.join(lines).encode("utf-8", "surrogatepass") + \
        draw(st.sampled_from([ending.encode(), b""]))
    extra = draw(st.sampled_from([b"", b"", b"\xff\xfe\x80", b"A1 OK " + b"x" * 17000 + b"\r\n",
                                  b"\x00" * 10]))
    at = draw(st.integers(0, len(data)))
    data = data[:at] + extra + data[at:]
    mechanism = draw(st.sampled_from(MECHANISMS[protocol]))
    return protocol, creds, data[:48_000], mechanism


def run_session(listener, protocol, creds, data, mechanism):
    """Talk to a peer that sends ``data`` and then closes; return the
    transcript lines and every text the client handed back. The client runs
    on an event loop over a real loopback TCP connection."""
    import asyncio

    from setupwizard.diagnostics.connection import Connection, Transcript
    from setupwizard.diagnostics.protocols import CLIENTS
    from setupwizard.diagnostics.redaction import Redactor
    from setupwizard.net import Deadline
    shown: list[str] = []
    transcript = Transcript(redactor=Redactor.for_credentials(creds))

    async def steps(client, conn):
        greeting = await client.greet()
        shown.append(greeting.text)
        caps = await client.capabilities()
        client.mechanisms(caps)
        client.login_disabled(caps)
        shown.append((await client.starttls()).text)
        await conn.pending_bytes()
        reply = await client.login(creds, caps, mechanism)
        shown.extend([reply.text, reply.status, reply.code or "", *reply.alerts])
        mailbox = await client.mailbox()
        assert all(v is None or (isinstance(v, int) and v >= 0)
                   for v in (mailbox.folders, mailbox.messages, mailbox.size))
        await client.quit()

    async def session():
        client_sock, server_sock = _pair(listener)
        try:
            server_sock.sendall(data)
            server_sock.shutdown(socket.SHUT_WR)
            reader, writer = await asyncio.open_connection(sock=client_sock)
            conn = Connection(reader, writer, host="127.0.0.1", port=1, address="127.0.0.1",
                              server_label=f"{protocol}://127.0.0.1:1",
                              deadline=Deadline(10), timeout=3, transcript=transcript)
            try:
                await only_documented_async(steps(CLIENTS[protocol](conn), conn))
            finally:
                conn.close()
        finally:
            server_sock.close()

    asyncio.run(session())
    return transcript.lines, shown


async def only_documented_async(coro):
    """``only_documented`` for a coroutine."""
    try:
        return await coro
    except SetupWizardError:
        return None


@fuzz(500, deadline_ms=4000)
@given(session=sessions())
def test_protocol_responses(listener, session):
    protocol, creds, data, mechanism = session
    lines, _ = run_session(listener, protocol, creds, data, mechanism)
    for entry in lines:
        assert len(entry["line"]) <= 500


@pytest.mark.parametrize("protocol, data, mechanism", [
    ("smtp", "²²² hi\r\n", "LOGIN"),
    ("pop3", "+OK\r\n+OK\r\nUSER\r\n.\r\n+OK\r\n+OK\r\n+OK\r\n+OK ² 1\r\n", "USER"),
    ("imap", "* OK\r\nA1 OK\r\nA2 OK\r\nA3 OK\r\nA4 OK\r\n* ² EXISTS\r\nA5 OK\r\n",
     "LOGIN"),
    ("imap", "* OK\r\n* LIST {" + "9" * 5000 + "}\r\n", "LOGIN"),
], ids=["smtp-code", "pop3-stat", "imap-exists", "imap-literal-5000-digits"])
def test_protocol_responses_unicode_digits(listener, protocol, data, mechanism):
    """Minimal inputs: the fuzz test above leaves these out until they are fixed."""
    from setupwizard.diagnostics.protocols import Credentials
    run_session(listener, protocol, Credentials("alice", password=PASSWORD),
                data.encode(), mechanism)


@fuzz(400, deadline_ms=4000, shrink=False)
@given(session=sessions())
# the minimal input found: a NUL inside the echoed password
@example(session=("pop3", CANARY, b"+OK\r\n-ERR C\x00anary-Pw-7f3a9c!\r\n", "USER"))
def test_transcript_never_shows_the_password(listener, session):
    protocol, creds, data, mechanism = session
    lines, _ = run_session(listener, protocol, creds, data, mechanism)
    text = json.dumps(lines, ensure_ascii=False)
    for form in secret_forms(creds):
        assert form not in text


# --- The whole diagnosis, rendered ----------------------------------------------


class ScriptedServer:
    """A loopback server that answers every connection with ``script``."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.script = b""
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(5)
                    conn.sendall(self.script)
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def scripted_server():
    server = ScriptedServer()
    yield server
    server.close()


@fuzz(150, deadline_ms=8000, shrink=False)
@given(session=sessions(("imap", "pop3", "smtp")))
# the minimal input found: the greeting repeats the password
@example(session=("smtp", CANARY, b"535 5.7.8 Canary-Pw-7f3a9c!\r\n", "LOGIN"))
def test_diagnosis_report_never_shows_the_password(scripted_server, session):
    """diagnose() against a hostile plain-text server, rendered as JSON, text
    and Markdown in English and German: no trace of the secret."""
    from setupwizard.diagnostics import ProbeOptions, diagnose
    from setupwizard.i18n import Translator
    from setupwizard.models import Server
    from setupwizard.ui.diagnose_view import render_markdown, render_text, report_to_json
    from setupwizard.ui.terminal import Style
    protocol, creds, data, _ = session
    scripted_server.script = data
    server = Server(protocol, "127.0.0.1", scripted_server.port, "plain")
    from setupwizard.net import NetOptions, Network
    with Network(NetOptions(timeout=2)) as network:
        report = diagnose("alice@example.com", [server], network=network,
                          username=creds.username, password=creds.password,
                          token=creds.token,
                          options=ProbeOptions(allow_insecure_password=True),
                          record_transcript=True)
    for lang in ("en", "de"):
        tr = Translator(lang)
        outputs = [json.dumps(report_to_json(report, tr), ensure_ascii=False),
                   render_text(report, tr, Style(False)), render_markdown(report, tr)]
        for text in outputs:
            for form in secret_forms(creds):
                assert form not in text
