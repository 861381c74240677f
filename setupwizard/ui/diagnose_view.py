"""Showing a diagnosis: plain text for people, Markdown for tickets, JSON
for programs (README: "diagnose JSON output")."""

from __future__ import annotations

from ..diagnostics import Check, Report
from ..explain.findings import FINDINGS
from ..i18n import Message, Translator, msg
from .discovery_view import SECURITY_LABELS, SOURCE_LABELS
from .terminal import Style, sanitize

STATUS_MARK = {"pass": "✓", "warn": "!", "fail": "✗", "skip": "-"}
STATUS_STYLE = {"pass": ("green",), "warn": ("yellow", "bold"), "fail": ("red", "bold"),
                "skip": ("dim",)}
STATUS_WORD = {"pass": msg("OK"), "warn": msg("warning"), "fail": msg("problem"),
               "skip": msg("skipped")}
VERDICTS = {
    "ok": msg("Everything works: this account can be used with these settings."),
    "warning": msg("The account can be used, but please read the warnings above."),
    "problem": msg("The account cannot be used like this yet: fix the problems marked "
                   "above."),
}
#: trust.trust_basis -> why a password may (or may not) go to a server
TRUST_LABELS = {
    "named-by-user": msg("You named this server yourself."),
    "trusted-source": msg("This server comes from a trusted source."),
    "confirmed-by-user": msg("You confirmed that this server belongs to your provider."),
    "confirmed-by-flag": msg("You confirmed this server with --trust-discovered (or the "
                             "wizard's --yes)."),
    "unconfirmed": msg("Not confirmed: your password is not sent to this server."),
}
UNCONFIRMED_VERDICT = msg("The servers answer, but your password was not tested: they "
                          "are not confirmed (see above).")
#: passed checks that tell a reader nothing while all is well: the text
#: report shows them only for a server with a warning or a problem (JSON
#: and Markdown keep every check)
QUIET_WHEN_FINE = frozenset({"dns.ok", "greeting.ok", "capabilities.ok", "auth.mechanisms",
                             "starttls.ok"})
PROTOCOL_LABELS = {"imap": msg("Incoming mail (IMAP)"), "pop3": msg("Incoming mail (POP3)"),
                   "smtp": msg("Outgoing mail (SMTP)")}


def _fields(check: Check, tr: Translator) -> dict:
    values = {}
    for key, value in check.details.items():
        if isinstance(value, Message):
            value = value.render(tr)
        elif isinstance(value, (list, tuple)):
            value = ", ".join(v.render(tr) if isinstance(v, Message) else str(v)
                              for v in value)
        values[key] = sanitize(value)
    values.setdefault("address", check.address or "")
    return values


def check_texts(check: Check, tr: Translator) -> tuple[str, str, str | None]:
    """(title, explanation, fix) of a check in the user's language."""
    finding = FINDINGS[check.id]
    fields = tuple(_fields(check, tr).items())
    title = Message(finding.title, fields).render(tr)
    explanation = Message(finding.explanation, fields).render(tr)
    fix = Message(finding.fix, fields).render(tr) if finding.fix else None
    return title, explanation, fix


def _json_details(details: dict, tr: Translator) -> dict:
    out = {}
    for key, value in details.items():
        if isinstance(value, Message):
            value = value.render(tr)
        elif isinstance(value, (list, tuple)):
            value = [v.render(tr) if isinstance(v, Message) else v for v in value]
        out[key] = value
    return out


def report_to_json(report: Report, tr: Translator) -> dict:
    checks = []
    for check in report.checks:
        title, explanation, fix = check_texts(check, tr)
        checks.append({"id": check.id, "server": check.server, "address": check.address,
                       "category": check.category, "status": check.status,
                       "title": title, "explanation": explanation, "fix": fix,
                       "details": _json_details(check.details, tr),
                       "elapsed_ms": check.elapsed_ms})
    data = {"address": report.address, "verdict": report.verdict,
            "servers": [s.to_json() for s in report.servers], "checks": checks,
            "transcript": list(report.transcript),
            "verdict_text": verdict_text(report, tr),
            "elapsed_ms": report.elapsed_ms}
    return data


def verdict_text(report: Report, tr: Translator) -> str:
    """The closing sentence of a report, in the user's language."""
    if report.verdict == "warning" and any(r.trust == "unconfirmed" for r in report.servers) \
            and any(c.id == "login.skipped-unconfirmed" for c in report.checks):
        return UNCONFIRMED_VERDICT.render(tr)
    return VERDICTS[report.verdict].render(tr)


def _server_heading(server, tr: Translator) -> str:
    label = PROTOCOL_LABELS[server.protocol].render(tr)
    security = SECURITY_LABELS[server.security].render(tr)
    return f"{label}: {sanitize(server.host)}:{server.port}, {security}"


def render_text(report: Report, tr: Translator, style: Style) -> str:
    out = [style(msg("Diagnosis for {address}", address=report.address).render(tr), "bold")]
    if report.discovery is not None and report.discovery.config is not None:
        config = report.discovery.config
        label = SOURCE_LABELS.get(config.source)
        where = label.render(tr) if label else config.source
        trust = tr("trusted") if config.trusted else tr("not confirmed - please check")
        out.append(f"{tr('Settings from')}: {where} ({trust})")
    for server_report in report.servers:
        server = server_report.server
        out.append("")
        status = server_report.status
        out.append(style(_server_heading(server, tr), "bold") + "  " +
                   style(f"[{STATUS_WORD[status].render(tr)}]", *STATUS_STYLE[status]))
        trust = TRUST_LABELS[server_report.trust].render(tr)
        out.append("  " + (style(trust, "yellow") if server_report.trust == "unconfirmed"
                           else style(trust, "dim")))
        current_address = object()
        for check in report.checks:
            if check.server != server.url:
                continue
            if check.id in QUIET_WHEN_FINE and check.status == "pass" and \
                    server_report.status == "pass":
                continue
            if check.address != current_address:
                current_address = check.address
                if check.address:
                    out.append(f"  {style(check.address, 'cyan')}")
            indent = "    " if check.address else "  "
            title, explanation, fix = check_texts(check, tr)
            mark = style(STATUS_MARK[check.status], *STATUS_STYLE[check.status])
            timing = f"  ({check.elapsed_ms} ms)" if check.elapsed_ms and \
                check.category == "connect" else ""
            out.append(f"{indent}{mark} {title}{timing}")
            if check.status in ("warn", "fail") or check.id in ("login.ok", "mailbox.ok",
                                                                "mailbox.pop3", "tls.ok",
                                                                "certificate.ok"):
                out.append(f"{indent}    {explanation}")
            if fix and check.status in ("warn", "fail"):
                out.append(f"{indent}    {style(tr('What to do') + ':', 'bold')} {fix}")
            response = check.details.get("response")
            if response and check.status == "fail":
                out.append(f"{indent}    {tr('Server said')}: {sanitize(response)}")
    if report.transcript:
        out.append("")
        out.append(style(tr("Transcript"), "bold"))
        for line in report.transcript:
            out.append(f"  {line['server']} {line['address'] or ''} {line['direction']}: "
                       f"{line['line']}")
    out.append("")
    out.append(style(verdict_text(report, tr),
                     *{"ok": ("green", "bold"), "warning": ("yellow", "bold"),
                       "problem": ("red", "bold")}[report.verdict]))
    return "\n".join(out)


_MD_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _md(text: str) -> str:
    """``text`` as literal Markdown: every ASCII punctuation character gets a
    backslash (CommonMark allows that for each of them), so server text can
    form no link, image, HTML, heading, emphasis, table cell or code, and
    GitHub's automatic links (www., https:, name@host) do not start."""
    return "".join(f"\\{c}" if c in _MD_PUNCTUATION else c for c in sanitize(text))


def _code(text: str) -> str:
    """``text`` as a Markdown code span: fenced by more backticks than any run
    inside it and padded with spaces, so it cannot end early."""
    text = sanitize(text)
    fence = "`" * (_longest_backtick_run([text]) + 1)
    return f"{fence} {text} {fence}"


def _code_block(lines: list[str]) -> list[str]:
    """``lines`` as a fenced code block whose fence no line can close."""
    fence = "`" * max(3, _longest_backtick_run(lines) + 1)
    return [fence, *lines, fence]


def _longest_backtick_run(texts: list[str]) -> int:
    import re
    return max((len(run) for text in texts for run in re.findall("`+", text)), default=0)


def render_markdown(report: Report, tr: Translator) -> str:
    out = [f"## {_md(msg('Diagnosis for {address}', address=report.address).render(tr))}", ""]
    out.append(f"**{_md(verdict_text(report, tr))}**")
    if report.discovery is not None and report.discovery.config is not None:
        config = report.discovery.config
        label = SOURCE_LABELS.get(config.source)
        out.append("")
        out.append(f"{tr('Settings from')}: {_md(label.render(tr) if label else config.source)}")
    for server_report in report.servers:
        server = server_report.server
        out.append("")
        out.append(f"### {_md(_server_heading(server, tr))} - "
                   f"{STATUS_WORD[server_report.status].render(tr)}")
        out.append("")
        out.append(f"_{_md(TRUST_LABELS[server_report.trust].render(tr))}_")
        out.append("")
        out.append(f"| | {tr('Check')} | {tr('Address')} | ms |")
        out.append("|---|---|---|---|")
        notes = []
        for check in report.checks:
            if check.server != server.url:
                continue
            title, explanation, fix = check_texts(check, tr)
            out.append(f"| {STATUS_MARK[check.status]} | {_md(title)} | "
                       f"{_md(check.address or '')} | {check.elapsed_ms} |")
            if check.status in ("warn", "fail"):
                note = f"- **{_md(title)}**: {_md(explanation)}"
                if fix:
                    note += f" *{_md(tr('What to do'))}:* {_md(fix)}"
                response = check.details.get("response")
                if response:
                    note += f" ({_code(str(response))})"
                if note not in notes:
                    notes.append(note)
        if notes:
            out.append("")
            out.extend(notes)
    if report.transcript:
        out.append("")
        out.append(f"<details><summary>{_md(tr('Transcript'))}</summary>")
        out.append("")
        out.extend(_code_block([sanitize(f"{line['server']} {line['address'] or ''} "
                                         f"{line['direction']}: {line['line']}")
                                for line in report.transcript]))
        out.append("</details>")
    out.append("")
    out.append(f"_{_md(tr('Passwords are never included in this report.'))}_")
    return "\n".join(out)
