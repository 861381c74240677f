"""Reading and writing clientConfig (config-v1.1.xml) documents."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from setupwizard.formats import clientconfig
from setupwizard.formats.clientconfig import ClientConfig, OAuth2, WriteSpec, parse, write
from setupwizard.errors import ConfigDocumentError, UsageError
from setupwizard.models import AccountConfig, EmailAddress, Hint, ProviderRef, Server

from tests.paths import SCHEMAS

SCHEMA = SCHEMAS / "autoconfig.rng"
ALICE = EmailAddress.parse("alice@example.com")


def notes_text(config: ClientConfig) -> str:
    return "\n".join(str(n) for n in config.notes)


# --- Real-world shaped documents ------------------------------------------------

# Shaped like the ISPDB entry of a large German provider: several servers of
# each kind, a POP3 block, an <enable> step and documentation in two languages.
GMX_LIKE = b"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="gmx.net">
    <domain>gmx.net</domain>
    <domain>gmx.de</domain>
    <domain>GMX.at</domain>
    <displayName>GMX Freemail</displayName>
    <displayShortName>GMX</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.gmx.net</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.gmx.net</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.gmx.net</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
      <pop3>
        <leaveMessagesOnServer>true</leaveMessagesOnServer>
        <daysToLeaveMessagesOnServer>14</daysToLeaveMessagesOnServer>
        <downloadOnBiff>false</downloadOnBiff>
        <checkInterval minutes="15"/>
      </pop3>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.gmx.net</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>mail.gmx.net</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <enable visiturl="https://hilfe.gmx.net/pop-imap/einschalten.html">
      <instruction lang="en">Switch on IMAP and POP3 in the web mailer first.</instruction>
      <instruction lang="de">Schalten Sie zuerst IMAP und POP3 im Webmailer ein.</instruction>
    </enable>
    <documentation url="https://hilfe.gmx.net/pop-imap/imap/outlook.html">
      <descr lang="en">Setting up IMAP</descr>
      <descr lang="de">IMAP einrichten</descr>
    </documentation>
  </emailProvider>
</clientConfig>
"""

# Shaped like the Gmail entry: OAuth2 first, the oAuth2 section beside
# <emailProvider>, webMail that we ignore.
GMAIL_LIKE = b"""<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="googlemail.com">
    <domain>gmail.com</domain>
    <domain>googlemail.com</domain>
    <domain purpose="mx">google.com</domain>
    <displayName>Google Mail</displayName>
    <displayShortName>GMail</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.gmail.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.gmail.com</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <documentation url="http://mail.google.com/support/bin/answer.py?answer=13273">
      <descr>How to enable IMAP/POP3 in GMail</descr>
    </documentation>
  </emailProvider>
  <webMail>
    <loginPage url="https://accounts.google.com/ServiceLogin?service=mail" />
  </webMail>
  <oAuth2>
    <issuer>accounts.google.com</issuer>
    <scope>https://mail.google.com/ https://www.googleapis.com/auth/carddav</scope>
    <authURL>https://accounts.google.com/o/oauth2/auth</authURL>
    <tokenURL>https://www.googleapis.com/oauth2/v3/token</tokenURL>
  </oAuth2>
</clientConfig>
"""

# Shaped like the Microsoft entry: Exchange and EWS entries next to IMAP.
OUTLOOK_LIKE = b"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="outlook.com">
    <domain>outlook.com</domain>
    <domain>hotmail.com</domain>
    <displayName>Microsoft</displayName>
    <incomingServer type="exchange">
      <hostname>outlook.office365.com</hostname>
      <port>443</port>
      <username>%EMAILADDRESS%</username>
      <socketType>SSL</socketType>
      <authentication>OAuth2</authentication>
      <owaURL>https://outlook.office365.com/owa/</owaURL>
      <ewsURL>https://outlook.office365.com/ews/exchange.asmx</ewsURL>
    </incomingServer>
    <incomingServer type="ews">
      <url>https://outlook.office365.com/ews/exchange.asmx</url>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>outlook.office365.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.office365.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""


def test_several_servers_in_document_order_with_placeholders_expanded():
    config = parse(GMX_LIKE, address=ALICE, source="ispdb", trusted=True,
                   origin="https://autoconfig.thunderbird.net/v1.1/gmx.net")
    assert config.provider_id == "gmx.net"
    assert config.domains == ("gmx.net", "gmx.de", "gmx.at")
    assert config.display_name == "GMX Freemail"
    assert config.short_name == "GMX"
    assert [(s.protocol, s.host, s.port, s.security) for s in config.incoming] == [
        ("imap", "imap.gmx.net", 993, "tls"),
        ("imap", "imap.gmx.net", 143, "starttls"),
        ("pop3", "pop.gmx.net", 995, "tls"),
    ]
    assert [(s.host, s.port, s.security) for s in config.outgoing] == [
        ("mail.gmx.net", 465, "tls"), ("mail.gmx.net", 587, "starttls")]
    for server in config.incoming + config.outgoing:
        assert server.username == "alice@example.com"
        assert server.auth == ("password-cleartext",)
        assert server.source == "ispdb" and server.trusted
    assert config.notes == ()
    assert config.origin == "https://autoconfig.thunderbird.net/v1.1/gmx.net"


def test_pop3_block_goes_into_extra():
    pop = parse(GMX_LIKE, address=ALICE).incoming[2]
    assert dict(pop.extra) == {"leave_messages_on_server": True,
                               "days_to_leave_messages_on_server": 14,
                               "download_on_biff": False,
                               "check_interval_minutes": 15}
    assert pop.to_json()["leave_messages_on_server"] is True
    assert parse(GMX_LIKE).incoming[0].extra == ()


def test_documentation_and_enable_instructions():
    config = parse(GMX_LIKE)
    assert config.documentation == (
        ("https://hilfe.gmx.net/pop-imap/imap/outlook.html",
         {"en": "Setting up IMAP", "de": "IMAP einrichten"}),)
    assert config.instructions == (
        ("https://hilfe.gmx.net/pop-imap/einschalten.html",
         {"en": "Switch on IMAP and POP3 in the web mailer first.",
          "de": "Schalten Sie zuerst IMAP und POP3 im Webmailer ein."}),)


def test_without_address_placeholders_stay():
    config = parse(GMX_LIKE)
    assert {s.username for s in config.incoming + config.outgoing} == {"%EMAILADDRESS%"}


def test_to_account_config():
    account = parse(GMX_LIKE, address=ALICE, source="ispdb", trusted=False,
                    origin="https://example").to_account_config()
    assert isinstance(account, AccountConfig)
    assert account.provider == ProviderRef(id="gmx.net", name="GMX Freemail")
    assert account.source == "ispdb" and not account.trusted
    assert account.origin == "https://example"
    assert len(account.incoming) == 3 and len(account.outgoing) == 2
    assert all(not s.trusted for s in account.incoming + account.outgoing)
    (hint,) = account.hints
    assert isinstance(hint, Hint)
    assert hint.kind == "action"
    assert hint.url == "https://hilfe.gmx.net/pop-imap/einschalten.html"
    assert hint.in_lang("de").startswith("Schalten Sie")
    assert hint.in_lang("en").startswith("Switch on IMAP")


def test_to_account_config_with_given_provider():
    given = ProviderRef(id="gmx", name="GMX")
    assert parse(GMX_LIKE).to_account_config(given).provider is given


def test_oauth2_entries():
    config = parse(GMAIL_LIKE, address=ALICE)
    assert config.incoming[0].auth == ("OAuth2", "password-cleartext")
    assert config.outgoing[0].auth == ("OAuth2", "password-cleartext")
    assert config.oauth2 == OAuth2(
        issuer="accounts.google.com",
        scope="https://mail.google.com/ https://www.googleapis.com/auth/carddav",
        auth_url="https://accounts.google.com/o/oauth2/auth",
        token_url="https://www.googleapis.com/oauth2/v3/token")
    assert config.domains == ("gmail.com", "googlemail.com")
    assert config.mx_domains == ("google.com",)
    # a <descr> without lang counts as English
    assert config.documentation[0][1] == {"en": "How to enable IMAP/POP3 in GMail"}
    assert config.notes == ()


def test_oauth2_section_inside_email_provider_is_found_too():
    doc = GMAIL_LIKE.replace(b"</emailProvider>", b"").replace(
        b"</clientConfig>", b"</emailProvider></clientConfig>")
    assert parse(doc).oauth2.issuer == "accounts.google.com"


def test_no_oauth2_section():
    assert parse(GMX_LIKE).oauth2 is None


def test_exchange_entries_skipped_with_a_note():
    config = parse(OUTLOOK_LIKE, address=ALICE)
    assert [s.protocol for s in config.incoming] == ["imap"]
    assert config.incoming[0].host == "outlook.office365.com"
    assert [s.host for s in config.outgoing] == ["smtp.office365.com"]
    text = notes_text(config)
    assert "type exchange: not usable by standard mail programs" in text
    assert "type ews: not usable by standard mail programs" in text
    assert len(config.notes) == 2


@pytest.mark.parametrize("kind", ["exchange", "EWS", "graph", "owa", "jmap"])
def test_every_non_standard_type_is_skipped(kind):
    doc = GMX_LIKE.replace(b'<incomingServer type="pop3">',
                           f'<incomingServer type="{kind}">'.encode())
    config = parse(doc)
    assert [s.protocol for s in config.incoming] == ["imap", "imap"]
    assert "not usable by standard mail programs" in notes_text(config)


def test_missing_closing_percent_is_repaired():
    doc = GMX_LIKE.replace(b"<username>%EMAILADDRESS%</username>",
                           b"<username>%EMAILADDRESS</username>", 1)
    config = parse(doc, address=ALICE)
    assert config.incoming[0].username == "alice@example.com"
    assert "%EMAILADDRESS" in notes_text(config)
    (note,) = config.notes
    assert note.template == "Repaired <{element}> of the {protocol} server: {detail}"
    assert dict(note.params)["element"] == "username"


def test_local_part_and_domain_placeholders():
    doc = GMX_LIKE.replace(b"<username>%EMAILADDRESS%</username>",
                           b"<username>%EMAILLOCALPART%</username>", 1)
    doc = doc.replace(b"<hostname>imap.gmx.net</hostname>",
                      b"<hostname>imap.%EMAILDOMAIN%</hostname>", 1)
    config = parse(doc, address=ALICE)
    assert config.incoming[0].username == "alice"
    assert config.incoming[0].host == "imap.example.com"
    assert config.notes == ()


def test_hostname_placeholder_kept_without_address():
    doc = GMX_LIKE.replace(b"<hostname>imap.gmx.net</hostname>",
                           b"<hostname>imap.%EMAILDOMAIN%</hostname>", 1)
    assert parse(doc).incoming[0].host == "imap.%EMAILDOMAIN%"


def test_hostname_placeholder_expanded_to_punycode():
    doc = GMX_LIKE.replace(b"<hostname>imap.gmx.net</hostname>",
                           b"<hostname>imap.%EMAILDOMAIN%</hostname>", 1)
    address = EmailAddress.parse("jörg@bücher.example")
    server = parse(doc, address=address).incoming[0]
    assert server.host == "imap.xn--bcher-kva.example"
    assert server.username == "jörg@bücher.example"


def test_misspelled_element_ignored():
    doc = GMX_LIKE.replace(b"<displayShortName>GMX</displayShortName>",
                           b"<displayShortname>GMX</displayShortname>")
    doc = doc.replace(b"<socketType>SSL</socketType>",
                      b"<socketType>SSL</socketType><autentication>foo</autentication>", 1)
    config = parse(doc, address=ALICE)
    assert config.short_name == ""
    assert config.incoming[0].auth == ("password-cleartext",)
    assert config.notes == ()


def test_unknown_elements_and_attributes_ignored():
    doc = GMX_LIKE.replace(
        b'<emailProvider id="gmx.net">',
        b'<emailProvider id="gmx.net" future="yes"><newThing a="b"><x/>text</newThing>')
    doc = doc.replace(b"</clientConfig>",
                      b"<calendar type=\"caldav\"><url>https://x</url></calendar>"
                      b"<clientConfigUpdate url=\"https://x/u\"/></clientConfig>")
    config = parse(doc)
    assert len(config.incoming) == 3 and config.notes == ()


def test_plain_servers():
    doc = b"""<clientConfig version="1.1"><emailProvider id="plain.example">
      <domain>plain.example</domain>
      <incomingServer type="imap"><hostname>mail.plain.example</hostname><port>143</port>
        <socketType>plain</socketType><username>%EMAILLOCALPART%</username>
        <authentication>password-encrypted</authentication></incomingServer>
      <outgoingServer type="smtp"><hostname>mail.plain.example</hostname><port>25</port>
        <socketType>plain</socketType><authentication>none</authentication></outgoingServer>
    </emailProvider></clientConfig>"""
    config = parse(doc, address=ALICE)
    (imap,), (smtp,) = config.incoming, config.outgoing
    assert (imap.security, imap.port, imap.username, imap.auth) == (
        "plain", 143, "alice", ("password-encrypted",))
    assert (smtp.security, smtp.port, smtp.username, smtp.auth) == (
        "plain", 25, None, ("none",))
    assert config.display_name == ""


def imap_doc(*, port: str | None = "993", socket: str | None = "SSL",
             auth: tuple[str, ...] = ("password-cleartext",), host: str = "imap.example.com",
             kind: str = "imap") -> bytes:
    parts = [f"<hostname>{host}</hostname>"]
    if port is not None:
        parts.append(f"<port>{port}</port>")
    if socket is not None:
        parts.append(f"<socketType>{socket}</socketType>")
    parts += [f"<authentication>{a}</authentication>" for a in auth]
    return ('<clientConfig version="1.1"><emailProvider id="example.com">'
            "<domain>example.com</domain>"
            f'<incomingServer type="{kind}">{"".join(parts)}</incomingServer>'
            "</emailProvider></clientConfig>").encode()


@pytest.mark.parametrize("value, security", [
    ("SSL", "tls"), ("ssl", "tls"), ("Ssl", "tls"), ("STARTTLS", "starttls"),
    ("starttls", "starttls"), ("StartTLS", "starttls"), ("plain", "plain"),
    ("PLAIN", "plain"), (" SSL ", "tls")])
def test_socket_types(value, security):
    config = parse(imap_doc(socket=value))
    assert config.incoming[0].security == security
    assert config.notes == ()


@pytest.mark.parametrize("port, socket, security", [
    ("993", "TLS", "tls"), ("143", "tls-please", "starttls"), ("143", None, "starttls"),
    (None, None, "tls")])
def test_unknown_or_missing_socket_type_guesses_encryption(port, socket, security):
    config = parse(imap_doc(port=port, socket=socket))
    assert config.incoming[0].security == security
    assert "socketType" in notes_text(config)
    assert "assumed " + security in notes_text(config)


@pytest.mark.parametrize("written, kept", [
    ("password-cleartext", "password-cleartext"), ("Password-Cleartext", "password-cleartext"),
    ("password-encrypted", "password-encrypted"), ("ntlm", "NTLM"), ("NTLM", "NTLM"),
    ("gssapi", "GSSAPI"), ("client-ip-address", "client-IP-address"),
    ("tls-client-cert", "TLS-client-cert"), ("oauth2", "OAuth2"), ("OAuth2", "OAuth2"),
    ("None", "none"), ("SMTP-after-POP", "smtp-after-pop")])
def test_authentication_values_normalised(written, kept):
    config = parse(imap_doc(auth=(written,)))
    assert config.incoming[0].auth == (kept,)
    assert config.notes == ()


def test_unknown_authentication_kept_as_written_with_a_note():
    config = parse(imap_doc(auth=("CRAM-MD5", "OAuth2", "oauth2")))
    assert config.incoming[0].auth == ("CRAM-MD5", "OAuth2")
    assert 'unknown authentication method "CRAM-MD5"' in notes_text(config)


def test_missing_authentication_assumes_cleartext_password():
    config = parse(imap_doc(auth=()))
    assert config.incoming[0].auth == ("password-cleartext",)
    assert "names no authentication method" in notes_text(config)


@pytest.mark.parametrize("port, socket, expected", [
    (None, "SSL", 993), (None, "STARTTLS", 143), ("", "SSL", 993)])
def test_missing_port_gets_the_standard_port(port, socket, expected):
    config = parse(imap_doc(port=port, socket=socket))
    assert config.incoming[0].port == expected
    assert f"has no port; assumed the standard port {expected}" in notes_text(config)


@pytest.mark.parametrize("port", ["0", "65536", "99999999", "abc", "-1", "+993", "9 93",
                                  "\u0669\u0669\u0663"])
def test_invalid_port_gets_the_standard_port(port):
    config = parse(imap_doc(port=port))
    assert config.incoming[0].port == 993
    assert "invalid port" in notes_text(config)


def test_pop3_default_ports():
    assert parse(imap_doc(kind="pop3", port=None)).incoming[0].port == 995
    assert parse(imap_doc(kind="pop3", port=None, socket="STARTTLS")).incoming[0].port == 110


@pytest.mark.parametrize("host", ["", "bad host", "-bad.example", "x" * 70 + ".example",
                                  "%REALNAME%.example"])
def test_bad_host_skips_the_server(host):
    config = parse(imap_doc(host=host), address=ALICE)
    assert config.incoming == ()
    assert config.notes


def test_host_is_normalised_and_ip_literals_accepted():
    assert parse(imap_doc(host=" IMAP.Example.COM. ")).incoming[0].host == "imap.example.com"
    assert parse(imap_doc(host="192.0.2.1")).incoming[0].host == "192.0.2.1"
    assert parse(imap_doc(host="[2001:DB8::1]")).incoming[0].host == "2001:db8::1"


@pytest.mark.parametrize("kind", ["smtp", "nntp", ""])
def test_unsupported_incoming_types_skipped(kind):
    config = parse(imap_doc(kind=kind))
    assert config.incoming == ()
    assert "<incomingServer>" in notes_text(config)


def test_outgoing_imap_skipped():
    doc = OUTLOOK_LIKE.replace(b'<outgoingServer type="smtp">',
                               b'<outgoingServer type="imap">')
    config = parse(doc)
    assert config.outgoing == ()
    assert 'Skipped an <outgoingServer> of unsupported type "imap"' in notes_text(config)


def test_type_attribute_is_case_insensitive():
    assert parse(imap_doc(kind="IMAP")).incoming[0].protocol == "imap"


def test_namespaces_are_stripped():
    doc = GMX_LIKE.replace(
        b'<clientConfig version="1.1">',
        b'<clientConfig xmlns="http://example.org/autoconfig" version="1.1">')
    config = parse(doc, address=ALICE)
    assert config == parse(GMX_LIKE, address=ALICE)
    prefixed = (b'<c:clientConfig xmlns:c="urn:x" version="1.1"><c:emailProvider c:id="p">'
                b'<c:domain>p.example</c:domain><c:incomingServer c:type="imap">'
                b"<c:hostname>imap.p.example</c:hostname><c:port>993</c:port>"
                b"<c:socketType>SSL</c:socketType></c:incomingServer>"
                b"</c:emailProvider></c:clientConfig>")
    config = parse(prefixed)
    assert config.provider_id == "p"
    assert config.incoming[0].host == "imap.p.example"


def test_utf8_bom_accepted():
    assert parse(b"\xef\xbb\xbf" + GMX_LIKE) == parse(GMX_LIKE)


def test_other_declared_encodings_read():
    doc = ('<?xml version="1.0" encoding="ISO-8859-1"?><clientConfig version="1.1">'
           '<emailProvider id="m.example"><domain>m.example</domain>'
           "<displayName>Müller Mail</displayName></emailProvider></clientConfig>")
    assert parse(doc.encode("latin-1")).display_name == "Müller Mail"


def test_version_is_not_checked():
    doc = GMX_LIKE.replace(b'version="1.1"', b'version="7.3"')
    assert len(parse(doc).incoming) == 3
    assert len(parse(GMX_LIKE.replace(b' version="1.1"', b"")).incoming) == 3


def test_missing_id_and_domain_are_noted():
    doc = imap_doc().replace(b' id="example.com"', b"")
    config = parse(doc)
    assert config.provider_id == "example.com"
    assert "no provider id" in notes_text(config)
    doc = imap_doc().replace(b"<domain>example.com</domain>", b"")
    config = parse(doc)
    assert config.domains == ()
    assert "names no domain" in notes_text(config)
    account = config.to_account_config()
    assert account.provider == ProviderRef(id="example.com", name="example.com")


def test_several_providers_use_the_first():
    doc = GMX_LIKE.replace(b"</clientConfig>",
                           b'<emailProvider id="other"><domain>o.example</domain>'
                           b"</emailProvider></clientConfig>")
    config = parse(doc)
    assert config.provider_id == "gmx.net"
    assert "several <emailProvider>" in notes_text(config)


def test_links_that_are_not_web_addresses_dropped():
    doc = GMX_LIKE.replace(b'url="https://hilfe.gmx.net/pop-imap/imap/outlook.html"',
                           b'url="javascript:alert(1)"')
    doc = doc.replace(b'visiturl="https://hilfe.gmx.net/pop-imap/einschalten.html"',
                      b'visiturl="file:///etc/passwd"')
    config = parse(doc)
    assert config.documentation == ()
    assert config.instructions[0][0] is None  # the instruction text stays
    assert "not a web address: javascript:alert(1)" in notes_text(config)


def test_links_with_invisible_or_bidi_characters_dropped():
    # found by tests/test_fuzz.py: a right-to-left override makes
    # "https://example.com/<RLO>gpj.exe" read as ".../exe.jpg"
    doc = GMX_LIKE.replace(b'url="https://hilfe.gmx.net/pop-imap/imap/outlook.html"',
                           'url="https://example.com/\u202egpj.exe"'.encode())
    doc = doc.replace(b'visiturl="https://hilfe.gmx.net/pop-imap/einschalten.html"',
                      b'visiturl="https://exa&#x200b;mple.com/"')
    config = parse(doc)
    assert config.documentation == ()
    assert config.instructions[0][0] is None
    assert "not a web address" in notes_text(config)
    with pytest.raises(UsageError):
        write(WriteSpec(provider_id="x", domains=("example.com",),
                        documentation=(("https://example.com/\u202egpj.exe", {}),)))


def test_invalid_pop3_settings_are_noted():
    doc = GMX_LIKE.replace(b"<leaveMessagesOnServer>true", b"<leaveMessagesOnServer>yes")
    doc = doc.replace(b'minutes="15"', b'minutes="soon"')
    pop = parse(doc).incoming[2]
    assert dict(pop.extra) == {"days_to_leave_messages_on_server": 14,
                               "download_on_biff": False}
    assert 'Ignored the invalid value "yes" of <leaveMessagesOnServer>' in notes_text(
        parse(doc))


def test_provider_without_servers_gives_an_empty_config():
    doc = OUTLOOK_LIKE.replace(b'type="imap"', b'type="exchange"').replace(
        b'type="smtp"', b'type="graph"')
    account = parse(doc).to_account_config()
    assert account.empty
    assert len(account.notes) == 4


def test_notes_are_translatable_messages():
    config = parse(imap_doc(port=None))
    (note,) = config.notes
    assert note.template == ("The {protocol} server {host} has no port; assumed the "
                             "standard port {port}")
    assert dict(note.params) == {"protocol": "IMAP", "host": "imap.example.com", "port": 993}


# --- Hostile and broken input --------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<clientConfig version="1.1"><emailProvider id="&lol9;"/></clientConfig>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&xxe;</displayName>
</emailProvider></clientConfig>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig SYSTEM "http://127.0.0.1:9/evil.dtd">
<clientConfig version="1.1"><emailProvider id="x"/></clientConfig>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<clientConfig version="1.1"/>
"""

PLAIN_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig>
<clientConfig version="1.1"><emailProvider id="x"/></clientConfig>
"""

HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "external dtd": EXTERNAL_DTD,
    "parameter entity": PARAMETER_ENTITY,
    "plain dtd": PLAIN_DTD,
    "truncated": GMX_LIKE[:len(GMX_LIKE) // 2],
    "truncated in tag": b'<clientConfig version="1.1"><emailProv',
    "invalid utf-8": GMX_LIKE.replace(b"GMX Freemail", b"GMX \xff\xfe Freemail"),
    "lone continuation byte": b'<clientConfig version="1.1">\x80</clientConfig>',
    "wrong root": b'<autoconfig version="1.1"><emailProvider id="x"/></autoconfig>',
    "autodiscover": (b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
                     b'autodiscover/responseschema/2006"><Response/></Autodiscover>'),
    "html with doctype": b"<!DOCTYPE html>\n<html><head><title>Login</title></head></html>",
    "html without doctype": b"  <HTML><body><p>Not found<br></body></HTML>",
    "xhtml": (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
              b"<body/></html>"),
    "empty": b"",
    "white space": b" \n\t ",
    "bom only": b"\xef\xbb\xbf",
    "json": b'{"clientConfig": {"version": "1.1"}}',
    "text": b"Service Unavailable",
    "no email provider": b'<clientConfig version="1.1"><webMail/></clientConfig>',
    "undefined entity": b'<clientConfig version="1.1">&nbsp;</clientConfig>',
    "nul byte": b'<clientConfig version="1.1">\x00</clientConfig>',
    "two roots": b'<clientConfig version="1.1"/><clientConfig version="1.1"/>',
    "unknown encoding": b'<?xml version="1.0" encoding="x-nonsense"?><clientConfig/>',
    "multi-byte encoding": b'<?xml version="1.0" encoding="utf-7"?><clientConfig/>',
    "xml declaration late": b' <x/><?xml version="1.0"?>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_and_broken_input_rejected(name):
    with pytest.raises(ConfigDocumentError) as caught:
        parse(HOSTILE[name], source="autoconfig")
    assert caught.value.source == "autoconfig"
    assert str(caught.value).startswith("config document rejected")
    # translated at the seam: no expat or defusedxml exception chained on
    error = caught.value
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_rejection_messages_say_why():
    def reason(data: bytes) -> str:
        with pytest.raises(ConfigDocumentError) as caught:
            parse(data)
        return str(caught.value)
    assert "not a clientConfig" in reason(HOSTILE["wrong root"])
    assert "HTML" in reason(HOSTILE["html with doctype"])
    assert "HTML" in reason(HOSTILE["html without doctype"])
    assert "HTML" in reason(HOSTILE["xhtml"])
    assert "DTD" in reason(BILLION_LAUGHS)
    assert "not well-formed" in reason(HOSTILE["truncated"])
    assert "emailProvider" in reason(HOSTILE["no email provider"])


def test_fifty_megabytes_rejected_before_parsing(monkeypatch):
    import defusedxml.ElementTree
    huge = GMX_LIKE[:-len(b"</clientConfig>\n")] + b"<x>" + b"a" * 50_000_000 + b"</x>"

    def never(*args, **kwargs):
        raise AssertionError("a document over the size limit reached the XML parser")
    monkeypatch.setattr(defusedxml.ElementTree, "fromstring", never)
    with pytest.raises(ConfigDocumentError, match="larger than"):
        parse(huge)
    with pytest.raises(ConfigDocumentError, match="larger than"):
        parse(memoryview(huge))


def test_size_cap_boundary():
    padding = clientconfig.MAX_DOCUMENT_SIZE - len(GMX_LIKE)
    at_cap = GMX_LIKE + b" " * padding
    assert len(parse(at_cap).incoming) == 3
    with pytest.raises(ConfigDocumentError):
        parse(at_cap + b" ")


def test_deep_nesting_does_not_crash():
    depth = 100_000
    doc = (b'<clientConfig version="1.1"><emailProvider id="d"><domain>d.example</domain>'
           b"<displayName>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</displayName>"
           b"</emailProvider></clientConfig>")
    assert parse(doc).display_name == "x"


def test_every_truncation_is_a_config_document_error_or_a_result():
    for end in range(len(OUTLOOK_LIKE)):
        try:
            parse(OUTLOOK_LIKE[:end], address=ALICE)
        except ConfigDocumentError:
            pass


def test_random_corruption_never_raises_anything_else():
    rng = random.Random(20240601)
    documents = (GMX_LIKE, GMAIL_LIKE, OUTLOOK_LIKE)
    for _ in range(2000):
        data = bytearray(rng.choice(documents))
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            data[position] = rng.choice(b"<>&%\"'/=\x00\xff\xc3;#[]! abcx9")
        try:
            parse(bytes(data), address=ALICE)
        except ConfigDocumentError:
            pass


def test_str_is_a_programming_error():
    with pytest.raises(TypeError):
        parse(GMX_LIKE.decode())  # type: ignore[arg-type]


# --- Writing ---------------------------------------------------------------------

IMAP = Server("imap", "imap.example.com", 993, "tls", username="%EMAILADDRESS%")
IMAP_STARTTLS = Server("imap", "imap.example.com", 143, "starttls",
                       username="%EMAILADDRESS%", auth=("password-cleartext", "OAuth2"))
POP = Server("pop3", "pop.example.com", 995, "tls", username="%EMAILLOCALPART%",
             extra=(("leave_messages_on_server", True),
                    ("days_to_leave_messages_on_server", 7),
                    ("download_on_biff", True), ("check_interval_minutes", 10)))
SMTP = Server("smtp", "smtp.example.com", 465, "tls", username="%EMAILADDRESS%")
SMTP_PLAIN = Server("smtp", "relay.example.com", 25, "plain", auth=("client-IP-address",))

SPEC = WriteSpec(
    provider_id="example.com", domains=("example.com", "Example.NET"),
    display_name="Example Mail & Co <test>", short_name="Example",
    incoming=(IMAP, IMAP_STARTTLS, POP), outgoing=(SMTP, SMTP_PLAIN),
    documentation=(("https://example.com/help?a=1&b=2", {"en": "Help", "de": "Hilfe"}),),
    instructions=(("https://example.com/settings", {"en": "Switch on IMAP.",
                                                    "de": "Schalten Sie IMAP ein."}),),
    oauth2=OAuth2(issuer="login.example.com", scope="mail",
                  auth_url="https://login.example.com/auth",
                  token_url="https://login.example.com/token"))


def test_write_produces_utf8_xml_without_bom():
    data = write(SPEC)
    assert isinstance(data, bytes)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b'<clientConfig version="1.1">' in data
    assert b"Example Mail &amp; Co &lt;test&gt;" in data
    data.decode("utf-8")


def test_write_element_order():
    from xml.etree import ElementTree as ET
    root = ET.fromstring(write(SPEC))
    provider = root.find("emailProvider")
    assert provider.get("id") == "example.com"
    assert [c.tag for c in provider] == [
        "domain", "domain", "displayName", "displayShortName",
        "incomingServer", "incomingServer", "incomingServer",
        "outgoingServer", "outgoingServer", "enable", "documentation"]
    assert [c.tag for c in provider.find("incomingServer")] == [
        "hostname", "port", "socketType", "username", "authentication"]
    assert [c.tag for c in root] == ["emailProvider", "oAuth2"]
    sockets = [e.text for e in provider.iter("socketType")]
    assert sockets == ["SSL", "STARTTLS", "SSL", "SSL", "plain"]
    assert [d.text for d in provider.iter("domain")] == ["example.com", "example.net"]


def test_write_round_trips_through_parse():
    config = parse(write(SPEC))
    assert config.provider_id == SPEC.provider_id
    assert config.domains == ("example.com", "example.net")
    assert config.display_name == SPEC.display_name
    assert config.short_name == SPEC.short_name
    assert config.incoming == SPEC.incoming
    assert config.outgoing == SPEC.outgoing
    assert config.documentation == SPEC.documentation
    assert config.instructions == SPEC.instructions
    assert config.oauth2 == SPEC.oauth2
    assert config.notes == ()


def test_written_templates_expand_when_read_for_an_address():
    config = parse(write(SPEC), address=ALICE)
    assert config.incoming[0].username == "alice@example.com"
    assert config.incoming[2].username == "alice"
    assert config.outgoing[1].username is None


def test_write_host_template_and_idn():
    spec = WriteSpec(provider_id="b.example", domains=("bücher.example",),
                     incoming=(Server("imap", "imap.%EMAILDOMAIN%", 993, "tls"),),
                     outgoing=(Server("smtp", "smtp.bücher.example", 465, "tls"),))
    data = write(spec)
    assert b"<domain>xn--bcher-kva.example</domain>" in data
    assert b"<hostname>imap.%EMAILDOMAIN%</hostname>" in data
    assert b"<hostname>smtp.xn--bcher-kva.example</hostname>" in data


def test_write_minimal_document():
    data = write(WriteSpec(provider_id="m.example", domains=("m.example",),
                           incoming=(IMAP,)))
    config = parse(data)
    assert config.incoming == (IMAP,) and config.outgoing == ()
    assert b"displayName" not in data and b"oAuth2" not in data


@pytest.mark.parametrize("spec", [
    WriteSpec(provider_id="", domains=("example.com",)),
    WriteSpec(provider_id="x", domains=()),
    WriteSpec(provider_id="x", domains=("not a domain",)),
    WriteSpec(provider_id="x", domains=("example.com",), incoming=(SMTP,)),
    WriteSpec(provider_id="x", domains=("example.com",), outgoing=(IMAP,)),
    WriteSpec(provider_id="x", domains=("example.com",),
              incoming=(IMAP.with_(port=0),)),
    WriteSpec(provider_id="x", domains=("example.com",),
              incoming=(IMAP.with_(port=70000),)),
    WriteSpec(provider_id="x", domains=("example.com",),
              incoming=(IMAP.with_(security="ssl"),)),
    WriteSpec(provider_id="x", domains=("example.com",),
              incoming=(IMAP.with_(host="bad host"),)),
    WriteSpec(provider_id="x", domains=("example.com",),
              incoming=(IMAP.with_(auth=()),)),
    WriteSpec(provider_id="x", domains=("example.com",),
              incoming=(IMAP.with_(username="a\x00b"),)),
    WriteSpec(provider_id="x", domains=("example.com",), display_name="bell\x07"),
    WriteSpec(provider_id="x", domains=("example.com",),
              documentation=(("javascript:alert(1)", {"en": "x"}),)),
    WriteSpec(provider_id="x", domains=("example.com",),
              incoming=(POP.with_(extra=(("leave_messages_on_server", "yes"),)),)),
])
def test_write_rejects_what_it_cannot_write(spec):
    with pytest.raises(UsageError):
        write(spec)


def test_write_validates_against_the_schema():
    etree = pytest.importorskip("lxml.etree")
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is not here")
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    for spec in (SPEC, WriteSpec(provider_id="m.example", domains=("m.example",))):
        document = etree.fromstring(write(spec))
        assert schema.validate(document), schema.error_log
    # the schema does catch mistakes, so the check above means something
    broken = etree.fromstring(write(SPEC).replace(b"<port>993</port>", b"<port>x</port>"))
    assert not schema.validate(broken)
