"""``setupwizard diagnose``: test IMAP, POP3 and SMTP end to end and explain
every finding."""

from __future__ import annotations

from ..errors import SetupWizardError
from ..i18n import Translator
from ..ui.terminal import Environment, Style
from .options import (DiagnoseCommand, checked_address, discovery_options, net_options,
                      servers_from_args)
from .output import dumps, print_line
from .secrets import read_secret, secret_source
from .status import ExitStatus


def command(args, env: Environment, tr: Translator) -> DiagnoseCommand:
    """DiagnoseCommand from argv and environment; UsageError for a malformed
    address or server."""
    checked_address(args.address, tr)
    servers = servers_from_args(args)
    if args.no_login:
        source = "none"
    elif args.oauth2_token_stdin:
        source = "token-stdin"
    else:
        source = secret_source(from_stdin=args.password_stdin, env=env)
    output = "json" if args.json else "markdown" if args.markdown else "text"
    return DiagnoseCommand(address=args.address, servers=servers, username=args.username,
                           login=not args.no_login, secret_source=source,
                           allow_insecure_password=args.allow_insecure_password,
                           output=output, transcript=args.transcript,
                           net=net_options(args, tr), discovery=discovery_options(args, tr),
                           trust_discovered=args.trust_discovered)


def run(command: DiagnoseCommand, env: Environment, tr: Translator) -> ExitStatus:
    """Diagnose and print the report; NOT_FOUND when a problem prevents use."""
    from ..net import Network

    with Network(command.net) as network:
        network.check_ca_file()  # a broken --ca-file is a usage error, before any lookup
        return _diagnose(command, network, env, tr)


def _diagnose(command: DiagnoseCommand, network, env: Environment,
              tr: Translator) -> ExitStatus:
    from ..diagnostics import ProbeOptions, diagnose, recommended_servers
    from ..diagnostics.redaction import Redactor, secret_forms
    from ..ui.diagnose_view import render_markdown, render_text, report_to_json
    from ..ui.discovery_view import render_text as render_discovery

    secret = read_secret(command.secret_source, env,
                         prompt=tr("Password (not shown; Enter to skip sign-in): "),
                         empty_stdin=tr("standard input is empty: nothing to sign in with"))
    password, token = (None, secret) if command.secret_source == "token-stdin" \
        else (secret, None)
    servers = list(command.servers)
    discovery = None
    if not servers:
        from ..discovery import discover
        discovery = discover(command.address, network=network, options=command.discovery)
        servers = recommended_servers(discovery)
        if not servers:
            style = Style(env.colour and command.output == "text")
            print_line(env, render_discovery(discovery, tr, style),
                       err=command.output != "text")
            raise SetupWizardError(tr("No settings found. Name the servers with --imap, "
                                      "--pop3 and --smtp."))
    # every time limit comes from network.timeouts (runtime.Timeouts)
    options = ProbeOptions(login=command.login,
                           allow_insecure_password=command.allow_insecure_password)
    report = diagnose(command.address, servers, network=network, username=command.username,
                      password=password, token=token, options=options,
                      record_transcript=command.transcript, discovery=discovery,
                      confirmed="flag" if command.trust_discovered else None)
    if command.output == "json":
        text = dumps(report_to_json(report, tr))
    elif command.output == "markdown":
        text = render_markdown(report, tr)
    else:
        text = render_text(report, tr, Style(env.colour))
    # belt and braces: the report's details are already scrubbed
    text = Redactor(secret_forms(command.username or command.address, password,
                                 token)).text(text)
    print_line(env, text)
    return ExitStatus.OK if report.verdict in ("ok", "warning") else ExitStatus.NOT_FOUND
