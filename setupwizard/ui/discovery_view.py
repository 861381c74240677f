"""Showing discovery results: human text and the stable JSON Lines form."""

from __future__ import annotations

from ..errors import InvalidAddress
from ..i18n import Message, Translator, msg
from ..models import DiscoveryResult, Server, readable_login
from ..discovery.base import SOURCE_LABELS
from .terminal import Style, sanitize


SECURITY_LABELS = {
    "tls": msg("SSL/TLS (encrypted from the start)"),
    "starttls": msg("STARTTLS (encryption switched on after connecting)"),
    "plain": msg("none - unencrypted!"),
}

STATUS_STYLES = {"found": ("green",), "not-found": ("dim",), "error": ("red",),
                 "timeout": ("yellow",), "skipped": ("dim",), "cancelled": ("dim",)}

STATUS_LABELS = {
    "found": msg("found"), "not-found": msg("not found"), "error": msg("error"),
    "timeout": msg("timeout"), "skipped": msg("skipped"), "cancelled": msg("cancelled"),
}


def _render(tr: Translator, value) -> str:
    if isinstance(value, Message):
        return sanitize(value.render(tr))
    return sanitize(value) if value is not None else ""


def result_to_json(result: DiscoveryResult, tr: Translator) -> dict:
    """The documented JSON object for one address (README: "JSON output")."""
    config = result.config
    data = {
        "address": result.address,
        "domain": result.domain,
        "incoming": [s.to_json() for s in result.incoming],
        "outgoing": [s.to_json() for s in result.outgoing],
        "provider": result.provider.to_json() if result.provider else None,
        "sources": [r.to_json(tr) for r in result.sources],
        "warnings": [_render(tr, w) for w in result.warnings],
        "error": _render(tr, result.error) if result.error is not None else None,
        # extensions beyond the documented minimum
        "source": config.source if config else None,
        "trusted": config.trusted if config else None,
        "hints": [h.to_json(tr.lang) for h in config.hints] if config else [],
        "also_found": {name: {"incoming": [s.to_json() for s in other.incoming],
                              "outgoing": [s.to_json() for s in other.outgoing]}
                       for name, other in result.others},
        # no DNS question was answered: the network or the resolver is down
        "network_down": result.network_down,
    }
    return data


def invalid_to_json(text: str, error: InvalidAddress, tr: Translator) -> dict:
    return {"address": sanitize(text), "domain": None, "incoming": [], "outgoing": [],
            "provider": None, "sources": [], "warnings": [],
            "error": invalid_address_text(error, tr), "source": None, "trusted": None,
            "hints": [], "also_found": {}, "network_down": False}


INVALID_REASONS = {
    "empty": msg("the address is empty"),
    "no-at": msg("an e-mail address needs an @ sign, like name@example.com"),
    "several-at": msg("an e-mail address has exactly one @ sign"),
    "empty-local": msg("the part before the @ is missing"),
    "empty-domain": msg("the part after the @ (the domain) is missing"),
    "space": msg("an e-mail address cannot contain spaces"),
    "control": msg("the address contains invisible control characters"),
    "not-utf8": msg("the address contains bytes that are not valid text (UTF-8)"),
    "too-long": msg("the address is too long"),
    "bad-local": msg("the part before the @ contains characters that are not allowed"),
    "bad-domain": msg("the part after the @ is not a valid domain name"),
}


def invalid_address_text(error: InvalidAddress, tr: Translator) -> str:
    reason = INVALID_REASONS.get(error.reason, msg("it is not a valid e-mail address"))
    return msg("\"{address}\" is not a usable e-mail address: {reason}.",
               address=sanitize(error.text)[:80], reason=reason).render(tr)


def server_lines(servers: tuple[Server, ...], tr: Translator, style: Style,
                 direction: str) -> list[str]:
    """Every server, each protocol under its own heading (in the order the
    source gave them), later servers of a protocol as its alternatives.

    A source may list POP3 after IMAP as one incoming list: a POP3 server
    shown as an IMAP alternative would lead a user to set up IMAP on port
    995. Nothing is left out: a server not shown is a server not known."""
    protocols: dict[str, list[Server]] = {}
    for server in servers:
        protocols.setdefault(server.protocol, []).append(server)
    lines = []
    for protocol, group in protocols.items():
        if direction == "incoming":
            title = msg("Incoming mail ({protocol})", protocol=protocol.upper())
        else:
            title = msg("Outgoing mail ({protocol})", protocol=protocol.upper())
        for index, server in enumerate(group):
            if index == 0:
                lines.append(f"  {style(title.render(tr), 'bold')}")
            else:
                lines.append(f"  {msg('  alternative').render(tr)}")
            lines.extend(_server_rows(server, tr, style))
    return lines


def _server_rows(server: Server, tr: Translator, style: Style) -> list[str]:
    security = SECURITY_LABELS[server.security].render(tr)
    if server.security == "plain":
        security = style(security, "red", "bold")
    trust = "" if server.trusted else "  " + style(msg("(unconfirmed)").render(tr), "yellow")
    rows = [(tr("Server"), style(sanitize(server.host), "cyan") + trust),
            (tr("Port"), str(server.port)), (tr("Encryption"), security)]
    if server.username:
        rows.append((tr("Username"), sanitize(readable_login(server.username))))
    if server.auth:
        rows.append((tr("Sign-in"), ", ".join(_auth_label(a, tr) for a in server.auth)))
    width = max(len(label) for label, _ in rows) + 1
    return [f"      {label + ':':<{width}} {value}" for label, value in rows]


AUTH_LABELS = {
    "password-cleartext": msg("normal password"),
    "password-encrypted": msg("encrypted password (CRAM-MD5)"),
    "oauth2": msg("OAuth2 (sign in through the provider's web page)"),
    "ntlm": msg("NTLM (Windows sign-in)"),
    "gssapi": msg("Kerberos (GSSAPI)"),
    "client-ip-address": msg("no password: your network address identifies you"),
    "tls-client-cert": msg("TLS client certificate"),
    "none": msg("no sign-in"),
    "smtp-after-pop": msg("fetch mail first, then send (SMTP after POP)"),
}


def _auth_label(auth: str, tr: Translator) -> str:
    label = AUTH_LABELS.get(auth.lower())
    return label.render(tr) if label else sanitize(auth)


def render_text(result: DiscoveryResult, tr: Translator, style: Style) -> str:
    """A full human report for one address."""
    out: list[str] = [style(sanitize(result.address), "bold")]
    config = result.config
    if config is not None and result.found:
        if config.provider:
            out.append(f"  {tr('Provider')}: {sanitize(config.provider.name)}")
        label = SOURCE_LABELS.get(config.source)
        where = label.render(tr) if label else sanitize(config.source)
        trust = style(tr("trusted"), "green") if config.trusted else \
            style(tr("not confirmed - please check"), "yellow", "bold")
        out.append(f"  {tr('Found in')}: {where} ({trust})")
        out.append("")
        out.extend(server_lines(config.incoming, tr, style, "incoming"))
        out.extend(server_lines(config.outgoing, tr, style, "outgoing"))
        if config.hints:
            out.append("")
            out.append(style(tr("Before you start"), "bold"))
            for hint in config.hints:
                mark = "!" if hint.kind in ("action", "warning") else "i"
                line = f"  {style(mark, 'yellow')} {sanitize(hint.in_lang(tr.lang))}"
                out.append(line)
                if hint.url:
                    out.append(f"    {style(sanitize(hint.url), 'blue')}")
    elif result.network_down:
        out.append("  " + style(tr("No network"), "red", "bold"))
        out.append("  " + _render(tr, result.error))
    else:
        out.append("  " + style(_render(tr, result.error) or tr("No settings found."),
                                "red", "bold"))
    if result.warnings:
        out.append("")
        out.append(style(tr("Warnings"), "yellow", "bold"))
        for warning in result.warnings:
            out.append(f"  - {_render(tr, warning)}")
    out.append("")
    out.append(style(tr("Sources asked"), "bold"))
    width = max((len(r.name) for r in result.sources), default=10)
    for report in result.sources:
        label = STATUS_LABELS.get(report.status)
        status = label.render(tr) if label else report.status
        status = style(f"{status:<12}", *STATUS_STYLES.get(report.status, ()))
        detail = _render(tr, report.detail)
        out.append(f"  {report.name:<{width}}  {status} {report.elapsed_ms:>6} ms  {detail}")
    return "\n".join(out)
