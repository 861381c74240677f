"""Showing a domain check: plain text for people, the stable JSON object for
programs (README: "setupwizard check-domain")."""

from __future__ import annotations

from ..discovery.base import SOURCE_LABELS
from ..domaincheck import (ADVICE, SECURITY_WORDS, Advice, DomainReport, ServerCheck,
                           is_published, servers_of)
from ..i18n import N_, Message, Translator, msg
from .diagnose_view import STATUS_MARK, STATUS_STYLE, STATUS_WORD, check_texts
from .discovery_view import STATUS_LABELS
from .terminal import Style, sanitize

NETWORK_DOWN = N_("{domain} could not be checked: name lookups fail on this computer.")
VERDICTS = {
    "ok": N_("{domain} publishes mail settings that work."),
    "warning": N_("{domain} publishes mail settings that work, but some things deserve a "
                  "look."),
    "problem": N_("Something {domain} publishes is broken: mail programs may get settings "
                  "that do not work."),
    "nothing": N_("{domain} publishes no mail settings: people have to type them in by "
                  "hand."),
}
VERDICT_STYLE = {"ok": ("green", "bold"), "warning": ("yellow", "bold"),
                 "problem": ("red", "bold"), "nothing": ("red", "bold")}
SEVERITY_LABELS = {"problem": msg("Problem"), "warning": msg("Warning"),
                   "suggestion": msg("Suggestion"), "info": msg("Note")}
SEVERITY_MARK = {"problem": "✗", "warning": "!", "suggestion": "+", "info": "·"}
SEVERITY_STYLE = {"problem": ("red", "bold"), "warning": ("yellow", "bold"),
                  "suggestion": ("cyan",), "info": ("dim",)}
SOURCE_MARK = {"found": "✓", "not-found": "-", "error": "✗", "timeout": "✗"}
SOURCE_STYLE = {"found": ("green",), "not-found": ("dim",), "error": ("red", "bold"),
                "timeout": ("red", "bold")}


def _value(value, tr: Translator) -> str:
    if isinstance(value, Message):
        return sanitize(value.render(tr))
    if isinstance(value, (list, tuple)):
        return "; ".join(_value(v, tr) for v in value)
    return sanitize(value)


def _capital(text: str) -> str:
    if text.startswith("setupwizard"):
        return text  # our name is written in lower case
    return text[:1].upper() + text[1:]


def advice_texts(advice: Advice, tr: Translator) -> tuple[str, str, str | None]:
    """(title, explanation, fix) of ``advice`` in the user's language. Advice
    about a server takes the title and explanation of the check behind it;
    without a fix of its own, it takes the check's fix."""
    text = ADVICE[advice.id]
    fields = {key: _value(value, tr) for key, value in advice.details}
    check_fix = None
    if advice.check is not None:
        title, explanation, check_fix = check_texts(advice.check, tr)
        fields.update(check_title=title, check_explanation=explanation)
    pairs = tuple(fields.items())
    title = _capital(Message(text.title, pairs).render(tr))
    explanation = Message(text.explanation, pairs).render(tr)
    fix = Message(text.fix, pairs).render(tr) if text.fix else check_fix
    return title, explanation, fix


def _server_json(server) -> dict:
    return {"protocol": server.protocol, "host": server.host, "port": server.port,
            "security": server.security}


def _check_json(check, tr: Translator) -> dict:
    title, explanation, fix = check_texts(check, tr)
    details = {k: (v.render(tr) if isinstance(v, Message) else v)
               for k, v in check.details.items()}
    return {"id": check.id, "status": check.status, "address": check.address,
            "category": check.category, "title": title, "explanation": explanation,
            "fix": fix, "details": details}


def report_to_json(report: DomainReport, tr: Translator) -> dict:
    """The documented JSON object (README: "check-domain JSON output")."""
    sources = []
    for source in report.sources:
        label = SOURCE_LABELS.get(source.name)
        sources.append({
            "name": source.name, "label": _value(label, tr) if label else source.name,
            "status": source.status, "detail": _value(source.detail, tr),
            "published": is_published(source),
            "trusted": source.config.trusted if source.config else None,
            "servers": [_server_json(s) for s in servers_of(source)],
            "warnings": [_value(w, tr) for w in source.warnings],
            "elapsed_ms": source.elapsed_ms})
    servers = [dict(_server_json(s.server), named_by=list(s.named_by), status=s.status,
                    addresses=list(s.addresses),
                    checks=[_check_json(c, tr) for c in s.checks])
               for s in report.servers]
    protocols: dict[str, list] = {}
    for choice in report.agreement.choices:
        protocols.setdefault(choice.protocol, []).append(
            {"host": choice.host, "port": choice.port, "security": choice.security,
             "sources": list(choice.sources)})
    advice = []
    for item in report.advice:
        title, explanation, fix = advice_texts(item, tr)
        advice.append({"id": item.id, "severity": item.severity, "title": title,
                       "explanation": explanation, "fix": fix, "records": item.records,
                       "source": item.source, "server": item.server})
    return {"domain": report.domain, "verdict": report.verdict,
            "verdict_text": _verdict(report, tr),
            "sources": sources, "servers": servers,
            "agreement": {"status": report.agreement.status,
                          "sources": list(report.agreement.sources),
                          "protocols": protocols,
                          "conflicts": list(report.agreement.conflicts)},
            "advice": advice, "elapsed_ms": report.elapsed_ms}


def _verdict(report: DomainReport, tr: Translator) -> str:
    if any(a.id == "network.down" for a in report.advice):
        return Message(NETWORK_DOWN, (("domain", report.domain),)).render(tr)
    return Message(VERDICTS[report.verdict], (("domain", report.domain),)).render(tr)


def _server_label(server, tr: Translator) -> str:
    return (f"{server.protocol.upper()} {sanitize(server.host)}:{server.port}, "
            f"{SECURITY_WORDS[server.security].render(tr)}")


def _indented(block: str, indent: str) -> list[str]:
    return [indent + sanitize(line) for line in block.splitlines()]


def _advice_lines(report: DomainReport, tr: Translator, style: Style) -> list[str]:
    out = [style(tr("What to fix or add"), "bold")]
    if not report.advice:
        out.append("  " + tr("Nothing to fix or add."))
    for item in report.advice:
        title, explanation, fix = advice_texts(item, tr)
        severity = item.severity
        mark = style(SEVERITY_MARK[severity], *SEVERITY_STYLE[severity])
        label = style(SEVERITY_LABELS[severity].render(tr) + ":", *SEVERITY_STYLE[severity])
        out.append(f"  {mark} {label} {title}")
        out.append(f"      {explanation}")
        if fix:
            out.append(f"      {style(tr('What to do') + ':', 'bold')} {fix}")
        if item.records:
            out.extend(_indented(item.records, "        "))
    return out


def _source_lines(report: DomainReport, tr: Translator, style: Style) -> list[str]:
    out = [style(tr("Where mail programs look"), "bold")]
    for source in report.sources:
        label = SOURCE_LABELS.get(source.name)
        name = _capital(label.render(tr)) if label else source.name
        status = STATUS_LABELS.get(source.status)
        status_text = status.render(tr) if status else source.status
        mark = style(SOURCE_MARK.get(source.status, "-"),
                     *SOURCE_STYLE.get(source.status, ()))
        line = f"  {mark} {name}: {style(status_text, *SOURCE_STYLE.get(source.status, ()))}"
        if not is_published(source):
            line += f" ({tr('for context only: not published by the domain')})"
        out.append(line)
        detail = _value(source.detail, tr)
        if detail:
            out.append(f"      {detail}")
        if servers_of(source):
            out.append("      " + "; ".join(_server_label(s, tr) for s in servers_of(source)))
    return out


def _agreement_lines(report: DomainReport, tr: Translator, style: Style) -> list[str]:
    agreement = report.agreement
    out = [style(tr("Do the sources agree?"), "bold")]
    names = ", ".join(agreement.sources)
    if agreement.status == "agree":
        out.append("  " + msg("Yes: every source that names servers names the same ones "
                              "({sources}).", sources=names).render(tr))
    elif agreement.status == "disagree":
        out.append("  " + style(tr("No: they name different servers."), "yellow", "bold"))
        for protocol in agreement.conflicts:
            for choice in agreement.choices:
                if choice.protocol == protocol:
                    out.append(f"    {protocol.upper()}: {', '.join(choice.sources)}: "
                               f"{sanitize(choice.host)}:{choice.port}, "
                               f"{SECURITY_WORDS[choice.security].render(tr)}")
    elif agreement.status == "single":
        out.append("  " + msg("Only {source} names servers, so there is nothing to compare.",
                              source=names).render(tr))
    else:
        out.append("  " + tr("No source names servers."))
    return out


def _server_lines(report: DomainReport, tr: Translator, style: Style) -> list[str]:
    if not report.servers:
        return []
    out = [style(tr("Servers named (tested without signing in)"), "bold")]
    for checked in report.servers:
        out.extend(_one_server(checked, tr, style))
    return out


def _one_server(checked: ServerCheck, tr: Translator, style: Style) -> list[str]:
    status = checked.status
    mark = style(STATUS_MARK[status], *STATUS_STYLE[status])
    word = tr("not tested") if status == "skip" else STATUS_WORD[status].render(tr)
    named = msg("named by {sources}", sources=", ".join(checked.named_by)).render(tr)
    out = [f"  {mark} {_server_label(checked.server, tr)} - {named}  "
           f"{style('[' + word + ']', *STATUS_STYLE[status])}"]
    for check in checked.checks:
        if check.status in ("fail", "warn"):
            title, _, _ = check_texts(check, tr)
            where = f" ({check.address})" if check.address else ""
            out.append(f"      {STATUS_MARK[check.status]} {title}{where}")
    return out


def render_text(report: DomainReport, tr: Translator, style: Style) -> str:
    """The human report: the verdict and what to do first, the details after."""
    out = [style(msg("Mail settings published by {domain}", domain=report.domain).render(tr),
                 "bold"),
           style(_verdict(report, tr), *VERDICT_STYLE[report.verdict]), ""]
    out.extend(_advice_lines(report, tr, style))
    out.append("")
    out.extend(_source_lines(report, tr, style))
    out.append("")
    out.extend(_agreement_lines(report, tr, style))
    servers = _server_lines(report, tr, style)
    if servers:
        out.append("")
        out.extend(servers)
    return "\n".join(out)
