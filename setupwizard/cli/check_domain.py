"""``setupwizard check-domain``: what a domain publishes for mail programs."""

from __future__ import annotations

from ..i18n import Translator
from ..ui.terminal import Environment, Style
from .options import CheckDomainCommand, discovery_options, net_options
from .output import dumps, print_line
from .status import ExitStatus


def command(args, env: Environment, tr: Translator) -> CheckDomainCommand:
    """CheckDomainCommand from argv; UsageError for a malformed domain."""
    from ..domaincheck import parse_domain
    domain, _ = parse_domain(args.domain)  # UsageError before anything is asked
    return CheckDomainCommand(domain=domain, json=args.json, net=net_options(args, tr),
                              discovery=discovery_options(args, tr))


def run(command: CheckDomainCommand, env: Environment, tr: Translator) -> ExitStatus:
    """Check the domain and print the report; NOT_FOUND unless it works."""
    from ..domaincheck import check_domain
    from ..net import Network
    from ..ui.domaincheck_view import render_text, report_to_json

    with Network(command.net) as network:
        network.check_ca_file()  # a broken --ca-file is a usage error, before any lookup
        report = check_domain(command.domain, network=network, options=command.discovery)
    if command.json:
        print_line(env, dumps(report_to_json(report, tr)))
    else:
        print_line(env, render_text(report, tr, Style(env.colour)))
    return ExitStatus.OK if report.works else ExitStatus.NOT_FOUND
