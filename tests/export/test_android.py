"""The Thunderbird for Android QR code: written files are decoded with a real
QR decoder (zxing-cpp) and the payload is checked against every rule of the
"Export for Mobile" format, version 1."""

from __future__ import annotations

import ipaddress
import json
import re
import stat
import xml.etree.ElementTree as ET

import pytest

from setupwizard.errors import UsageError
from setupwizard.export import Account, ExportedFile, android
from setupwizard.i18n import Message
from setupwizard.models import EmailAddress, Server, is_hostname

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a test extra: pip install zxing-cpp")
Image = pytest.importorskip("PIL.Image", reason="Pillow is a test extra: pip install Pillow")

LINE_BREAK = re.compile(r"[\r\n]")


def make_account(address="anna@example.org", *, incoming=None, outgoing=None, **kw) -> Account:
    addr = EmailAddress.parse(address)
    if incoming is None:
        incoming = (Server("imap", f"imap.{addr.domain}", 993, "tls", username=addr.text),)
    if outgoing is None:
        outgoing = (Server("smtp", f"smtp.{addr.domain}", 587, "starttls", username=addr.text),)
    return Account(address=addr, incoming=tuple(incoming), outgoing=tuple(outgoing), **kw)


def decode(image) -> "zxingcpp.Barcode":
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, f"expected one QR code, found {len(results)}"
    return results[0]


# -- the format's rules, as a reader must check them ---------------------------

def _host(value):
    assert isinstance(value, str) and value.isascii(), f"host {value!r} is not ASCII"
    try:
        ipaddress.ip_address(value)
    except ValueError:
        assert is_hostname(value), f"{value!r} is not a host name"


def _int(value, allowed=None):
    assert type(value) is int, f"{value!r} is not an integer"  # bool is not allowed
    if allowed is not None:
        assert value in allowed, f"{value} not in {sorted(allowed)}"


def _one_line(value):
    assert isinstance(value, str), f"{value!r} is not a string (null is refused by the reader)"
    assert not LINE_BREAK.search(value), f"line break in {value!r}"


def _server(entry, protocols, optional):
    assert isinstance(entry, list)
    assert 6 <= len(entry) <= 6 + optional, f"wrong length {len(entry)}: {entry!r}"
    _int(entry[0], protocols)
    _host(entry[1])
    _int(entry[2], range(1, 65536))
    _int(entry[3], {0, 2, 3})  # 1 is reserved: never written
    _int(entry[4], range(0, 7))
    _one_line(entry[5])
    for extra in entry[6:]:
        _one_line(extra)


def check_format(text: str) -> list:
    """Assert every rule of format version 1 and return the parsed payload."""
    assert text.isascii(), "we write ASCII only (non-ASCII as \\u escapes)"
    data = json.loads(text)
    assert isinstance(data, list)
    _int(data[0], {1})
    misc = data[1]
    assert isinstance(misc, list) and len(misc) == 2
    _int(misc[0]), _int(misc[1])
    assert 1 <= misc[0] <= misc[1]
    accounts = data[2:]
    assert accounts and len(accounts) % 2 == 0, "incoming/outgoing-groups must come in pairs"
    for incoming, groups in zip(accounts[::2], accounts[1::2]):
        _server(incoming, {0, 1}, optional=2)  # accountName?, password?
        assert isinstance(groups, list) and groups, "at least one outgoing server group"
        for group in groups:
            assert isinstance(group, list) and len(group) >= 2, "server plus identities"
            _server(group[0], {0}, optional=1)  # password?
            for identity in group[1:]:
                assert isinstance(identity, list) and len(identity) == 2
                email, name = identity
                assert isinstance(email, str) and email.isascii() and email.count("@") == 1
                EmailAddress.parse(email)
                _one_line(name)
    return data


def passwords(data) -> tuple:
    incoming, outgoing = data[2], data[3][0][0]
    return (incoming[7] if len(incoming) > 7 else None,
            outgoing[6] if len(outgoing) > 6 else None)


# -- files ---------------------------------------------------------------------

def test_png_decodes_to_the_documented_payload(tmp_path):
    account = make_account(display_name="Anna Example")
    files = android.write(account, tmp_path, lang="en")
    assert [f.path.suffix for f in files] == [".png", ".svg"]
    for f in files:
        assert isinstance(f, ExportedFile) and isinstance(f.title, Message)
        assert f.steps and not f.secret
        assert stat.S_IMODE(f.path.stat().st_mode) == 0o644
    barcode = decode(Image.open(files[0].path))
    assert barcode.ec_level == "L"
    assert barcode.text == android.qr_payload(account)
    data = check_format(barcode.text)
    assert data == [1, [1, 1],
                    [0, "imap.example.org", 993, 3, 1, "anna@example.org"],
                    [[[0, "smtp.example.org", 587, 2, 1, "anna@example.org"],
                      ["anna@example.org", "Anna Example"]]]]
    assert passwords(data) == (None, None)


def test_svg_file_is_a_scalable_qr_drawing(tmp_path):
    files = android.write(make_account(), tmp_path, lang="de")
    root = ET.parse(files[1].path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")
    inline = android.qr_svg(make_account())
    assert inline.startswith("<svg") and "<?xml" not in inline
    assert 'viewBox="' in inline and "width=" not in inline.split(">")[0]


def test_password_only_when_set_and_files_are_private(tmp_path):
    account = make_account(password='pä"ss wörd\\')
    files = android.write(account, tmp_path, lang="en")
    assert all(f.secret for f in files)
    assert all(stat.S_IMODE(f.path.stat().st_mode) == 0o600 for f in files)
    data = check_format(decode(Image.open(files[0].path)).text)
    assert passwords(data) == ('pä"ss wörd\\', 'pä"ss wörd\\')
    assert data[2][6] == ""  # account name placeholder: the reader uses the address
    # empty string means "no password", as in the format
    data = check_format(android.qr_payload(make_account(password="")))
    assert passwords(data) == (None, None)


def test_pop3_idn_plain_and_auth_codes():
    account = make_account(
        "jana@bücher.example",
        incoming=(Server("pop3", "POP.Bücher.example.", 110, "plain", username="jana",
                         auth=("password-encrypted", "password-cleartext")),
                  Server("imap", "imap.bücher.example", 993, "tls")),
        outgoing=(Server("smtp", "smtp.bücher.example", 465, "tls", username=None,
                         auth=("OAuth2",)),),
        display_name="Jana Bücher 李")
    data = check_format(android.qr_payload(account))
    incoming, (group,) = data[2], data[3]
    assert incoming == [1, "pop.xn--bcher-kva.example", 110, 0, 2, "jana"]
    assert group[0] == [0, "smtp.xn--bcher-kva.example", 465, 3, 6, "jana@bücher.example"]
    assert group[1] == ["jana@xn--bcher-kva.example", "Jana Bücher 李"]
    assert len(data) == 4, "one account, no alternatives"


@pytest.mark.parametrize("auth, code", [
    ((), 1), (("password-cleartext",), 1), (("NTLM",), 4), (("GSSAPI",), 3),
    (("TLS-client-cert",), 5), (("client-IP-address",), 0), (("none",), 0),
    (("something-new", "OAuth2"), 6),
])
def test_auth_mapping(auth, code):
    account = make_account(incoming=(Server("imap", "imap.example.org", 143, "starttls",
                                            auth=auth),))
    data = check_format(android.qr_payload(account))
    assert data[2][3:5] == [2, code]


def test_ip_address_host_stays_as_it_is():
    account = make_account(incoming=(Server("imap", "192.0.2.7", 993, "tls"),))
    assert check_format(android.qr_payload(account))[2][1] == "192.0.2.7"


def test_display_name_line_breaks_are_flattened():
    account = make_account(display_name="Anna\r\nExample\t<b>")
    data = check_format(android.qr_payload(account))
    assert data[3][0][1][1] == "Anna Example <b>"


@pytest.mark.parametrize("change", [
    dict(incoming=()),
    dict(outgoing=()),
    dict(incoming=(Server("imap", "imap.example.org", 993, "tls", username="a\nb"),)),
    dict(incoming=(Server("imap", "imap .example.org", 993, "tls"),)),
    dict(incoming=(Server("imap", "imap.example.org", 0, "tls"),)),
    dict(incoming=(Server("imap", "imap.example.org", 993, "ssl"),)),  # type: ignore[arg-type]
    dict(outgoing=(Server("imap", "imap.example.org", 993, "tls"),)),
    dict(password="two\nlines"),
])
def test_accounts_the_format_cannot_carry_are_refused(change):
    base = dict(incoming=None, outgoing=None)
    base.update(change)
    with pytest.raises(UsageError):
        android.qr_payload(make_account(**base))


def test_non_ascii_local_part_is_refused():
    with pytest.raises(UsageError) as info:
        android.qr_payload(make_account("jürgen@example.org"))
    assert isinstance(info.value.message, Message)


def test_too_long_for_one_code():
    with pytest.raises(UsageError):
        android.make_qr(make_account(display_name="x" * 4000))


# -- terminal ------------------------------------------------------------------

def render_terminal(text: str, *, foreground: int, background: int, px: int = 6):
    """Draw terminal text as a terminal would: each character cell is one
    module wide and two modules (upper and lower half) high."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = text.rstrip("\n").split("\n")
    width = max(len(line) for line in lines)
    margin = 4  # the window around the terminal text
    image = Image.new("L", ((width + 2 * margin) * px, (2 * len(lines) + 2 * margin) * px),
                      background)
    halves = {"\u2588": (True, True), "\u2580": (True, False), "\u2584": (False, True),
              " ": (False, False)}
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            for half, painted in enumerate(halves[char]):
                if painted:
                    left, top = (x + margin) * px, (2 * y + half + margin) * px
                    image.paste(foreground, (left, top, left + px, top + px))
    return image


@pytest.mark.parametrize("dark_terminal", [True, False])
def test_terminal_code_decodes_without_colours(dark_terminal):
    account = make_account(display_name="Zoë Example")
    text = android.terminal_qr(account, dark_terminal=dark_terminal)
    assert set(text) <= set("\u2588\u2580\u2584 \n"), "plain characters only, no escapes"
    lines = text.rstrip("\n").split("\n")
    assert len({len(line) for line in lines}) == 1
    # the quiet zone (4 modules = 2 text lines, 4 columns) is light: painted
    # on a dark terminal, left blank on a light one
    light = "\u2588" if dark_terminal else " "
    assert lines[0] == lines[1] == light * len(lines[0])
    assert all(line[:4] == line[-4:] == light * 4 for line in lines)
    fg, bg = (230, 20) if dark_terminal else (20, 240)
    barcode = decode(render_terminal(text, foreground=fg, background=bg))
    assert barcode.text == android.qr_payload(account)


def test_terminal_code_with_colours_is_black_on_white():
    account = make_account()
    text = android.terminal_qr(account, colour=True)
    assert text.count("\x1b[0m") == text.count("\n")
    # whatever the terminal's own colours, the code reads as black on white
    barcode = decode(render_terminal(text, foreground=0, background=255))
    assert barcode.text == android.qr_payload(account)
