"""A printable settings sheet: one A4 page of HTML in the user's language.

What support staff hand to a person who sets up a phone by hand: the address,
every server with port, encryption and username in large type, a few plain
words on IMAP and POP3, the QR code for Thunderbird for Android, the
provider's hints and the date. The password is never on it.

The page is built from small element functions that escape every text and
attribute value (``_el``); only markup made here (``_Markup``) passes
unescaped. It loads nothing from the network and runs no script; a
Content-Security-Policy says so to the browser as well.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import re
from pathlib import Path
from typing import Iterable, Union

from ..errors import UsageError
from ..i18n import N_, Translator, msg
from ..models import Hint, Server, readable_login
from . import Account, ExportedFile, write_file
from . import android

#: Longest value shown in full; longer ones (never valid host names or
#: addresses) are cut so that the sheet stays one page.
MAX_VALUE = 254
MAX_NAME = 120
MAX_HINT = 400
MAX_HINTS = 4
#: Further servers after the first incoming and outgoing one.
MAX_ALTERNATIVES = 4
#: Values longer than this get a smaller type so they fit the card.
LONG_VALUE = 30
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
          N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
          N_("December"))

SECURITY_LABELS = {"tls": "SSL/TLS", "starttls": "STARTTLS"}
AUTH_LABELS = {
    "password-cleartext": N_("Normal password"),
    "password-encrypted": N_("Encrypted password"),
    "oauth2": N_("OAuth2 (sign in through the browser)"),
    "ntlm": "NTLM",
    "gssapi": "Kerberos / GSSAPI",
    "tls-client-cert": N_("TLS certificate"),
    "none": N_("No sign-in"),
    "client-ip-address": N_("No sign-in"),
    "smtp-after-pop": N_("No sign-in"),
}
PROTOCOL_NAMES = {"imap": "IMAP", "pop3": "POP3", "smtp": "SMTP"}


def write(account: Account, out_dir: Path, *, lang: str,
          today: _dt.date | None = None) -> list[ExportedFile]:
    """Write the settings sheet for ``account`` to ``out_dir`` in ``lang``
    ('en' or 'de'); return the one file. ``today`` is the date printed on the
    sheet (default: today). The password is never written, so the file is
    not secret. Raises OSError when the file cannot be written."""
    page = render(account, lang=lang, today=today)
    path = out_dir / f"{android.file_stem(account)}-settings.html"
    write_file(path, page.encode("utf-8"))
    return [ExportedFile(
        path=path,
        title=msg("Settings sheet to print"),
        steps=(msg("Open {file} in your web browser.", file=path.name),
               msg("Print it: it fits on one A4 page. On a phone you can read it as it is."),
               msg("Your password is not on the sheet. Keep it separately in a safe place.")),
        secret=False)]


def render(account: Account, *, lang: str, today: _dt.date | None = None) -> str:
    """Return the sheet as an HTML document (a str)."""
    tr = Translator(lang)
    today = today or _dt.date.today()
    address = _cut(account.address.text)
    parts = [_header(account, tr), _servers(account, tr)]
    others = list(account.incoming[1:]) + list(account.outgoing[1:])
    if others:
        parts.append(_alternatives(others, tr))
    # With hints, the IMAP/POP3 note spans the page and the hints sit beside
    # the QR code; without, the note does. Either way the page stays balanced.
    if account.hints:
        parts += [_protocol_note(account, tr, wide=True),
                  _el("div", {"class": "lower"}, _hints(account, tr), _qr_figure(account, tr))]
    else:
        parts.append(_el("div", {"class": "lower"}, _protocol_note(account, tr),
                         _qr_figure(account, tr)))
    body = _el("main", {"class": "sheet"}, *parts,
               _el("footer", {},
                   _el("p", {"class": "no-password"},
                       tr("Your password is not on this sheet. Keep it separately in a safe "
                          "place and never send it by e-mail.")),
                   _el("p", {}, tr("Created on {date} with setupwizard.").format(
                       date=_date(today, tr)))))
    document = _el("html", {"lang": tr.lang},
                   _el("head", {},
                       _Markup('<meta charset="utf-8">'),
                       _el("meta", {"name": "viewport",
                                    "content": "width=device-width, initial-scale=1"}),
                       _el("meta", {"http-equiv": "Content-Security-Policy",
                                    "content": CSP}),
                       _el("meta", {"name": "referrer", "content": "no-referrer"}),
                       _el("title", {}, tr("E-mail settings for {address}").format(
                           address=address)),
                       _el("style", {}, _Markup(CSS))),
                   _el("body", {}, body))
    return "<!DOCTYPE html>\n" + document + "\n"


# -- parts of the page ---------------------------------------------------------

def _header(account: Account, tr: Translator) -> "_Markup":
    lines = []
    if account.display_name:
        lines.append(_el("p", {"class": "name"}, _cut(account.display_name, MAX_NAME)))
    if account.provider is not None:
        lines.append(_el("p", {"class": "provider"}, tr("Provider: {name}").format(
            name=_cut(account.provider.name, MAX_NAME))))
    return _el("header", {},
               _el("p", {"class": "kicker"}, tr("Your e-mail settings")),
               _el("h1", {"class": "address"}, _cut(account.address.text)),
               *lines,
               _el("p", {"class": "intro"},
                   tr("Keep this sheet. It has what you need to set up your e-mail by hand "
                      "on a phone, a tablet or a computer.")))


def _servers(account: Account, tr: Translator) -> "_Markup":
    cards = []
    if account.incoming:
        server = account.incoming[0]
        cards.append(_card(tr("Receiving e-mail"),
                           tr("Incoming server ({protocol})").format(
                               protocol=_protocol(server)),
                           server, account, tr))
    if account.outgoing:
        server = account.outgoing[0]
        cards.append(_card(tr("Sending e-mail"),
                           tr("Outgoing server ({protocol})").format(
                               protocol=_protocol(server)),
                           server, account, tr))
    if not cards:
        cards.append(_el("p", {"class": "missing"},
                         tr("No servers are known for this address yet.")))
    return _el("section", {"class": "servers"}, *cards)


def _card(title: str, subtitle: str, server: Server, account: Account,
          tr: Translator) -> "_Markup":
    username = _cut(readable_login(server.username or account.address.text))
    host = _cut(server.host)
    return _el("article", {"class": "card"},
               _el("h2", {}, title),
               _el("p", {"class": "sub"}, subtitle),
               _el("dl", {},
                   _value(tr("Server"), host),
                   _el("div", {"class": "pair"},
                       _value(tr("Port"), str(server.port)),
                       _value(tr("Encryption"), _security(server.security, tr))),
                   _value(tr("Username"), username),
                   _detail(tr("Password"), _password_text(account, tr)),
                   _detail(tr("Sign-in method"), _auth(server.auth, tr))))


def _value(label: str, value: str) -> "_Markup":
    """One setting to type in: small label, the value in large type."""
    return _el("div", {"class": "row"}, _el("dt", {}, label),
               _el("dd", {"class": "big long" if len(value) > LONG_VALUE else "big"}, value))


def _detail(label: str, value: str) -> "_Markup":
    """A setting most programs choose by themselves: one small line."""
    return _el("div", {"class": "row detail"}, _el("dt", {}, label), _el("dd", {}, value))


def _alternatives(servers: list[Server], tr: Translator) -> "_Markup":
    shown = servers[:MAX_ALTERNATIVES]
    rows = [_el("tr", {},
                _el("td", {}, _protocol(s)), _el("td", {"class": "mono"}, _cut(s.host)),
                _el("td", {}, str(s.port)), _el("td", {}, _security(s.security, tr)))
            for s in shown]
    extra = []
    if len(servers) > len(shown):
        extra.append(_el("p", {"class": "more"}, tr("{count} more are not shown.").format(
            count=len(servers) - len(shown))))
    return _el("section", {"class": "alternatives"},
               _el("h2", {}, tr("Other settings that also work")),
               _el("table", {},
                   _el("thead", {}, _el("tr", {},
                                         _el("th", {}, tr("Type")), _el("th", {}, tr("Server")),
                                         _el("th", {}, tr("Port")),
                                         _el("th", {}, tr("Encryption")))),
                   _el("tbody", {}, *rows)),
               *extra)


def _protocol_note(account: Account, tr: Translator, *, wide: bool = False) -> "_Markup":
    both = [
        _el("p", {}, _el("strong", {}, "IMAP: "),
            tr("Your e-mails stay with your provider. Phone, computer and webmail "
               "all show the same e-mails and folders. What you delete on one device "
               "is gone on the others too.")),
        _el("p", {}, _el("strong", {}, "POP3: "),
            tr("The program fetches your e-mails onto this one device. Your other "
               "devices and the webmail may then no longer see them.")),
    ]
    if account.protocol == "pop3":
        choice = tr("These settings use POP3.")
        if account.leave_on_server:
            choice += " " + tr("A copy of every e-mail stays with your provider.")
        else:
            choice += " " + tr("E-mails are removed from the server once they are fetched.")
    else:
        choice = tr("These settings use IMAP, the right choice for most people.")
    return _el("section", {"class": "protocols wide" if wide else "protocols"},
               _el("h2", {}, tr("IMAP or POP3?")), _el("div", {"class": "both"}, *both),
               _el("p", {"class": "choice"}, choice))


def _qr_figure(account: Account, tr: Translator) -> "_Markup":
    # The sheet is not secret, so its code never carries the password.
    try:
        svg = android.qr_svg(dataclasses.replace(account, password=None))
    except UsageError as exc:
        return _el("section", {"class": "qr none"},
                   _el("h2", {}, tr("QR code for Thunderbird for Android")),
                   _el("p", {}, tr("No QR code for this account: {reason}").format(
                       reason=tr.render(exc.message))))
    return _el("section", {"class": "qr"},
               _el("figure", {},
                   # segno's drawing holds no value of the account: safe as it is
                   _el("div", {"class": "code", "role": "img",
                               "aria-label": tr("QR code for Thunderbird for Android")},
                       _Markup(svg)),
                   _el("figcaption", {},
                       _el("strong", {}, tr("For Thunderbird for Android.")), " ",
                       tr('In the app, tap "Add account", then "Import settings", '
                          'then "Scan QR code", and scan this code. Other apps '
                          "cannot use it. The code does not contain your password."))))


def _hints(account: Account, tr: Translator) -> "_Markup":
    if not account.hints:
        return _Markup("")
    items = []
    for hint in account.hints[:MAX_HINTS]:
        text = _cut(hint.in_lang(tr.lang), MAX_HINT)
        parts: list[object] = [text]
        url = _web_link(hint)
        if url:
            parts += [" ", _el("a", {"href": url}, _cut(url, 160))]
        items.append(_el("li", {"class": hint.kind if hint.kind in
                                ("info", "action", "warning") else "info"}, *parts))
    kinds = {h.kind for h in account.hints[:MAX_HINTS]}
    title = tr("Before you start") if "action" in kinds else \
        tr("Important") if "warning" in kinds else tr("Good to know")
    return _el("section", {"class": "hints"}, _el("h2", {}, title), _el("ul", {}, *items))


# -- values --------------------------------------------------------------------

def _protocol(server: Server) -> str:
    return PROTOCOL_NAMES.get(server.protocol, str(server.protocol).upper())


def _security(security: str, tr: Translator) -> str:
    if security == "plain":
        return tr("None (not encrypted)")
    return SECURITY_LABELS.get(security, str(security))


def _auth(methods: tuple[str, ...], tr: Translator) -> str:
    """The first two methods the server offers, in its order of preference."""
    labels: list[str] = []
    for method in methods:
        label = AUTH_LABELS.get(str(method).lower())
        text = tr(label) if label is not None else _cut(str(method), 60)
        if text and text not in labels:
            labels.append(text)
    return " / ".join(labels[:2]) or tr(AUTH_LABELS["password-cleartext"])


def _password_text(account: Account, tr: Translator) -> str:
    if any(h.id == "app-password" for h in account.hints):
        return tr("An app password (see below), not on this sheet")
    return tr("Your e-mail password, not on this sheet")


def _web_link(hint: Hint) -> str | None:
    """The hint's link if it is an http(s) address; anything else (javascript:,
    data:, a relative path) is not made a link."""
    url = (hint.url or "").strip()
    if url.lower().startswith(("https://", "http://")) and not any(
            c.isspace() or ord(c) < 32 for c in url):
        return url
    return None


def _date(day: _dt.date, tr: Translator) -> str:
    return tr("{day} {month} {year}").format(day=day.day, month=tr(MONTHS[day.month - 1]),
                                             year=day.year)


def _cut(text: str, limit: int = MAX_VALUE) -> str:
    """``text`` on one line, without control characters, at most ``limit`` long."""
    text = " ".join(_CONTROL.sub(" ", str(text)).split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


# -- HTML ----------------------------------------------------------------------

class _Markup(str):
    """HTML made here, to be inserted as it is."""


Child = Union["_Markup", str, None]


def _el(tag: str, attrs: dict[str, str], *children: Child) -> _Markup:
    """Return ``<tag attrs>children</tag>``: attribute values and plain str
    children are escaped, _Markup children are inserted as they are."""
    attributes = "".join(f' {name}="{html.escape(str(value), quote=True)}"'
                         for name, value in attrs.items())
    if tag in _VOID:
        return _Markup(f"<{tag}{attributes}>")
    inner = "".join(c if isinstance(c, _Markup) else html.escape(str(c), quote=True)
                    for c in _flatten(children))
    return _Markup(f"<{tag}{attributes}>{inner}</{tag}>")


def _flatten(children: Iterable) -> Iterable:
    for child in children:
        if child is None:
            continue
        if isinstance(child, (list, tuple)):
            yield from _flatten(child)
        else:
            yield child


_VOID = frozenset({"meta", "br", "hr"})

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")

CSS = r"""
:root { color-scheme: light; --ink: #111; --muted: #555; --line: #999; --rule: #ddd;
  --accent: #0b4f8a; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--ink);
  font-family: "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif;
  font-size: 10.5pt; line-height: 1.35; }
.sheet { max-width: 190mm; margin: 0 auto; padding: 8mm 6mm; }
h1, h2, p, dl, dd, figure, ul { margin: 0; }
.mono, dd.big { font-family: "Liberation Mono", "DejaVu Sans Mono", Consolas, monospace; }
header { border-bottom: 2px solid var(--ink); padding-bottom: 2.5mm; margin-bottom: 4mm; }
.kicker { font-size: 9.5pt; font-weight: bold; letter-spacing: .06em; text-transform: uppercase;
  color: var(--accent); }
.address { font-size: 21pt; line-height: 1.15; overflow-wrap: anywhere; margin: .5mm 0 1mm; }
.name, .provider { display: inline; font-size: 11.5pt; overflow-wrap: anywhere; }
.name + .provider::before { content: " \00b7  "; }
.intro { color: var(--muted); margin-top: 1mm; }
h2 { font-size: 12.5pt; color: var(--accent); margin-bottom: 1.5mm; }
.servers { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }
.card { border: 1.5px solid var(--line); border-radius: 3mm; padding: 2.5mm 4mm 2mm; min-width: 0; }
.card h2 { margin-bottom: 0; }
.sub { color: var(--muted); font-size: 9.5pt; margin-bottom: 1mm; }
.row { padding: 1mm 0; border-top: 1px solid var(--rule); min-width: 0; }
.pair { display: grid; grid-template-columns: 2fr 3fr; gap: 3mm; }
dt { font-size: 9pt; color: var(--muted); }
dd { overflow-wrap: anywhere; }
dd.big { font-size: 15pt; font-weight: bold; line-height: 1.2; }
dd.big.long { font-size: 11.5pt; }
.detail { display: flex; flex-wrap: wrap; gap: 0 1.5mm; align-items: baseline; }
.detail dt::after { content: ":"; }
.alternatives { margin-top: 3.5mm; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; table-layout: fixed; }
th, td { text-align: left; padding: .6mm 2mm .6mm 0; border-bottom: 1px solid var(--rule);
  overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: normal; font-size: 9pt; }
th:nth-child(1) { width: 16%; } th:nth-child(2) { width: 50%; } th:nth-child(3) { width: 12%; }
.more { color: var(--muted); font-size: 9pt; }
.lower { display: grid; grid-template-columns: minmax(0, 1fr) 58mm; gap: 6mm; margin-top: 3mm;
  align-items: start; }
.protocols { margin-top: 4mm; }
.protocols p { margin-bottom: 1.2mm; }
.protocols.wide .both { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
.lower .protocols { margin-top: 0; }
.choice { font-weight: bold; }
.qr figure { text-align: center; }
.qr .code { width: 54mm; max-width: 100%; margin: 0 auto; }
.qr svg { display: block; width: 100%; height: auto; shape-rendering: crispEdges; }
figcaption { font-size: 9pt; margin-top: 1mm; }
.hints ul { padding-left: 0; list-style: none; }
.hints li { font-size: 10pt; padding: 1mm 0 1mm 6.5mm; position: relative; border-top: 1px solid var(--rule);
  overflow-wrap: anywhere; }
.hints li::before { content: "i"; position: absolute; left: 0; top: 1mm; width: 4.5mm;
  text-align: center; color: var(--accent); font-weight: bold; font-family: serif;
  font-style: italic; }
.hints li.action::before { content: "\2610"; font-style: normal; font-family: inherit;
  font-size: 13pt; line-height: 1; top: .8mm; }
.hints li.warning::before { content: "!"; font-style: normal; color: #a40000; }
.hints a { color: var(--accent); overflow-wrap: anywhere; }
footer { margin-top: 4mm; padding-top: 2mm; border-top: 2px solid var(--ink); font-size: 9.5pt; }
.no-password { font-weight: bold; margin-bottom: .5mm; }
@media (max-width: 640px) {
  body { font-size: 12pt; }
  .sheet { padding: 16px 14px 24px; }
  .address { font-size: 20pt; }
  .servers, .lower, .protocols.wide .both { grid-template-columns: minmax(0, 1fr); }
  .protocols.wide .both { gap: 0; }
  .card { padding: 10px 14px; }
  .qr .code { width: 64vw; max-width: 280px; }
  .name, .provider { display: block; }
  .name + .provider::before { content: none; }
  .hints li, figcaption { font-size: 11pt; }
}
@page { size: A4; margin: 10mm 12mm; }
@media print {
  /* One page, whatever the data: the sheet is exactly as tall as the page;
     absurdly long values are clipped inside their part, the footer stays. */
  .sheet { max-width: none; padding: 0; height: 275mm; overflow: hidden;
    display: flex; flex-direction: column; }
  .sheet > * { flex: 0 1 auto; min-height: 0; overflow: hidden; }
  .sheet > header, .sheet > .servers, .sheet > footer { flex: none; }
  .sheet > .alternatives { flex-shrink: 1000; }
  .sheet > footer { margin-top: auto; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { text-decoration: none; }
}
"""
