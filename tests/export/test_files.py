"""The export files, each checked by a reader that is not our writer: the
published RELAX NG schema and the strict-reader rules for config-v1.1.xml,
Apple's payload descriptions for the profile, openssl for the signature,
dnspython for the zone snippet, a small .reg reader written from the
format's rules, and our own parsers for the round trip."""

from __future__ import annotations

import codecs
import plistlib
import re
import shutil
import stat
import subprocess
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from setupwizard.formats.autodiscover import OUTLOOK_NS, RESPONSE_NS, parse_response, \
    write_response
from setupwizard.formats.clientconfig import parse as parse_clientconfig
from setupwizard.errors import ExportError, UsageError
from setupwizard.export import Account, FORMATS, apple, domainkit, outlook, thunderbird
from setupwizard.export.fields import (DISPLAY_NAME, MAX_NAME, MAX_USERNAME,
                                      checked_text, file_part)
from setupwizard.export.formats import expand_names, write_formats
from setupwizard.export.selection import (account_from_servers, kit_from_servers,
                                          username_template)
from setupwizard.models import EmailAddress, ProviderRef, Server

from tests.paths import SHARED as _SHARED  # noqa: E402

from tests.paths import REPO  # noqa: E402
# the team's shared/ folder beside the clone (tests/paths.py); None when absent
SHARED = _SHARED if (_SHARED / "reference" / "schemas").is_dir() else None

ALICE = EmailAddress.parse("alice@example.com")
IMAP = Server("imap", "imap.example.com", 993, "tls", username="alice@example.com")
IMAP_STARTTLS = Server("imap", "imap.example.com", 143, "starttls",
                       username="alice@example.com")
POP3 = Server("pop3", "pop.example.com", 995, "tls", username="alice@example.com")
SMTP = Server("smtp", "smtp.example.com", 587, "starttls", username="alice@example.com")
SMTP_TLS = Server("smtp", "smtp.example.com", 465, "tls", username="alice@example.com")

HOSTILE_NAME = "Zoë \"Q\" O'Brien <zoe@evil> & Co ]]> &amp; " + "ü" * 150
HOSTILE_USER = "a&b<\"c\">'d@example.com"


def schema_file(name: str) -> Path:
    if SHARED is None:
        pytest.skip("the shared reference folder (schemas) is not on this machine")
    return SHARED / "reference" / "schemas" / name


def make_account(*servers: Server, address: EmailAddress = ALICE, **kw) -> Account:
    incoming = tuple(s for s in servers if s.protocol != "smtp")
    outgoing = tuple(s for s in servers if s.protocol == "smtp")
    return Account(address=address, incoming=incoming, outgoing=outgoing, **kw)


# --- config-v1.1.xml -------------------------------------------------------------

def strict_reader_problems(data: bytes) -> list[str]:
    """The rules Thunderbird for Android applies on top of the schema
    (shared/reference/exports.md); POP3 servers are ignored as it does."""
    root = ET.fromstring(data)
    problems = []
    provider = root.find("emailProvider")
    if provider is None or not (provider.get("id") or "").strip():
        problems.append("emailProvider without id")
        return problems
    if not [d for d in provider.findall("domain") if (d.text or "").strip()]:
        problems.append("no domain")
    servers = [s for s in provider.findall("incomingServer") if s.get("type") != "pop3"]
    servers += provider.findall("outgoingServer")
    for server in servers:
        for child in ("hostname", "port", "username"):
            if not (server.findtext(child) or "").strip():
                problems.append(f"{server.get('type')} without {child}")
        if server.findtext("socketType") not in ("SSL", "STARTTLS"):
            problems.append(f"{server.get('type')} socketType {server.findtext('socketType')}")
        methods = [a.text for a in server.findall("authentication")]
        if not methods or any(m not in ("password-cleartext", "password-encrypted", "OAuth2")
                              for m in methods):
            problems.append(f"{server.get('type')} authentication {methods}")
    return problems


def validate_rng(data: bytes) -> None:
    from lxml import etree
    schema = etree.RelaxNG(etree.parse(str(schema_file("autoconfig.rng"))))
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize("servers", [(IMAP, SMTP), (IMAP_STARTTLS, SMTP_TLS), (POP3, SMTP)])
def test_clientconfig_is_valid_for_schema_and_strict_readers(tmp_path, servers):
    files = thunderbird.write(make_account(*servers), tmp_path, lang="en")
    assert [f.path.name for f in files] == ["config-v1.1.xml"]
    data = files[0].path.read_bytes()
    assert data.startswith(b"<?xml") and not data.startswith(codecs.BOM_UTF8)
    validate_rng(data)
    assert strict_reader_problems(data) == []
    assert files[0].steps and not files[0].secret


def test_clientconfig_round_trip_through_our_reader(tmp_path):
    account = make_account(IMAP, SMTP, provider=ProviderRef("example.com", "Example Mail"))
    data = thunderbird.write(account, tmp_path, lang="en")[0].path.read_bytes()
    config = parse_clientconfig(data)
    assert config.provider_id == "example.com" and config.domains == ("example.com",)
    assert config.display_name == "Example Mail"
    assert config.notes == ()
    (imap,), (smtp,) = config.incoming, config.outgoing
    assert (imap.protocol, imap.host, imap.port, imap.security, imap.username) == \
        ("imap", "imap.example.com", 993, "tls", "alice@example.com")
    assert (smtp.host, smtp.port, smtp.security, smtp.username) == \
        ("smtp.example.com", 587, "starttls", "alice@example.com")
    assert "%" not in data.decode()  # the user name is written out


def test_clientconfig_writes_the_address_when_no_username(tmp_path):
    account = make_account(IMAP.with_(username=None), SMTP.with_(username=None))
    config = parse_clientconfig(thunderbird.write(account, tmp_path, lang="en")[0]
                                .path.read_bytes())
    assert config.incoming[0].username == config.outgoing[0].username == "alice@example.com"


def test_pop3_leaves_messages_on_server_in_every_format(tmp_path):
    account = make_account(POP3, SMTP)
    config = parse_clientconfig(thunderbird.write(account, tmp_path, lang="en")[0]
                                .path.read_bytes())
    assert config.incoming[0].protocol == "pop3"
    assert dict(config.incoming[0].extra)["leave_messages_on_server"] is True
    root = ET.fromstring((tmp_path / "config-v1.1.xml").read_bytes())
    assert root.findtext("emailProvider/incomingServer/pop3/leaveMessagesOnServer") == "true"

    profile = plistlib.loads(apple.write(account, tmp_path, lang="en")[0].path.read_bytes())
    assert profile["PayloadContent"][0]["EmailAccountType"] == "EmailTypePOP"

    xml_file = outlook.write(account, tmp_path, lang="en")[0]
    answer = parse_response(xml_file.path.read_bytes())
    assert [s.protocol for s in answer.servers] == ["pop3", "smtp"]
    text = (tmp_path / "outlook-manual-setup.txt").read_text(encoding="utf-8")
    assert "POP3" in text and "Leave a copy of messages on the server" in text


def test_clientconfig_refuses_an_unencrypted_server(tmp_path):
    plain = IMAP.with_(port=143, security="plain")
    with pytest.raises(ExportError, match="unencrypted"):
        thunderbird.write(make_account(plain, SMTP), tmp_path, lang="en")
    with pytest.raises(ExportError, match="unencrypted"):
        thunderbird.write(make_account(IMAP, SMTP.with_(security="plain")), tmp_path,
                          lang="en")
    assert not (tmp_path / "config-v1.1.xml").exists()
    # an unencrypted alternative is left out, the rest stays
    account = Account(address=ALICE, incoming=(IMAP, plain), outgoing=(SMTP,))
    data = thunderbird.write(account, tmp_path, lang="en")[0].path.read_bytes()
    assert strict_reader_problems(data) == []
    assert [s.port for s in parse_clientconfig(data).incoming] == [993]


def test_clientconfig_keeps_only_sign_in_methods_strict_readers_know(tmp_path):
    mixed = IMAP.with_(auth=("NTLM", "password-encrypted", "OAuth2"))
    data = thunderbird.write(make_account(mixed, SMTP), tmp_path, lang="en")[0] \
        .path.read_bytes()
    assert parse_clientconfig(data).incoming[0].auth == ("password-encrypted", "OAuth2")
    with pytest.raises(ExportError, match="sign in"):
        thunderbird.write(make_account(IMAP.with_(auth=("GSSAPI",)), SMTP), tmp_path,
                          lang="en")


# --- .mobileconfig ---------------------------------------------------------------

PLIST_TYPES = {"<string>": str, "<integer>": int, "<boolean>": bool, "<array>": list,
               "<dictionary>": dict, "<data>": bytes, "<date>": datetime, "<real>": float}
#: Keys every payload has (Apple's "Common payload keys", not in the payload's file).
COMMON_PAYLOAD_KEYS = {"PayloadType": "<string>", "PayloadVersion": "<integer>",
                       "PayloadIdentifier": "<string>", "PayloadUUID": "<string>",
                       "PayloadDisplayName": "<string>", "PayloadDescription": "<string>",
                       "PayloadOrganization": "<string>"}


def payload_keys(name: str) -> dict[str, dict]:
    yaml = pytest.importorskip("yaml")
    with open(schema_file(name), encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return {entry["key"]: entry for entry in document["payloadkeys"]}


def assert_matches(payload: dict, keys: dict[str, dict], extra: dict[str, str] = {}) -> None:
    for key, value in payload.items():
        if key in extra:
            kind = extra[key]
        else:
            assert key in keys, f"{key} is not a key of this payload"
            kind = keys[key]["type"]
            if "rangelist" in keys[key]:
                assert value in keys[key]["rangelist"], (key, value)
        expected = PLIST_TYPES[kind]
        # bool is an int in Python; a plist <integer> must not be a <true/>
        assert type(value) is expected, (key, value, kind)
    for key, entry in keys.items():
        if entry.get("presence") == "required" and key != "ANY":
            assert key in payload, f"required key {key} is missing"


def read_profile(path: Path) -> dict:
    data = path.read_bytes()
    assert data.startswith(b"<?xml")  # FMT_XML, not binary
    return plistlib.loads(data, fmt=plistlib.FMT_XML)


@pytest.mark.parametrize("servers", [(IMAP, SMTP), (POP3, SMTP_TLS)])
def test_profile_keys_and_types_match_apples_description(tmp_path, servers):
    account = make_account(*servers, display_name="Alice Example",
                           provider=ProviderRef("example.com", "Example Mail"))
    (exported,) = apple.write(account, tmp_path, lang="en")
    assert exported.path.suffix == ".mobileconfig" and not exported.secret
    profile = read_profile(exported.path)
    assert_matches(profile, payload_keys("TopLevel.yaml"))
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    (mail,) = profile["PayloadContent"]
    assert_matches(mail, payload_keys("com.apple.mail.managed.yaml"), COMMON_PAYLOAD_KEYS)
    assert mail["PayloadType"] == "com.apple.mail.managed" and mail["PayloadVersion"] == 1
    incoming, smtp = servers
    assert mail["EmailAccountType"] == {"imap": "EmailTypeIMAP",
                                        "pop3": "EmailTypePOP"}[incoming.protocol]
    assert mail["IncomingMailServerHostName"] == incoming.host
    assert mail["IncomingMailServerPortNumber"] == incoming.port
    assert mail["IncomingMailServerUseSSL"] is True
    assert mail["OutgoingMailServerPortNumber"] == smtp.port
    assert mail["OutgoingMailServerUseSSL"] is True  # STARTTLS too: the port says which
    assert mail["IncomingMailServerUsername"] == "alice@example.com"
    assert mail["EmailAccountName"] == "Alice Example"
    assert mail["EmailAddress"] == "alice@example.com"
    assert "IncomingPassword" not in mail and "OutgoingPassword" not in mail
    assert mail["OutgoingPasswordSameAsIncomingPassword"] is True
    for value in (profile["PayloadUUID"], mail["PayloadUUID"]):
        assert str(uuid.UUID(value)).upper() == value
    assert mail["PayloadIdentifier"].startswith(profile["PayloadIdentifier"] + ".")
    assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", profile["PayloadIdentifier"])


def test_profile_identifier_is_stable_and_uuids_are_fresh(tmp_path):
    first = read_profile(apple.write(make_account(IMAP, SMTP), tmp_path / "a", lang="en")[0]
                         .path)
    again = read_profile(apple.write(make_account(IMAP, SMTP), tmp_path / "b", lang="de")[0]
                         .path)
    upper = EmailAddress.parse("Alice@Example.COM")
    third = read_profile(apple.write(make_account(IMAP, SMTP, address=upper), tmp_path / "c",
                                     lang="en")[0].path)
    other = apple.payload_identifier(EmailAddress.parse("bob@example.com"))
    assert first["PayloadIdentifier"] == again["PayloadIdentifier"] == \
        third["PayloadIdentifier"] != other
    assert first["PayloadUUID"] != again["PayloadUUID"]
    assert first["PayloadContent"][0]["PayloadUUID"] != again["PayloadContent"][0][
        "PayloadUUID"]


def test_profile_holds_the_password_only_when_asked_and_is_owner_only(tmp_path):
    plain = apple.write(make_account(IMAP, SMTP), tmp_path / "without", lang="en")[0]
    assert stat.S_IMODE(plain.path.stat().st_mode) == 0o644
    account = make_account(IMAP, SMTP, password="s3cr&t <\"pw\"> ")
    (exported,) = apple.write(account, tmp_path / "with", lang="en")
    assert exported.secret
    assert stat.S_IMODE(exported.path.stat().st_mode) == 0o600
    mail = read_profile(exported.path)["PayloadContent"][0]
    assert mail["IncomingPassword"] == mail["OutgoingPassword"] == "s3cr&t <\"pw\"> "
    assert "OutgoingPasswordSameAsIncomingPassword" not in mail
    assert any("password" in str(step) for step in exported.steps)
    with pytest.raises(UsageError):
        apple.write(make_account(IMAP, SMTP, password="bad\x00"), tmp_path, lang="en")


def test_profile_maps_sign_in_methods(tmp_path):
    account = make_account(IMAP.with_(auth=("password-encrypted",)),
                           SMTP.with_(auth=("OAuth2",)))
    (exported,) = apple.write(account, tmp_path, lang="en")
    mail = read_profile(exported.path)["PayloadContent"][0]
    assert mail["IncomingMailServerAuthentication"] == "EmailAuthCRAMMD5"
    assert mail["OutgoingMailServerAuthentication"] == "EmailAuthPassword"
    assert any("app password" in str(step) for step in exported.steps)


@pytest.fixture
def signing_files(tmp_path):
    """A root CA, an intermediate and a signing certificate made with trustme."""
    trustme = pytest.importorskip("trustme")
    root = trustme.CA()
    intermediate = root.create_child_ca()
    leaf = intermediate.issue_cert("profiles.example.com", common_name="Example Profiles")
    folder = tmp_path / "pki"
    folder.mkdir()
    root.cert_pem.write_to_path(str(folder / "root.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    for pem in leaf.cert_chain_pems[1:]:
        pem.write_to_path(str(folder / "chain.pem"), append=True)
    leaf.private_key_pem.write_to_path(str(folder / "key.pem"))
    return folder


def openssl_verify(profile: Path, ca: Path, out: Path) -> subprocess.CompletedProcess:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    # trustme certificates carry the TLS purposes (like the web server
    # certificates people sign profiles with); iOS does not ask for the
    # S/MIME purpose, so neither does this check.
    return subprocess.run(["openssl", "smime", "-verify", "-inform", "DER", "-CAfile",
                           str(ca), "-purpose", "any", "-in", str(profile), "-out", str(out)],
                          capture_output=True, text=True, timeout=30)


def test_signed_profile_verifies_with_openssl(tmp_path, signing_files):
    signer = apple.load_signer(str(signing_files / "cert.pem"),
                               str(signing_files / "key.pem"),
                               str(signing_files / "chain.pem"))
    (exported,) = apple.write(make_account(IMAP, SMTP), tmp_path, lang="en", signer=signer)
    data = exported.path.read_bytes()
    assert data[:1] == b"\x30"  # DER, not PEM or a bare plist
    content = tmp_path / "content.plist"
    proc = openssl_verify(exported.path, signing_files / "root.pem", content)
    # only the root is trusted: success proves the intermediate is embedded
    assert proc.returncode == 0, proc.stderr
    profile = plistlib.loads(content.read_bytes())
    assert profile["PayloadContent"][0]["IncomingMailServerHostName"] == "imap.example.com"
    assert any("signed by" in str(step) for step in exported.steps)


def test_unsigned_profile_says_what_the_device_shows(tmp_path):
    (exported,) = apple.write(make_account(IMAP, SMTP), tmp_path, lang="en")
    assert any("Unsigned" in str(step) for step in exported.steps)


def test_load_signer_refuses_bad_files(tmp_path, signing_files):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    other_key = tmp_path / "other.pem"
    other_key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    protected = tmp_path / "protected.pem"
    protected.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase")))
    cert = str(signing_files / "cert.pem")
    for args, words in [((cert, str(other_key)), "does not belong"),
                        ((cert, str(protected)), "passphrase"),
                        ((str(signing_files / "key.pem"), str(other_key)), "not a PEM"),
                        ((cert, str(tmp_path / "missing.pem")), "cannot read")]:
        with pytest.raises(UsageError) as info:
            apple.load_signer(*args)
        assert words in str(info.value)


# --- Outlook ---------------------------------------------------------------------

def read_reg(data: bytes) -> tuple[str, dict[str, dict[str, str]]]:
    """A small reader of .reg files, written from the format's rules: UTF-16
    LE with BOM, a header line, [key] sections, "name"="string" with \\\\ and
    \\" escapes, "name"=dword:XXXXXXXX."""
    assert data.startswith(codecs.BOM_UTF16_LE)
    text = data[2:].decode("utf-16-le")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    lines = text.split("\r\n")
    keys: dict[str, dict[str, str]] = {}
    current = None
    value_line = re.compile(r'"((?:[^"\\]|\\.)*)"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-f]{8}))$')
    for line in lines[1:]:
        if not line:
            continue
        if line.startswith("["):
            current = keys.setdefault(line[1:-1], {})
            continue
        match = value_line.match(line)
        assert match, line
        name = re.sub(r"\\(.)", r"\1", match.group(1))
        if match.group(3) is not None:
            current[name] = f"dword:{int(match.group(3), 16)}"
        else:
            current[name] = re.sub(r"\\(.)", r"\1", match.group(2))
    return lines[0], keys


def test_outlook_files(tmp_path):
    files = outlook.write(make_account(IMAP, SMTP, display_name="Alice"), tmp_path,
                          lang="en")
    names = [f.path.name for f in files]
    assert names == ["autodiscover-example.com.xml", "outlook-classic-example.com.reg",
                     "outlook-manual-setup.txt"]
    assert all(f.steps for f in files) and not any(f.secret for f in files)
    data = files[1].path.read_bytes()
    assert data.startswith(b"\xff\xfe")
    assert data[2:].decode("utf-16-le").startswith(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\")
    header, keys = read_reg(data)
    assert header == "Windows Registry Editor Version 5.00"
    values = keys["HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover"]
    assert values["PreferLocalXML"] == "dword:1"
    assert values["example.com"] == "C:\\setupwizard\\autodiscover-example.com.xml"
    # in the file itself every backslash of the path is doubled
    assert '"example.com"="C:\\\\setupwizard\\\\autodiscover-example.com.xml"' in \
        data[2:].decode("utf-16-le")
    # the steps name the folder the registry points at
    assert "C:\\setupwizard" in str(files[0].steps[0])
    manual = files[2].path.read_text(encoding="utf-8")
    for words in ("imap.example.com", "993", "SSL/TLS", "smtp.example.com", "587",
                  "STARTTLS", "New Outlook for Windows", "Outlook on iPhone",
                  "Secure Password Authentication (SPA)"):
        assert words in manual


def test_reg_string_escapes_quotes_and_backslashes():
    assert outlook.reg_string('a"b\\c') == '"a\\"b\\\\c"'
    _, keys = read_reg(outlook.registry_file(('we"ird\\name',), 'C:\\x "y"\\z.xml'))
    assert keys[outlook.REGISTRY_KEY]['we"ird\\name'] == 'C:\\x "y"\\z.xml'
    for bad in ("line\nbreak", "nul\x00", "tab\t"):
        with pytest.raises(UsageError):
            outlook.reg_string(bad)


def test_xml_file_name_stays_a_short_windows_path():
    long_domain = ".".join(["a" * 60] * 4) + ".com"
    name = outlook.xml_file_name(long_domain)
    assert len(outlook.WINDOWS_FOLDER) + 1 + len(name) <= 240
    assert name != outlook.xml_file_name("b" + long_domain[1:])


def autodiscover_protocols(data: bytes) -> list[dict[str, str]]:
    from lxml import etree
    root = etree.fromstring(data)
    assert root.tag == f"{{{RESPONSE_NS}}}Autodiscover"
    ns = {"a": OUTLOOK_NS}
    assert root[0].tag == f"{{{OUTLOOK_NS}}}Response"
    return [{child.tag.split("}")[1]: child.text for child in protocol}
            for protocol in root.findall("a:Response/a:Account/a:Protocol", ns)]


@pytest.mark.parametrize("incoming,smtp", [(IMAP, SMTP), (IMAP_STARTTLS, SMTP_TLS),
                                           (POP3, SMTP)])
def test_autodiscover_answer(tmp_path, incoming, smtp):
    xml_file = outlook.write(make_account(incoming, smtp), tmp_path, lang="en")[0]
    data = xml_file.path.read_bytes()
    protocols = autodiscover_protocols(data)
    assert [p["Type"] for p in protocols] == [incoming.protocol.upper(), "SMTP"]
    for protocol, server in zip(protocols, (incoming, smtp)):
        assert protocol["Server"] == server.host and protocol["Port"] == str(server.port)
        assert protocol["SPA"] == "off" and protocol["AuthRequired"] == "on"
        assert protocol["SSL"] == "on"
        assert protocol["Encryption"] == {"tls": "SSL", "starttls": "TLS"}[server.security]
        assert protocol["LoginName"] == "alice@example.com"
    answer = parse_response(data)
    assert answer.action == "settings" and answer.notes == ()
    assert [(s.protocol, s.host, s.port, s.security, s.username) for s in answer.servers] == \
        [(s.protocol, s.host, s.port, s.security, s.username) for s in (incoming, smtp)]
    assert all(s.auth == ("password-cleartext",) for s in answer.servers)  # SPA off


def test_autodiscover_writes_plain_servers_as_such():
    data = write_response([IMAP.with_(port=143, security="plain"),
                           SMTP.with_(port=25, security="plain")])
    protocols = autodiscover_protocols(data)
    assert [(p["SSL"], p["Encryption"]) for p in protocols] == [("off", "None")] * 2
    assert [s.security for s in parse_response(data).servers] == ["plain", "plain"]


def test_autodiscover_writer_refuses_what_it_cannot_write():
    for servers in ([IMAP], [SMTP], [IMAP.with_(host="not a host"), SMTP],
                    [IMAP.with_(port=0), SMTP], [IMAP.with_(username="x\x01"), SMTP]):
        with pytest.raises(UsageError):
            write_response(servers)


# --- hostile values, IDN ---------------------------------------------------------

def test_hostile_values_survive_every_format(tmp_path):
    servers = (IMAP.with_(username=HOSTILE_USER), SMTP.with_(username=HOSTILE_USER))
    account = make_account(*servers, display_name=checked_text(HOSTILE_NAME, DISPLAY_NAME),
                           provider=ProviderRef("x&y", "<Evil> & \"Mail\""))
    config = thunderbird.write(account, tmp_path, lang="en")[0].path.read_bytes()
    validate_rng(config)
    assert parse_clientconfig(config).incoming[0].username == HOSTILE_USER
    assert parse_clientconfig(config).display_name == "<Evil> & \"Mail\""

    mail = read_profile(apple.write(account, tmp_path, lang="en")[0].path)
    assert mail["PayloadOrganization"] == "<Evil> & \"Mail\""
    mail = mail["PayloadContent"][0]
    assert mail["EmailAccountName"] == HOSTILE_NAME
    assert mail["IncomingMailServerUsername"] == HOSTILE_USER

    xml_file, _, manual = outlook.write(account, tmp_path, lang="en")
    data = xml_file.path.read_bytes()
    from lxml import etree
    root = etree.fromstring(data)
    assert root.findtext(f"{{{OUTLOOK_NS}}}Response/{{{OUTLOOK_NS}}}User/"
                         f"{{{OUTLOOK_NS}}}DisplayName") == HOSTILE_NAME
    assert [s.username for s in parse_response(data).servers] == [HOSTILE_USER] * 2
    assert HOSTILE_USER in manual.path.read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["new\nline", "bell\x07", "esc\x1b[31m", "c1\x85c1",
                                 "surrogate\ud800", "x" * (MAX_USERNAME + 1)])
def test_values_no_file_can_hold_are_refused(tmp_path, bad):
    with pytest.raises(UsageError):
        checked_text(bad, DISPLAY_NAME)
    for module in (thunderbird, apple, outlook):
        with pytest.raises(UsageError):
            module.write(make_account(IMAP.with_(username=bad), SMTP), tmp_path, lang="en")
    for module in (apple, outlook):  # config-v1.1.xml has no place for the user's name
        with pytest.raises(UsageError):
            module.write(make_account(IMAP, SMTP, display_name=bad), tmp_path, lang="en")
    assert not list(tmp_path.iterdir())


def test_long_but_allowed_values_are_kept_whole(tmp_path):
    name = "ß" * MAX_NAME
    user = "u" * (MAX_USERNAME - len("@example.com")) + "@example.com"
    account = make_account(IMAP.with_(username=user), SMTP.with_(username=user),
                           display_name=name)
    mail = read_profile(apple.write(account, tmp_path, lang="en")[0].path)["PayloadContent"][0]
    assert mail["EmailAccountName"] == name and mail["IncomingMailServerUsername"] == user
    config = parse_clientconfig(thunderbird.write(account, tmp_path, lang="en")[0]
                                .path.read_bytes())
    assert config.incoming[0].username == user


def test_idn_domains_are_punycode_where_formats_need_ascii(tmp_path):
    address = EmailAddress.parse("jörg@bücher.example")
    servers = (Server("imap", "imap.bücher.example", 993, "tls"),
               Server("smtp", "smtp.bücher.example", 465, "tls"))
    account = account_from_servers(address, servers)
    config = thunderbird.write(account, tmp_path, lang="en")[0].path.read_bytes()
    validate_rng(config)
    parsed = parse_clientconfig(config)
    assert parsed.domains == ("xn--bcher-kva.example",)
    assert parsed.incoming[0].host == "imap.xn--bcher-kva.example"
    assert parsed.incoming[0].username == "jörg@bücher.example"  # the login as typed

    mail = read_profile(apple.write(account, tmp_path, lang="en")[0].path)
    assert mail["PayloadIdentifier"].startswith("example.xn--bcher-kva.setupwizard.")
    mail = mail["PayloadContent"][0]
    assert mail["EmailAddress"] == "jörg@xn--bcher-kva.example"
    assert mail["IncomingMailServerHostName"] == "imap.xn--bcher-kva.example"

    xml_file, reg, _ = outlook.write(account, tmp_path, lang="en")
    assert xml_file.path.name == "autodiscover-xn--bcher-kva.example.xml"
    assert parse_response(xml_file.path.read_bytes()).servers[0].host == \
        "imap.xn--bcher-kva.example"
    _, keys = read_reg(reg.path.read_bytes())
    values = keys[outlook.REGISTRY_KEY]
    assert values["xn--bcher-kva.example"] == values["bücher.example"] == \
        "C:\\setupwizard\\autodiscover-xn--bcher-kva.example.xml"


def test_file_names_are_safe_everywhere():
    assert file_part("a/b\\c:d*e?f\"g<h>i|j@x.test") == "a_b_c_d_e_f_g_h_i_j@x.test"
    assert file_part("jörg@bücher.example") == "jörg@bücher.example"
    assert file_part("..") == "_"
    long = file_part("x" * 300 + "@x.test")
    assert len(long) == 80 and long != file_part("y" + "x" * 299 + "@x.test")


# --- the domain kit --------------------------------------------------------------

def make_kit(**kw) -> domainkit.DomainKit:
    servers = kw.pop("servers", (IMAP.with_(username="%EMAILADDRESS%"),
                                 SMTP_TLS.with_(username="%EMAILADDRESS%"),
                                 SMTP.with_(username="%EMAILADDRESS%")))
    return domainkit.DomainKit(domain=kw.pop("domain", "example.com"),
                               incoming=tuple(s for s in servers if s.protocol != "smtp"),
                               outgoing=tuple(s for s in servers if s.protocol == "smtp"),
                               **kw)


def read_zone(text: str, origin: str):
    import dns.rdatatype
    import dns.zone
    zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    records = {}
    for name, rdataset in zone.iterate_rdatasets():
        records[(name.to_text(), dns.rdatatype.to_text(rdataset.rdtype))] = \
            sorted(r.to_text() for r in rdataset)
        assert rdataset.ttl == domainkit.TTL
    return records


def test_domain_kit_files(tmp_path):
    files = domainkit.write(make_kit(), tmp_path, lang="en")
    assert [f.path.name for f in files] == ["config-v1.1.xml", "autodiscover.xml",
                                            "dns-records.zone", "README.txt"]
    config = files[0].path.read_bytes()
    validate_rng(config)
    assert strict_reader_problems(config) == []
    assert b"<username>%EMAILADDRESS%</username>" in config
    bob = parse_clientconfig(config, address=EmailAddress.parse("bob@example.com"))
    assert bob.incoming[0].username == "bob@example.com"
    assert [s.port for s in bob.outgoing] == [465, 587]

    answer = parse_response(files[1].path.read_bytes())
    assert [s.protocol for s in answer.servers] == ["imap", "smtp", "smtp"]
    assert answer.servers[0].username == "%EMAILADDRESS%"

    records = read_zone(files[2].path.read_text(encoding="utf-8"), "example.com.")
    assert records[("_imaps._tcp.example.com.", "SRV")] == ["0 1 993 imap.example.com."]
    assert records[("_submissions._tcp.example.com.", "SRV")] == ["0 1 465 smtp.example.com."]
    assert records[("_submission._tcp.example.com.", "SRV")] == ["10 1 587 smtp.example.com."]
    # no POP3: "decidedly not offered" (RFC 6186)
    assert records[("_pop3s._tcp.example.com.", "SRV")] == ["0 0 0 ."]
    assert records[("_pop3._tcp.example.com.", "SRV")] == ["0 0 0 ."]
    assert ("_imap._tcp.example.com.", "SRV") not in records
    assert records[("autoconfig.example.com.", "CNAME")] == ["example.com."]
    assert records[("autodiscover.example.com.", "CNAME")] == ["example.com."]
    assert records[("_autodiscover._tcp.example.com.", "SRV")] == ["0 1 443 example.com."]

    readme = files[3].path.read_text(encoding="utf-8")
    for words in ("https://autoconfig.example.com/mail/config-v1.1.xml",
                  "https://example.com/.well-known/autoconfig/mail/config-v1.1.xml",
                  "https://autodiscover.example.com/autodiscover/autodiscover.xml",
                  "dns-records.zone", "%EMAILADDRESS%", "setupwizard discover"):
        assert words in readme
    assert all(f.steps for f in files)


def test_domain_kit_web_host_and_idn(tmp_path):
    kit = make_kit(domain="bücher.example", web_host="autoconfig.bücher.example",
                   servers=(POP3.with_(host="pop.bücher.example", username="%EMAILLOCALPART%"),
                            SMTP.with_(host="smtp.bücher.example",
                                       username="%EMAILLOCALPART%")))
    files = domainkit.write(kit, tmp_path, lang="en")
    config = parse_clientconfig(files[0].path.read_bytes(),
                                address=EmailAddress.parse("anna@bücher.example"))
    assert config.domains == ("xn--bcher-kva.example",)
    assert config.incoming[0].username == "anna"
    assert config.incoming[0].host == "pop.xn--bcher-kva.example"
    zone = files[2].path.read_text(encoding="utf-8")
    assert zone.isascii() or "xn--bcher-kva" in zone
    records = read_zone(zone, "xn--bcher-kva.example.")
    assert records[("_pop3s._tcp.xn--bcher-kva.example.", "SRV")] == \
        ["0 1 995 pop.xn--bcher-kva.example."]
    assert records[("_imaps._tcp.xn--bcher-kva.example.", "SRV")] == ["0 0 0 ."]
    assert ("autoconfig.xn--bcher-kva.example.", "CNAME") not in records
    assert records[("autodiscover.xn--bcher-kva.example.", "CNAME")] == \
        ["autoconfig.xn--bcher-kva.example."]
    assert records[("_autodiscover._tcp.xn--bcher-kva.example.", "SRV")] == \
        ["0 1 443 autoconfig.xn--bcher-kva.example."]
    readme = files[3].path.read_text(encoding="utf-8")
    assert "bücher.example" in readme and "xn--bcher-kva.example" in readme


@pytest.mark.parametrize("server,words", [
    (IMAP.with_(port=143, security="plain"), "unencrypted"),
    (IMAP.with_(host="192.0.2.7"), "host name"),
])
def test_domain_kit_refuses_what_it_must_not_publish(tmp_path, server, words):
    kit = make_kit(servers=(server.with_(username="%EMAILADDRESS%"),
                            SMTP.with_(username="%EMAILADDRESS%")))
    with pytest.raises(ExportError, match=words):
        domainkit.write(kit, tmp_path, lang="en")
    assert not (tmp_path / "config-v1.1.xml").exists()


def test_username_templates():
    assert username_template("alice@example.com", ALICE) == ("%EMAILADDRESS%", None)
    assert username_template("ALICE@example.com", ALICE) == ("%EMAILADDRESS%", None)
    assert username_template("alice", ALICE) == ("%EMAILLOCALPART%", None)
    assert username_template(None, ALICE) == ("%EMAILADDRESS%", None)
    assert username_template("%EMAILLOCALPART%", ALICE) == ("%EMAILLOCALPART%", None)
    template, note = username_template("customer-4711", ALICE)
    assert template == "%EMAILADDRESS%" and "customer-4711" in str(note)


def test_kit_from_discovered_servers_orders_and_templates():
    postmaster = EmailAddress.parse("postmaster@example.com")
    found = [POP3.with_(username="postmaster"), IMAP.with_(username="postmaster@example.com"),
             SMTP.with_(username="postmaster@example.com")]
    kit, notes = kit_from_servers("example.com", found, address=postmaster)
    assert [(s.protocol, s.username) for s in kit.incoming] == \
        [("imap", "%EMAILADDRESS%"), ("pop3", "%EMAILLOCALPART%")]
    assert notes == ()
    kit, _ = kit_from_servers("example.com", found, address=postmaster, protocol="pop3")
    assert kit.incoming[0].protocol == "pop3"
    with pytest.raises(ExportError):
        kit_from_servers("example.com", [IMAP], address=postmaster)


# --- choosing servers, running formats ---------------------------------------------

def test_account_from_servers_picks_the_protocol():
    found = [IMAP, POP3, SMTP, SMTP_TLS]
    assert account_from_servers(ALICE, found).incoming == (IMAP,)
    assert account_from_servers(ALICE, found, protocol="pop3").protocol == "pop3"
    assert account_from_servers(ALICE, [POP3, SMTP]).protocol == "pop3"
    assert account_from_servers(ALICE, found).outgoing == (SMTP,)
    assert account_from_servers(ALICE, found, username="a1").incoming[0].username == "a1"
    with pytest.raises(ExportError):
        account_from_servers(ALICE, [IMAP, SMTP], protocol="pop3")
    with pytest.raises(ExportError):
        account_from_servers(ALICE, [IMAP])


def test_formats_run_independently(tmp_path, monkeypatch):
    from setupwizard.export import formats
    assert expand_names(["apple", "all"]) == ("apple", *[f for f in FORMATS if f != "apple"])
    real_load = formats.load

    def load(name):
        if name == "sheet":
            raise ModuleNotFoundError("no sheet", name="setupwizard.export.sheet")
        if name == "android":
            raise ModuleNotFoundError("no segno", name="segno")
        return real_load(name)

    monkeypatch.setattr(formats, "load", load)
    plain = IMAP.with_(port=143, security="plain")
    results = write_formats(make_account(plain, SMTP), expand_names(["all"]), tmp_path,
                            lang="en")
    by_name = {r.name: r for r in results}
    assert not by_name["thunderbird"].ok and "unencrypted" in str(
        by_name["thunderbird"].problem)
    assert by_name["outlook"].ok and by_name["apple"].ok
    assert not by_name["sheet"].available and not by_name["android"].available
    assert "segno" in str(by_name["android"].problem)
