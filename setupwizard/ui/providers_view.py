"""Showing the provider database: ``setupwizard providers`` list, show,
validate and compare, as human text and as JSON."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from ..dates import prose_iso_date
from ..i18n import Message, Translator, msg
from ..providers import (COMPARE_STATUSES, DomainComparison, Provider, ProviderDatabase,
                         ServerTemplate)
from .discovery_view import AUTH_LABELS, SECURITY_LABELS
from .terminal import Style, sanitize

STATUS_LABELS = {
    "ready": msg("ready"),
    "needs-preparation": msg("needs preparation"),
    "unusable": msg("not usable with mail programs"),
}
STATUS_STYLES = {"ready": ("green",), "needs-preparation": ("yellow",),
                 "unusable": ("red",)}

USER_AUTH_LABELS = {
    "password": msg("the normal password"),
    "app-password": msg("an app password"),
    "oauth2": msg("signing in on the provider's web page (OAuth2)"),
}

COMPARE_LABELS = {"same": msg("same"), "differs": msg("differs"),
                  "only-ours": msg("only ours"), "error": msg("error")}
COMPARE_STYLES = {"same": ("green",), "differs": ("yellow", "bold"),
                  "only-ours": ("dim",), "error": ("red",)}
FIELD_LABELS = {"host": msg("server name"), "port": msg("port"),
                "security": msg("encryption"), "username": msg("username")}

#: domains shown per provider in the list before "+N"
LIST_DOMAINS = 3


# --------------------------------------------------------------------------
# JSON

def provider_summary_json(provider: Provider) -> dict:
    """The short form of a provider, as ``providers list --json`` prints it."""
    return {"id": provider.id, "name": provider.name, "short_name": provider.short_name,
            "status": provider.status, "auth": list(provider.auth),
            "domains": list(provider.domains_as_written),
            "mx_patterns": list(provider.mx_patterns)}


def provider_json(provider: Provider, lang: str) -> dict:
    """Everything about a provider, hints in ``lang``, as ``providers show
    --json`` prints it."""
    return {
        **provider_summary_json(provider),
        "domains_ascii": list(provider.domains),
        "subdomains": provider.subdomains,
        "web": provider.web,
        "incoming": [_server_json(s) for s in provider.incoming],
        "outgoing": [_server_json(s) for s in provider.outgoing],
        "hints": [h.to_json(lang) for h in provider.hints],
        "sources": [{"url": c.url, "what": c.what_in(lang), "checked": c.checked or None}
                    for c in provider.sources],
        "file": provider.path,
    }


def _server_json(server: ServerTemplate) -> dict:
    data = {"protocol": server.protocol, "host": server.host, "port": server.port,
            "security": server.security, "username": server.username,
            "auth": list(server.auth)}
    data.update(server.extra)
    return data


def problems_json(folder: str, problems: Sequence[str]) -> dict:
    return {"folder": folder, "ok": not problems, "problems": list(problems)}


def comparison_json(results: Sequence[DomainComparison], ispdb_url: str,
                    tr: Translator) -> dict:
    """The result of ``providers compare --json``: counts per status and one
    entry per domain, in database order."""
    counts = Counter(r.status for r in results)
    return {
        "ispdb_url": ispdb_url,
        "counts": {status: counts.get(status, 0) for status in COMPARE_STATUSES},
        "domains": [{"domain": r.domain, "provider": r.provider_id, "status": r.status,
                     "differences": [{"protocol": d.protocol, "field": d.field,
                                      "ours": d.ours, "ispdb": d.ispdb}
                                     for d in r.differences],
                     "detail": _render(tr, r.detail) or None}
                    for r in results],
    }


# --------------------------------------------------------------------------
# Text

def render_list(database: ProviderDatabase, tr: Translator, style: Style) -> str:
    """One line per provider: id, name, status, the first domains."""
    providers = list(database)
    heads = (tr("ID"), tr("Name"), tr("Status"), tr("Domains"))
    rows = []
    for provider in providers:
        domains = ", ".join(sanitize(d) for d in provider.domains_as_written[:LIST_DOMAINS])
        rest = len(provider.domains_as_written) - LIST_DOMAINS
        if rest > 0:
            domains += f" (+{rest})"
        elif not provider.domains_as_written:
            domains = msg("MX patterns only").render(tr)
        rows.append((sanitize(provider.id), sanitize(provider.short_name),
                     _status(provider.status, tr), domains, provider.status))
    widths = [max([len(heads[i])] + [len(r[i]) for r in rows]) for i in range(3)]
    out = [style("".join(f"{h:<{w}}  " for h, w in zip(heads, widths)) + heads[3], "bold")]
    for ident, name, status, domains, key in rows:
        out.append(f"{ident:<{widths[0]}}  {name:<{widths[1]}}  "
                   f"{style(f'{status:<{widths[2]}}', *STATUS_STYLES.get(key, ()))}  {domains}")
    out.append("")
    out.append(msg("Providers: {count}, domains: {domains}", count=len(providers),
                   domains=sum(len(p.domains) for p in providers)).render(tr))
    return "\n".join(out)


def render_provider(provider: Provider, tr: Translator, style: Style) -> str:
    """Everything about one provider, hints in the translator's language."""
    out = [style(f"{sanitize(provider.name)} ({sanitize(provider.id)})", "bold")]
    rows = [(tr("Short name"), sanitize(provider.short_name)),
            (tr("Status"), style(_status(provider.status, tr),
                                 *STATUS_STYLES.get(provider.status, ()))),
            (tr("Sign-in"), ", ".join(_label(USER_AUTH_LABELS, a, tr) for a in provider.auth)
             or "-")]
    if provider.web:
        rows.append((tr("Webmail"), sanitize(provider.web)))
    rows.append((tr("Domains"), ", ".join(sanitize(d) for d in provider.domains_as_written)
                 or "-"))
    if provider.subdomains:
        rows.append((tr("Subdomains"), tr("every subdomain of these domains as well")))
    rows.append((tr("MX patterns"), ", ".join(sanitize(p) for p in provider.mx_patterns)
                 or "-"))
    rows.append((tr("File"), sanitize(provider.path or f"{provider.id}.toml")))
    width = max(len(label) for label, _ in rows) + 1
    out.extend(f"  {label + ':':<{width}} {value}" for label, value in rows)

    for title, servers in ((tr("Incoming mail"), provider.incoming),
                           (tr("Outgoing mail"), provider.outgoing)):
        out.append("")
        out.append(style(title, "bold"))
        if not servers:
            out.append("  " + tr("none"))
        out.extend(line for server in servers for line in _server_lines(server, tr, style))

    if provider.hints:
        out.append("")
        out.append(style(tr("Before you start"), "bold"))
        for hint in provider.hints:
            mark = "!" if hint.kind in ("action", "warning") else "i"
            out.append(f"  {style(mark, 'yellow')} {sanitize(hint.in_lang(tr.lang))}")
            if hint.url:
                out.append(f"    {style(sanitize(hint.url), 'blue')}")

    out.append("")
    out.append(style(tr("Sources"), "bold"))
    if not provider.sources:
        out.append("  " + tr("none"))
    for citation in provider.sources:
        checked = msg("checked {date}", date=prose_iso_date(citation.checked)).render(tr) \
            if citation.checked else tr("no check date")
        out.append(f"  {style(sanitize(citation.url), 'blue')} ({checked})")
        if citation.what_in(tr.lang):
            out.append(f"    {sanitize(citation.what_in(tr.lang))}")
    return "\n".join(out)


def _server_lines(server: ServerTemplate, tr: Translator, style: Style) -> list[str]:
    security = SECURITY_LABELS[server.security].render(tr) \
        if server.security in SECURITY_LABELS else sanitize(server.security)
    if server.security == "plain":
        security = style(security, "red", "bold")
    lines = [f"  {server.protocol.upper():<5} {style(sanitize(server.host), 'cyan')}  "
             f"{tr('Port')} {server.port}  {security}"]
    lines.append(f"        {tr('Username')}: {sanitize(server.username)}; {tr('Sign-in')}: "
                 + ", ".join(_label(AUTH_LABELS, a.lower(), tr) for a in server.auth))
    for key, value in server.extra:
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f"        {key} = {shown}")
    return lines


def render_problems(folder: str, problems: Sequence[str], tr: Translator,
                    style: Style) -> str:
    """The result of ``providers validate``."""
    if not problems:
        return style(msg("No problems found in {folder}.", folder=sanitize(folder))
                     .render(tr), "green")
    out = [style(msg("Problems in {folder}: {count}", folder=sanitize(folder),
                     count=len(problems)).render(tr), "red", "bold")]
    out.extend(f"  - {sanitize(problem)}" for problem in problems)
    return "\n".join(out)


def render_comparison(results: Sequence[DomainComparison], ispdb_url: str, tr: Translator,
                      style: Style) -> str:
    """One line per domain - those that differ first, then errors, then the
    same ones, then those the ISPDB does not know - each difference below
    its domain, and the counts at the end."""
    order = {"differs": 0, "error": 1, "same": 2, "only-ours": 3}
    ranked = sorted(results, key=lambda r: order.get(r.status, 4))
    domain_width = max((len(r.domain) for r in results), default=0)
    id_width = max((len(r.provider_id) for r in results), default=0)
    out = [style(msg("Our data compared with the ISPDB at {url}", url=sanitize(ispdb_url))
                 .render(tr), "bold")]
    for result in ranked:
        label = _label(COMPARE_LABELS, result.status, tr)
        line = (f"  {sanitize(result.domain):<{domain_width}}  "
                f"{sanitize(result.provider_id):<{id_width}}  "
                f"{style(label, *COMPARE_STYLES.get(result.status, ()))}")
        if result.status == "error" and result.detail:
            line += f"  {_render(tr, result.detail)}"
        out.append(line)
        out.extend(f"      {difference_text(d, tr)}" for d in result.differences)
    counts = Counter(r.status for r in results)
    out.append("")
    out.append(msg("Same: {same}, differs: {differs}, only ours: {only}, errors: {errors}",
                   same=counts["same"], differs=counts["differs"], only=counts["only-ours"],
                   errors=counts["error"]).render(tr))
    return "\n".join(out)


def difference_text(difference, tr: Translator) -> str:
    """One difference as a sentence: "IMAP server name: ours A, ISPDB B"."""
    protocol = difference.protocol.upper()
    if difference.field == "server":
        if difference.ispdb is None:
            return msg("{protocol}: only in our data ({ours})", protocol=protocol,
                       ours=sanitize(difference.ours)).render(tr)
        return msg("{protocol}: only in the ISPDB ({ispdb})", protocol=protocol,
                   ispdb=sanitize(difference.ispdb)).render(tr)
    return msg("{protocol} {field}: ours {ours}, ISPDB {ispdb}", protocol=protocol,
               field=FIELD_LABELS.get(difference.field, difference.field),
               ours=sanitize(difference.ours), ispdb=sanitize(difference.ispdb)).render(tr)


def _render(tr: Translator, value) -> str:
    if isinstance(value, Message):
        return sanitize(value.render(tr))
    return sanitize(value) if value else ""


def _status(status: str, tr: Translator) -> str:
    return _label(STATUS_LABELS, status, tr)


def _label(labels: dict, key: str, tr: Translator) -> str:
    label = labels.get(key)
    return label.render(tr) if label is not None else sanitize(key)
