"""``setupwizard providers``: list, show, validate and compare the bundled
provider database."""

from __future__ import annotations

import os

from ..errors import SetupWizardError, UsageError
from ..i18n import Translator, msg
from ..text import sanitize
from ..ui.terminal import Environment, Style
from .options import ProvidersCommand, discovery_options, net_options
from .output import dumps, print_line
from .status import ExitStatus


def command(args, env: Environment, tr: Translator) -> ProvidersCommand:
    """ProvidersCommand from argv; UsageError without an action or with a
    folder that does not exist."""
    action = args.providers_action
    if action is None:
        raise UsageError(tr("say what to do: providers list, show, validate or compare"))
    path = args.path if action == "validate" else getattr(args, "folder", None)
    if path is not None and not os.path.isdir(path):
        raise UsageError(msg("{path} is not a folder", path=path))
    if action == "compare":
        return ProvidersCommand(action=action, json=args.json, net=net_options(args, tr),
                                ispdb_url=discovery_options(args, tr).ispdb_url)
    return ProvidersCommand(action=action, json=args.json,
                            target=getattr(args, "target", None), path=path)


def run(command: ProvidersCommand, env: Environment, tr: Translator) -> ExitStatus:
    """Run the action; NOT_FOUND for an unknown provider, problems found or
    differences found."""
    from ..providers import ProviderDatabase, default_location, validate
    from ..ui import providers_view as view

    style = Style(env.colour and not command.json)
    if command.action == "validate":
        folder = str(command.path or default_location())
        problems = validate(command.path)
        print_line(env, dumps(view.problems_json(folder, problems))
                   if command.json else view.render_problems(folder, problems, tr, style))
        return ExitStatus.NOT_FOUND if problems else ExitStatus.OK
    database = ProviderDatabase.load(command.path)
    if command.action == "list":
        print_line(env, dumps([view.provider_summary_json(p) for p in database])
                   if command.json else view.render_list(database, tr, style))
        return ExitStatus.OK
    if command.action == "show":
        target = command.target.strip()
        name = target.rpartition("@")[2].lower()
        provider = database.by_id(name) or database.by_domain(name)
        if provider is None:
            raise SetupWizardError(msg("no provider has the id or domain {name}; "
                                       "setupwizard providers list shows them all",
                                       name=sanitize(target)[:100]))
        print_line(env, dumps(view.provider_json(provider, tr.lang))
                   if command.json else view.render_provider(provider, tr, style))
        return ExitStatus.OK

    from ..net import Network
    from ..providers import compare_with_ispdb
    with Network(command.net) as network:
        network.check_ca_file()  # a broken --ca-file is a usage error, before any request
        # every time limit comes from network.timeouts (runtime.Timeouts)
        results = compare_with_ispdb(database, command.ispdb_url, network=network)
    print_line(env, dumps(view.comparison_json(results, command.ispdb_url, tr))
               if command.json else view.render_comparison(results, command.ispdb_url, tr,
                                                           style))
    if any(r.status in ("differs", "error") for r in results):
        return ExitStatus.NOT_FOUND
    return ExitStatus.OK
