"""``setupwizard wizard``: the guided flow (``ui/wizard.py``) on a terminal,
or scripted with a flag for every answer."""

from __future__ import annotations

from ..errors import UsageError, WizardStopped
from ..i18n import Translator, msg
from ..text import sanitize
from ..ui.terminal import Environment, Style
from .options import discovery_options, net_options, servers_from_args
from .secrets import read_secret
from .status import ExitStatus


def run(args, env: Environment, tr: Translator) -> int:
    """Run the flow; its exit status (0 done, 1 stopped, 130 cancelled).
    UsageError when a scripted run lacks an answer or a flag is bad."""
    from pathlib import Path

    from ..net import Network
    from ..providers import ProviderDatabase
    from ..ui.prompter import Cancelled, MissingAnswer, Prompter, terminal_width
    from ..ui.wizard import DEVICES, Wizard, WizardOptions

    net = net_options(args, tr)
    discovery = discovery_options(args, tr)
    lang_given = bool(args.lang) or "SETUPWIZARD_LANG" in env.environ
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
        password = read_secret("stdin", env, prompt="", empty_stdin=tr(
            "standard input is empty: nothing to sign in with"))
    options = WizardOptions(
        lang_given=lang_given, address=args.address, protocol=args.protocol,
        password=password, test_login=not args.no_login, devices=devices,
        out=Path(args.out) if args.out else None, name=args.name, keep_on_server=args.keep,
        servers=servers, net=net, discovery=discovery,
        verbose=args.verbose)
    style = Style(env.colour)
    answers = {key: value for key, value in (
        ("address", args.address), ("protocol", args.protocol),
        ("leave-on-server", args.keep), ("devices", devices), ("password", password),
        ("name", args.name)) if value is not None}
    prompter = Prompter(tr=tr, interactive=interactive, assume_yes=args.yes, answers=answers,
                        output=lambda text: (env.stdout.write(text + "\n"),
                                             env.stdout.flush()),
                        raw=lambda text: (env.stdout.write(text), env.stdout.flush()),
                        width=terminal_width if env.stdout_isatty else None)
    with Network(net) as network:
        # a broken --ca-file is a usage error now; the TLS context itself is
        # built by the warm-up while the user types (ui/wizard.py)
        network.check_ca_file()
        wizard = Wizard(prompter, options, style=style, network=network,
                        providers=ProviderDatabase.load())
        try:
            results = wizard.run()
        except Cancelled:
            env.stderr.write("\n" + prompter.tr("Stopped. Nothing was changed.") + "\n")
            return ExitStatus.INTERRUPTED
        except MissingAnswer as exc:
            if len(exc.flags) == 1:
                raise UsageError(msg("no terminal to ask on: give the answer with {flag}",
                                     flag=exc.flags[0])) from None
            raise UsageError(msg("no terminal to ask on: give the answers with {flags}",
                                 flags=", ".join(exc.flags))) from None
        except WizardStopped as exc:
            env.stderr.write(sanitize(prompter.tr.render(exc.message)) + "\n")
            return exc.status
    return ExitStatus.OK if all(r.ok for r in results) else ExitStatus.NOT_FOUND
