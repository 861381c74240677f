"""The command line: argv -> options -> core -> rendering -> exit status.

This is the one boundary where exceptions become exit statuses (see
ExitStatus); ``argparse.Namespace`` never leaves this module. Heavy modules
are imported inside the command functions so ``--help`` starts fast.
"""

from __future__ import annotations

import argparse
import enum
import json
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from .errors import InvalidAddress, SetupWizardError, UsageError
from .i18n import LANGUAGES, N_, Translator, detect_language, normalise_language
from .ui.terminal import Environment, Style, sanitize

__all__ = ["main", "ExitStatus"]


class ExitStatus(enum.IntEnum):
    """Documented exit statuses (README, "Exit status")."""

    OK = 0
    #: discover: no settings for at least one address
    NOT_FOUND = 1
    #: bad flags, a malformed address
    USAGE = 2
    #: Ctrl-C
    INTERRUPTED = 130


# argparse's own texts, so the catalogue carries their German form
ARGPARSE_TEXTS = (
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"), N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"), N_("expected one argument"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("invalid %(type)s value: %(value)r"), N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"), N_("expected at least one argument"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("expected at most one argument"), N_("one of the arguments %s is required"),
)


def pick_language(argv: Sequence[str], environ) -> str:
    """--lang wins (anywhere in argv), then SETUPWIZARD_LANG, then the locale."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            lang = normalise_language(argv[index + 1])
            if lang:
                return lang
        elif arg.startswith("--lang="):
            lang = normalise_language(arg.split("=", 1)[1])
            if lang:
                return lang
    return normalise_language(environ.get("SETUPWIZARD_LANG")) or detect_language(environ)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors use our exit status for usage errors."""

    def error(self, message: str):  # pragma: no cover - exercised via CLI tests
        self.print_usage(sys.stderr)
        self.exit(ExitStatus.USAGE, self._tr("%(prog)s: error: %(message)s\n")
                  % {"prog": self.prog, "message": message})


def build_parser(tr: Translator) -> argparse.ArgumentParser:
    argparse._ = tr.gettext  # argparse looks its texts up through this name
    _Parser._tr = staticmethod(tr.gettext)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGUAGES,
                        help=tr("language of all output: en or de (default: from the locale)"))
    network = argparse.ArgumentParser(add_help=False)
    network.add_argument("--dns-server", action="append", default=[], metavar="IP[:PORT]",
                         help=tr("ask this DNS server for every name (SRV, MX and the "
                                 "addresses of web and mail servers); repeatable"))
    network.add_argument("--ca-file", metavar="PEM",
                         help=tr("also trust the certificate authorities in this file"))
    def seconds(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(tr("not a number of seconds: {value}").format(
                value=text)) from None
        if not 0 < value <= 300:
            raise argparse.ArgumentTypeError(tr("--timeout must be between 0 and 300 "
                                                "seconds"))
        return value

    network.add_argument("--timeout", type=seconds, default=5.0, metavar=tr("SECONDS"),
                         help=tr("seconds to wait for each answer (default 5); the whole "
                                 "lookup gets three times as long"))

    finding = argparse.ArgumentParser(add_help=False)
    finding.add_argument("--ispdb-url", metavar="URL",
                         help=tr("base URL of the ISPDB (default: Thunderbird's)"))

    parser = _Parser(
        prog="setupwizard",
        description=tr("Find, test and explain the settings of an e-mail account."),
        epilog=tr("Exit status: 0 success, 1 no settings found (or a problem), "
                  "2 usage error, 130 interrupted."),
        parents=[common])
    parser.add_argument("--version", action="store_true",
                        help=tr("show the version and exit"))
    commands = parser.add_subparsers(dest="command", metavar=tr("COMMAND"),
                                     parser_class=_Parser)

    discover = commands.add_parser(
        "discover", parents=[common, network, finding],
        help=tr("find the server settings for e-mail addresses"),
        description=tr("Find the incoming (IMAP, POP3) and outgoing (SMTP) servers for "
                       "each address, from every source at once, and say where each "
                       "setting came from and whether that source can be trusted."),
        epilog=tr("Sources, best first: providers, autoconfig, well-known, ispdb, mx, "
                  "srv, autodiscover, autoconfig-http; guess only when all of them found "
                  "nothing, or with --only guess. Exit status: 0 settings found "
                  "for every address, 1 not for at least one, 2 usage error "
                  "(bad flag, malformed address)."))
    discover.add_argument("addresses", nargs="+", metavar=tr("ADDRESS"),
                          help=tr("e-mail address; - reads addresses from standard "
                                  "input, one per line"))
    discover.add_argument("--json", action="store_true",
                          help=tr("print one JSON object per address per line "
                                  "(JSON Lines), in input order"))
    discover.add_argument("--only", metavar=tr("SOURCE[,SOURCE...]"),
                          help=tr("ask only these sources"))
    discover.add_argument("--offline", action="store_true",
                          help=tr("use only the bundled provider database"))

    diagnose = commands.add_parser(
        "diagnose", parents=[common, network, finding],
        help=tr("test IMAP, POP3 and SMTP and explain every problem"),
        description=tr("Test the servers of an account end to end - name lookup, every "
                       "address, encryption and certificate, sign-in and mailbox - and "
                       "explain each finding with a fix. Without server flags the "
                       "settings are discovered first."),
        epilog=tr("The password comes from a hidden prompt, --password-stdin or the "
                  "environment variable SETUPWIZARD_PASSWORD, never from the command "
                  "line. Exit status: 0 the account can be used (warnings allowed), "
                  "1 a problem prevents it, 2 usage error."))
    diagnose.add_argument("address", metavar=tr("ADDRESS"), help=tr("the e-mail address"))
    for protocol in ("imap", "pop3", "smtp"):
        diagnose.add_argument(f"--{protocol}", metavar="HOST[:PORT][/tls|/starttls|/plain]",
                              help=tr("test this {protocol} server instead of discovering "
                                      "one").replace("{protocol}", protocol.upper()))
    diagnose.add_argument("--username", help=tr("username (default: what discovery "
                                                "found, else the address)"))
    secret = diagnose.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true",
                        help=tr("read the password from the first line of standard input"))
    secret.add_argument("--oauth2-token-stdin", action="store_true",
                        help=tr("read an OAuth2 access token from standard input and sign "
                                "in with OAUTHBEARER or XOAUTH2"))
    secret.add_argument("--no-login", action="store_true",
                        help=tr("run every check except signing in"))
    diagnose.add_argument("--allow-insecure-password", action="store_true",
                          help=tr("allow sending the password over an unencrypted "
                                  "connection for this run (the report says so)"))
    output = diagnose.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help=tr("print a JSON object"))
    output.add_argument("--markdown", action="store_true",
                        help=tr("print a Markdown report for a support ticket"))
    diagnose.add_argument("--transcript", action="store_true",
                          help=tr("add the protocol conversation (passwords replaced by "
                                  "***)"))
    return parser


@dataclass(frozen=True)
class DiagnoseCommand:
    """Everything ``diagnose`` needs, built once from argv and environment."""

    address: str
    servers: tuple
    username: str | None
    login: bool
    secret_source: str  # none | stdin | token-stdin | env | prompt
    allow_insecure_password: bool
    output: str  # text | json | markdown
    transcript: bool
    net: "object"
    discovery: "object"


def _diagnose_command(args, env: Environment, tr: Translator) -> DiagnoseCommand:
    from .diagnostics import parse_server_spec
    from .models import EmailAddress
    from .ui.discovery_view import invalid_address_text
    try:
        EmailAddress.parse(args.address)
    except InvalidAddress as exc:
        raise UsageError(invalid_address_text(exc, tr)) from None
    servers = tuple(parse_server_spec(getattr(args, p), p) for p in ("imap", "pop3", "smtp")
                    if getattr(args, p))
    if args.no_login:
        source = "none"
    elif args.oauth2_token_stdin:
        source = "token-stdin"
    elif args.password_stdin:
        source = "stdin"
    elif env.environ.get("SETUPWIZARD_PASSWORD"):
        source = "env"
    elif env.stdin_isatty:
        source = "prompt"
    else:
        source = "none"
    output = "json" if args.json else "markdown" if args.markdown else "text"
    return DiagnoseCommand(address=args.address, servers=servers, username=args.username,
                           login=not args.no_login, secret_source=source,
                           allow_insecure_password=args.allow_insecure_password,
                           output=output, transcript=args.transcript,
                           net=(net := _net_options(args, tr)),
                           discovery=_discovery_options(args, net, tr))


def _read_secret(command: DiagnoseCommand, env: Environment, tr: Translator
                 ) -> tuple[str | None, str | None]:
    """(password, token) from where the command says; never from argv."""
    if command.secret_source in ("stdin", "token-stdin"):
        line = env.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError(tr("standard input is empty: nothing to sign in with"))
        return (line, None) if command.secret_source == "stdin" else (None, line)
    if command.secret_source == "env":
        return env.environ["SETUPWIZARD_PASSWORD"], None
    if command.secret_source == "prompt":
        import getpass
        password = getpass.getpass(tr("Password (not shown; Enter to skip sign-in): "))
        return (password or None), None
    return None, None


def run_diagnose(command: DiagnoseCommand, env: Environment, tr: Translator) -> ExitStatus:
    from .diagnostics import ProbeOptions, diagnose, recommended_servers
    from .net import Network
    from .ui.diagnose_view import render_markdown, render_text, report_to_json
    from .ui.discovery_view import render_text as render_discovery

    network = Network(command.net)
    network.tls_context()
    password, token = _read_secret(command, env, tr)
    servers = list(command.servers)
    discovery = None
    if not servers:
        from .discovery import discover
        discovery = discover(command.address, network=network, options=command.discovery)
        servers = recommended_servers(discovery)
        if not servers:
            style = Style(env.colour and command.output == "text")
            _print(env, render_discovery(discovery, tr, style), err=command.output != "text")
            raise SetupWizardError(tr("No settings found. Name the servers with --imap, "
                                      "--pop3 and --smtp."))
    timeout = command.net.timeout
    options = ProbeOptions(login=command.login,
                           allow_insecure_password=command.allow_insecure_password,
                           timeout=timeout, deadline=max(timeout * 3, timeout + 5))
    report = diagnose(command.address, servers, network=network, username=command.username,
                      password=password, token=token, options=options,
                      record_transcript=command.transcript, discovery=discovery)
    if command.output == "json":
        text = json.dumps(report_to_json(report, tr), ensure_ascii=False)
    elif command.output == "markdown":
        text = render_markdown(report, tr)
    else:
        text = render_text(report, tr, Style(env.colour))
    from .diagnostics.connection import MIN_SECRET
    for secret in (password, token):
        if secret and len(secret) >= MIN_SECRET:
            text = text.replace(secret, "***")  # belt and braces
    _print(env, text)
    return ExitStatus.OK if report.verdict in ("ok", "warning") else ExitStatus.NOT_FOUND


@dataclass(frozen=True)
class DiscoverCommand:
    """Everything ``discover`` needs, built once from argv."""

    addresses: tuple[str, ...]
    json: bool
    net: "object"
    discovery: "object"


def _net_options(args, tr: Translator):
    import os

    from .net import NetOptions, parse_dns_server
    servers = tuple(parse_dns_server(s) for s in args.dns_server)
    if args.ca_file is not None and not os.path.isfile(args.ca_file):
        raise UsageError(tr("CA file not found: {path}").format(path=args.ca_file))
    if not 0 < args.timeout <= 300:
        raise UsageError(tr("--timeout must be between 0 and 300 seconds"))
    return NetOptions(dns_servers=servers, ca_file=args.ca_file, timeout=args.timeout)


def _discovery_options(args, net, tr: Translator, **extra):
    """DiscoveryOptions from the flags every discovering command shares."""
    from .discovery import DEFAULT_ISPDB_URL, DiscoveryOptions
    ispdb = getattr(args, "ispdb_url", None) or DEFAULT_ISPDB_URL
    if not ispdb.startswith(("https://", "http://")):
        raise UsageError(tr("--ispdb-url must start with https:// or http://"))
    return DiscoveryOptions(ispdb_url=ispdb, timeout=net.timeout, deadline=net.timeout * 3,
                            **extra)


def _discover_command(args, tr: Translator) -> DiscoverCommand:
    from .discovery import ALL_SOURCES
    only = None
    if args.only:
        only = tuple(s.strip() for s in args.only.split(",") if s.strip())
        unknown = [s for s in only if s not in ALL_SOURCES]
        if unknown or not only:
            raise UsageError(tr("unknown source {names}; choose from {choices}").format(
                names=", ".join(unknown) or "''", choices=", ".join(ALL_SOURCES)))
    net = _net_options(args, tr)
    options = _discovery_options(args, net, tr, only=only, offline=args.offline)
    return DiscoverCommand(addresses=tuple(args.addresses), json=args.json, net=net,
                           discovery=options)


def _read_addresses(names: Iterable[str], stdin) -> Iterator[str]:
    for name in names:
        if name == "-":
            for line in stdin:
                line = line.strip()
                if line and not line.startswith("#"):
                    yield line
        else:
            yield name


def run_discover(command: DiscoverCommand, env: Environment, tr: Translator) -> ExitStatus:
    from .discovery import discover_many
    from .models import EmailAddress
    from .net import Network
    from .providers import ProviderDatabase
    from .ui.discovery_view import (invalid_address_text, invalid_to_json, render_text,
                                    result_to_json)

    # Addresses on the command line are checked before anything is asked:
    # a typo is a usage error, not "nothing found".
    for text in command.addresses:
        if text != "-":
            try:
                EmailAddress.parse(text)
            except InvalidAddress as exc:
                raise UsageError(invalid_address_text(exc, tr)) from None

    network = Network(command.net)
    network.tls_context()  # a broken --ca-file is a usage error, before any lookup
    providers = ProviderDatabase.load()
    style = Style(env.colour and not command.json)
    texts = _read_addresses(command.addresses, env.stdin)
    status = ExitStatus.OK
    first = True
    results = discover_many(texts, options=command.discovery, network=network,
                            providers=providers)
    for text, result in results:
        if isinstance(result, InvalidAddress):
            status = ExitStatus.USAGE
            if command.json:
                _print(env, json.dumps(invalid_to_json(text, result, tr), ensure_ascii=False))
            else:
                _print(env, style(invalid_address_text(result, tr), "red"), err=True)
            continue
        if not result.found and status == ExitStatus.OK:
            status = ExitStatus.NOT_FOUND
        if command.json:
            _print(env, json.dumps(result_to_json(result, tr), ensure_ascii=False))
        else:
            if not first:
                _print(env, "")
            _print(env, render_text(result, tr, style))
        first = False
    return status


def _print(env: Environment, text: str, *, err: bool = False) -> None:
    stream = env.stderr if err else env.stdout
    stream.write(text + "\n")
    stream.flush()


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the command line; return the exit status (never raises, but for
    SystemExit from --help)."""
    env = env or Environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    tr = Translator(pick_language(argv, env.environ))
    try:
        parser = build_parser(tr)
        args = parser.parse_args(argv)
        if args.version:
            from . import __version__
            _print(env, f"setupwizard {__version__}")
            return ExitStatus.OK
        if args.command == "discover":
            return run_discover(_discover_command(args, tr), env, tr)
        if args.command == "diagnose":
            return run_diagnose(_diagnose_command(args, env, tr), env, tr)
        parser.print_help(env.stdout)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        _print(env, "\n" + tr("Stopped."), err=True)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # the reader went away (| head): nothing more to say
        import os
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return ExitStatus.OK
    except UsageError as exc:
        _print(env, f"setupwizard: {sanitize(tr.render(exc.message))}", err=True)
        return ExitStatus.USAGE
    except SetupWizardError as exc:
        _print(env, f"setupwizard: {sanitize(tr.render(exc.message))}", err=True)
        return ExitStatus.NOT_FOUND


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
