"""``setupwizard explain``: the plain-language explanations, as text or
Markdown."""

from __future__ import annotations

from ..errors import UsageError
from ..i18n import Translator, msg
from ..text import sanitize
from ..ui.terminal import Environment, Style
from .status import ExitStatus


def run(args, env: Environment, tr: Translator) -> ExitStatus:
    """Print the list of topics, one topic, or what findings mean; UsageError
    for an unknown topic."""
    from ..explain.findings import FINDINGS
    from ..explain.topics import TOPICS
    md = args.markdown
    style = Style(env.colour and not md)
    out: list[str] = []

    def heading(text: str, level: int = 1) -> None:
        out.append(("#" * (level + 1) + " " + text) if md else style(text, "bold"))

    topic = args.topic
    if topic is None:
        heading(tr("Topics"))
        for t in TOPICS.values():
            out.append(f"{'- ' if md else '  '}{t.id}: {tr(t.title)}")
        out.append(f"{'- ' if md else '  '}findings: {tr('what each diagnostics finding means')}")
    elif topic in TOPICS:
        t = TOPICS[topic]
        heading(tr(t.title))
        for paragraph in t.paragraphs:
            out.append("")
            out.append(tr(paragraph))
    elif topic == "findings" or topic in FINDINGS or any(
            f.startswith(topic + ".") for f in FINDINGS):
        chosen = [f for f in FINDINGS.values()
                  if topic == "findings" or f.id == topic or f.id.startswith(topic + ".")]
        if topic == "findings":
            heading(tr("What the diagnostics findings mean"))
        for finding in chosen:
            out.append("")
            heading(f"{finding.id}: {_generic(tr(finding.title), tr)}", 2)
            out.append(_generic(tr(finding.explanation), tr))
            if finding.fix:
                out.append(("**" + tr("What to do") + ":** ") if md else
                           style(tr("What to do") + ": ", "bold"))
                out[-1] += _generic(tr(finding.fix), tr)
    else:
        raise UsageError(msg("unknown topic {topic}; run \"setupwizard explain\" for the list",
                             topic=sanitize(topic)))
    env.stdout.write("\n".join(out).strip("\n") + "\n")
    return ExitStatus.OK


#: what a finding's {field} stands for, when no particular server is meant
FIELD_LABELS = {
    "host": msg("server name"), "address": msg("server address"), "port": msg("port"),
    "addresses": msg("addresses"), "text": msg("the server's message"),
    "reason": msg("the reason"), "username": msg("username"), "protocol": msg("protocol"),
    "version": msg("TLS version"), "cipher": msg("cipher"), "not_after": msg("date"),
    "not_before": msg("date"), "days": msg("number"), "messages": msg("number"),
    "folders": msg("number"), "size": msg("number"), "ms": msg("number"),
    "names": msg("names"), "issuer": msg("issuer"), "mechanisms": msg("methods"),
    "capabilities": msg("capabilities"), "kind": msg("error"), "tested": msg("address"),
    "source": msg("where the settings came from"), "valid_until": msg("date"),
    "valid_from": msg("date"), "why": msg("the reason"),
}


def _generic(text: str, tr: Translator) -> str:
    """A finding's text without a particular server: each {field} becomes a
    bracketed word saying what would stand there."""
    import re

    def label(match) -> str:
        name = FIELD_LABELS.get(match.group(1))
        return f"[{name.render(tr)}]" if name else "[…]"
    return re.sub(r"\{([a-z_]+)\}", label, text)
