"""The account QR code that Thunderbird for Android (and K-9 Mail) scans.

The payload is the documented "Export for Mobile" format, version 1, that
Thunderbird desktop writes: UTF-8 JSON of nested arrays::

    [1, [1, 1],
     [inProto, host, port, security, auth, username, accountName?, password?],
     [[[0, smtpHost, port, security, auth, username, password?],
       [email, displayName]]]]

One account per code. We write the JSON with every non-ASCII character as a
``\\uXXXX`` escape: the code then holds plain ASCII, which every scanner reads
the same way, whatever it guesses about the text encoding of a QR code. The
reader in Thunderbird for Android rejects ``null`` where a string may stand
and any line break in a name, username or password, so neither is written.
"""

from __future__ import annotations

import io
import ipaddress
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..i18n import msg
from ..models import Server, is_hostname, to_ascii_domain
from . import Account, ExportedFile, write_file

if TYPE_CHECKING:  # segno is imported lazily: `setupwizard --help` stays fast
    import segno

FORMAT_VERSION = 1
INCOMING_PROTOCOLS = {"imap": 0, "pop3": 1}
OUTGOING_PROTOCOL_SMTP = 0
#: 1 is reserved ("legacy, do not use"); STARTTLS is always 2.
SECURITY = {"plain": 0, "starttls": 2, "tls": 3}
#: clientConfig authentication values -> the format's codes. Methods that
#: need no login of their own (client-IP-address, smtp-after-pop) map to none.
AUTH = {
    "none": 0, "client-ip-address": 0, "smtp-after-pop": 0,
    "password-cleartext": 1, "password-encrypted": 2,
    "gssapi": 3, "ntlm": 4, "tls-client-cert": 5, "oauth2": 6,
}
DEFAULT_AUTH = 1  # password-cleartext, the clientConfig default

#: Pixels per module in the PNG; 4 modules of quiet zone as the QR standard asks.
PNG_SCALE = 10
QUIET_ZONE = 4

_LINE_BREAK = re.compile(r"[\r\n\u0085\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def qr_payload(account: Account) -> str:
    """Return the QR code text for ``account`` (JSON, ASCII only).

    The password is included (for both servers) only when
    ``account.password`` is set. Raises UsageError when the account cannot
    be expressed in the format: no incoming or outgoing server, an e-mail
    address with non-ASCII letters before the @, an unknown security or
    protocol, a line break in the username or password.
    """
    if not account.incoming:
        raise UsageError(msg("The QR code needs an incoming server."))
    if not account.outgoing:
        raise UsageError(msg("The QR code needs an outgoing (SMTP) server."))
    incoming, outgoing = account.incoming[0], account.outgoing[0]
    if incoming.protocol not in INCOMING_PROTOCOLS:
        raise UsageError(msg("Thunderbird for Android cannot receive mail with {protocol}.",
                             protocol=str(incoming.protocol).upper()), host=incoming.host)
    if outgoing.protocol != "smtp":
        raise UsageError(msg("Thunderbird for Android can only send mail with SMTP."),
                         host=outgoing.host)
    email = account.address.ascii
    if not email.isascii():
        raise UsageError(msg("Thunderbird for Android accepts only e-mail addresses with "
                             "plain Latin letters before the @. Set up {address} by hand.",
                             address=account.address.text))
    password = account.password or None  # "" means none, as in the format
    if password is not None and _LINE_BREAK.search(password):
        raise UsageError(msg("The password contains a line break; the QR code cannot carry "
                             "it. Export without the password."))

    incoming_entry: list[object] = [INCOMING_PROTOCOLS[incoming.protocol],
                                    *_server_fields(incoming, account)]
    outgoing_entry: list[object] = [OUTGOING_PROTOCOL_SMTP, *_server_fields(outgoing, account)]
    if password is not None:
        # AccountName must stand before the password; "" means "use the address".
        incoming_entry += ["", password]
        outgoing_entry.append(password)
    identity = [email, _one_line(account.display_name or "")]
    data = [FORMAT_VERSION, [1, 1], incoming_entry, [[outgoing_entry, identity]]]
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"))


def make_qr(account: Account) -> "segno.QRCode":
    """Return the segno QR code for ``account`` at error correction level L
    (as Thunderbird desktop writes it). Raises UsageError when the account
    does not fit the format or one QR code."""
    import segno
    payload = qr_payload(account)
    try:
        return segno.make_qr(payload, error="l", boost_error=False)
    except segno.DataOverflowError:
        raise UsageError(msg("The settings are too long for one QR code.")) from None


def qr_svg(account: Account, *, css_class: str = "qr-code") -> str:
    """Return the QR code as an SVG element for embedding in HTML: no XML
    declaration, no fixed size (it scales to its box via viewBox), black on
    a white quiet zone. Contains no text of the account, only the drawing."""
    out = io.BytesIO()
    make_qr(account).save(out, kind="svg", xmldecl=False, svgns=True, omitsize=True,
                          border=QUIET_ZONE, dark="#000", light="#fff",
                          svgclass=css_class, lineclass=None, nl=False)
    return out.getvalue().decode("utf-8")


def terminal_qr(account: Account, *, dark_terminal: bool = True, colour: bool = False,
                border: int = QUIET_ZONE) -> str:
    """Return the QR code drawn with the half blocks ``█ ▀ ▄`` and spaces:
    one character per module across, two rows of modules per text line,
    every line the same length and ending in a newline.

    A scanner wants dark modules on a light quiet zone. Without colours the
    characters can only paint in the terminal's text colour, so the drawing
    depends on the terminal: ``dark_terminal=True`` (light text on dark
    background, the usual default) paints the light parts, quiet zone
    included; ``dark_terminal=False`` paints the dark modules and leaves the
    light background as it is. ``colour=True`` sets black on white with ANSI
    codes on every line and works on both. Raises UsageError like qr_payload.
    """
    if border < 0:
        raise ValueError("border must not be negative")
    rows = [list(row) for row in make_qr(account).matrix_iter(scale=1, border=border)]
    paint_dark = colour or not dark_terminal
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))  # a light half row below the quiet zone
    glyphs = {(True, True): "\u2588", (True, False): "\u2580",
              (False, True): "\u2584", (False, False): " "}
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2]):
        line = "".join(glyphs[(bool(t) == paint_dark, bool(b) == paint_dark)]
                       for t, b in zip(top, bottom))
        if colour:
            line = f"\x1b[38;2;0;0;0;48;2;255;255;255m{line}\x1b[0m"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write(account: Account, out_dir: Path, *, lang: str) -> list[ExportedFile]:
    """Write the QR code as PNG and SVG to ``out_dir``; return both files.

    The files hold the password when ``account.password`` is set, and are
    then written readable by the owner only. ``lang`` is accepted for the
    common export signature; the code itself has no language. Raises
    UsageError like qr_payload, OSError when the files cannot be written.
    """
    qr = make_qr(account)
    secret = bool(account.password)
    stem = f"{file_stem(account)}-thunderbird-android"
    png, svg = io.BytesIO(), io.BytesIO()
    qr.save(png, kind="png", scale=PNG_SCALE, border=QUIET_ZONE, dark="#000", light="#fff")
    # one millimetre per module: printed as it is, a phone scans it easily
    qr.save(svg, kind="svg", unit="mm", border=QUIET_ZONE, dark="#000", light="#fff",
            xmldecl=True, nl=True)
    title = msg("QR code for Thunderbird for Android")
    steps = (
        msg("Install Thunderbird on the Android phone (from Google Play or F-Droid)."),
        msg("Open this picture on your computer screen or print it."),
        msg('Open Thunderbird on the phone. Tap "Add account", then "Import '
            'settings", then "Scan QR code". Point the camera at the code.'),
        msg("Type your password when Thunderbird asks for it.") if not secret else
        msg("The code contains your password: delete the picture once the phone is set up."),
    )
    return [
        ExportedFile(write_file(out_dir / f"{stem}.png", png.getvalue(), secret=secret),
                     title, steps, secret),
        ExportedFile(write_file(out_dir / f"{stem}.svg", svg.getvalue(), secret=secret),
                     title, steps, secret),
    ]


def file_stem(account: Account) -> str:
    """A file name part for the account: the address as the user wrote it
    (Unicode letters kept, never dropped), with what no file system accepts
    replaced; see fields.file_part."""
    from .fields import file_part
    return file_part(account.address.text)


def _server_fields(server: Server, account: Account) -> list[object]:
    """Host, port, security, auth and username of one server entry."""
    if server.security not in SECURITY:
        raise UsageError(msg("Unknown encryption \"{security}\" for {host}.",
                             security=server.security, host=server.host), host=server.host)
    port = server.port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port <= 65535:
        raise UsageError(msg("Invalid port {port} for {host}.", port=port, host=server.host),
                         host=server.host)
    username = server.username if server.username else account.address.text
    if _LINE_BREAK.search(username):
        raise UsageError(msg("The username for {host} contains a line break.",
                             host=server.host), host=server.host)
    return [_ascii_host(server.host), port, SECURITY[server.security], _auth_code(server.auth),
            username]


def _ascii_host(host: str) -> str:
    """The host name in ASCII (IDN as punycode); IP addresses unchanged."""
    name = (host or "").strip().rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    ascii_name = name if name.isascii() else to_ascii_domain(name)
    if not ascii_name or not is_hostname(ascii_name):
        raise UsageError(msg("\"{host}\" is not a server name.", host=host), host=host)
    return ascii_name


def _auth_code(methods: tuple[str, ...]) -> int:
    """The first method the format knows, in the source's order of preference."""
    for method in methods:
        code = AUTH.get(str(method).strip().lower())
        if code is not None:
            return code
    return DEFAULT_AUTH


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())
