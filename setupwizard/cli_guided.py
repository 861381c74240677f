"""The ``wizard`` and ``explain`` commands (kept apart from cli.py, which
holds the scriptable one-step commands and the exit boundary)."""

from __future__ import annotations

from .errors import UsageError
from .i18n import Translator, msg
from .ui.terminal import Environment, Style, sanitize


def add_parsers(commands, *, common, network, finding, servers, tr: Translator) -> None:
    wizard = commands.add_parser(
        "wizard", parents=[common, network, finding, servers],
        help=tr("set up an account step by step (the default on a terminal)"),
        description=tr("A few friendly questions from your e-mail address to a working "
                       "account on every device. Every answer also has a flag, so the "
                       "same flow runs without a terminal."),
        epilog=tr("Exit status: 0 done, 1 stopped (nothing found, sign-in failed), "
                  "2 usage error or a missing answer, 130 interrupted."))
    wizard.add_argument("--address", metavar=tr("ADDRESS"), help=tr("your e-mail address"))
    wizard.add_argument("--protocol", choices=("imap", "pop3"),
                        help=tr("how to fetch mail (default: asked, with a recommendation)"))
    keep = wizard.add_mutually_exclusive_group()
    keep.add_argument("--keep-on-server", dest="keep", action="store_true", default=None,
                      help=tr("POP3: leave a copy of each message on the server"))
    keep.add_argument("--no-keep-on-server", dest="keep", action="store_false",
                      help=tr("POP3: remove messages from the server after fetching"))
    secret = wizard.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true",
                        help=tr("read the password from the first line of standard input"))
    secret.add_argument("--no-login", action="store_true",
                        help=tr("skip the sign-in test"))
    wizard.add_argument("--devices", metavar="thunderbird,outlook,apple,android,other",
                        help=tr("the devices and programs to make files for"))
    wizard.add_argument("--out", metavar=tr("FOLDER"),
                        help=tr("where to write the files (default: ./setupwizard-ADDRESS/)"))
    wizard.add_argument("--name", help=tr("your name as recipients should see it"))
    wizard.add_argument("--yes", action="store_true",
                        help=tr("answer every confirmation with yes (settings from "
                                "unconfirmed sources included)"))

    explain = commands.add_parser(
        "explain", parents=[common],
        help=tr("print the plain-language explanations"),
        description=tr("Print a plain-language explanation, for example to paste into a "
                       "reply to a customer."))
    explain.add_argument("topic", nargs="?", metavar=tr("TOPIC"),
                         help=tr("imap-vs-pop3, encryption, app-passwords, oauth2, ports, "
                                 "findings, or a finding id such as login.app-password; "
                                 "without a topic: the list"))
    explain.add_argument("--markdown", action="store_true", help=tr("print Markdown"))


# -- explain ---------------------------------------------------------------------

def run_explain(args, env: Environment, tr: Translator) -> int:
    from .explain.findings import FINDINGS
    from .explain.topics import TOPICS
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
    return 0


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
    "source": msg("where the settings came from"),
}


def _generic(text: str, tr: Translator) -> str:
    """A finding's text without a particular server: each {field} becomes a
    bracketed word saying what would stand there."""
    import re

    def label(match) -> str:
        name = FIELD_LABELS.get(match.group(1))
        return f"[{name.render(tr)}]" if name else "[…]"
    return re.sub(r"\{([a-z_]+)\}", label, text)


# -- wizard ----------------------------------------------------------------------

def run_wizard(args, env: Environment, tr: Translator, *, net_options, discovery_options,
               lang_given: bool) -> int:
    from pathlib import Path

    from .cli import servers_from_args
    from .net import Network
    from .providers import ProviderDatabase
    from .ui.prompter import Cancelled, MissingAnswer, Prompter
    from .wizard import DEVICES, Wizard, WizardOptions, WizardStopped

    interactive = env.stdin_isatty and env.stdout_isatty and not args.password_stdin
    devices = None
    if args.devices:
        devices = tuple(d.strip() for d in args.devices.split(",") if d.strip())
        unknown = [d for d in devices if d not in DEVICES]
        if unknown or not devices:
            raise UsageError(msg("unknown device {names}; choose from {choices}",
                                 names=", ".join(unknown) or "''",
                                 choices=", ".join(DEVICES)))
    servers = servers_from_args(args)
    password = None
    if args.password_stdin:
        from .cli import _read_secret
        password = _read_secret("stdin", env, prompt="", empty_stdin=tr(
            "standard input is empty: nothing to sign in with"))
    options = WizardOptions(
        lang_given=lang_given, address=args.address, protocol=args.protocol,
        password=password, test_login=not args.no_login, devices=devices,
        out=Path(args.out) if args.out else None, name=args.name, keep_on_server=args.keep,
        servers=servers, net=net_options, discovery=discovery_options)
    style = Style(env.colour)
    answers = {key: value for key, value in (
        ("address", args.address), ("protocol", args.protocol),
        ("leave-on-server", args.keep), ("devices", devices), ("password", password),
        ("name", args.name)) if value is not None}
    prompter = Prompter(tr=tr, interactive=interactive, assume_yes=args.yes, answers=answers,
                        output=lambda text: (env.stdout.write(text + "\n"),
                                             env.stdout.flush()))
    network = Network(net_options)
    network.tls_context()
    wizard = Wizard(prompter, options, style=style, network=network,
                    providers=ProviderDatabase.load())
    try:
        results = wizard.run()
    except Cancelled:
        env.stderr.write("\n" + prompter.tr("Stopped. Nothing was changed.") + "\n")
        return 130
    except MissingAnswer as exc:
        raise UsageError(msg("no terminal to ask on: give the answer with {flag}",
                             flag=exc.flag)) from None
    except WizardStopped as exc:
        env.stderr.write(sanitize(prompter.tr.render(exc.message)) + "\n")
        return exc.status
    return 0 if all(r.ok for r in results) else 1
