"""``setupwizard discover``: the settings for one or many addresses."""

from __future__ import annotations

from ..errors import InvalidAddress, UsageError
from ..i18n import Translator
from ..ui.terminal import Environment, Style
from .options import DiscoverCommand, checked_address, discovery_options, net_options
from .output import dumps, print_line
from .status import ExitStatus

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Iterator


def command(args, env: Environment, tr: Translator) -> DiscoverCommand:
    """DiscoverCommand from argv; UsageError for an unknown source or a
    malformed address on the command line (before anything is asked)."""
    from ..discovery import ALL_SOURCES
    only = None
    if args.only:
        only = tuple(s.strip() for s in args.only.split(",") if s.strip())
        unknown = [s for s in only if s not in ALL_SOURCES]
        if unknown or not only:
            raise UsageError(tr("unknown source {names}; choose from {choices}").format(
                names=", ".join(unknown) or "''", choices=", ".join(ALL_SOURCES)))
    net = net_options(args, tr)
    options = discovery_options(args, tr, only=only, offline=args.offline)
    return DiscoverCommand(addresses=tuple(args.addresses), json=args.json, net=net,
                           discovery=options)


def read_addresses(names: Iterable[str], stdin) -> Iterator[str]:
    """The addresses in ``names``, where ``-`` stands for the lines of
    standard input (blank lines and # comments skipped), read lazily."""
    for name in names:
        if name == "-":
            for line in stdin:
                line = line.strip()
                if line and not line.startswith("#"):
                    yield line
        else:
            yield name


def run(command: DiscoverCommand, env: Environment, tr: Translator) -> ExitStatus:
    """Look up every address and print each result in input order."""
    from ..discovery import discover_many
    from ..net import Network
    from ..providers import ProviderDatabase
    from ..ui.discovery_view import (invalid_address_text, invalid_to_json, render_text,
                                     result_to_json)

    # Addresses on the command line are checked before anything is asked:
    # a typo is a usage error, not "nothing found".
    for text in command.addresses:
        if text != "-":
            checked_address(text, tr)

    with Network(command.net) as network:
        network.check_ca_file()  # a broken --ca-file is a usage error, before any lookup
        providers = ProviderDatabase.load()
        style = Style(env.colour and not command.json)
        texts = read_addresses(command.addresses, env.stdin)
        status = ExitStatus.OK
        first = True
        results = discover_many(texts, options=command.discovery, network=network,
                                providers=providers)
        for text, result in results:
            if isinstance(result, InvalidAddress):
                status = ExitStatus.USAGE
                if command.json:
                    print_line(env, dumps(invalid_to_json(text, result, tr)))
                else:
                    print_line(env, style(invalid_address_text(result, tr), "red"), err=True)
                continue
            if not result.found and status == ExitStatus.OK:
                status = ExitStatus.NOT_FOUND
            if command.json:
                print_line(env, dumps(result_to_json(result, tr)))
            else:
                if not first:
                    print_line(env, "")
                print_line(env, render_text(result, tr, style))
            first = False
    return status
