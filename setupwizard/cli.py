"""The command line: argv -> options -> core -> rendering -> exit status.

This is the one boundary where exceptions become exit statuses (see
ExitStatus); ``argparse.Namespace`` never leaves this module. Heavy modules
are imported inside the command functions so ``--help`` starts fast.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
TYPE_CHECKING = False  # typing, dataclasses and json stay off the --help path
if TYPE_CHECKING:
    from typing import Iterable, Iterator, Sequence

    from .cli_commands import (CheckDomainCommand, DiagnoseCommand, DiscoverCommand,
                               ExportCommand, ProvidersCommand)

from .errors import InvalidAddress, SetupWizardError, UsageError
from .i18n import LANGUAGES, N_, Translator, detect_language, msg, normalise_language
from .ui.terminal import Environment, Style, sanitize

__all__ = ["main", "ExitStatus"]


class ExitStatus(enum.IntEnum):
    """Documented exit statuses (README, "Exit status")."""

    OK = 0
    #: discover: no settings for at least one address; export: nothing found, or a
    #: requested format could not be written; check-domain: something published is
    #: broken, or nothing is published
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
            # ASCII only: float() also takes Unicode digits such as "٣"
            if not text.isascii():
                raise ValueError(text)
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

    servers = argparse.ArgumentParser(add_help=False)
    for protocol in ("imap", "pop3", "smtp"):
        servers.add_argument(f"--{protocol}", metavar="HOST[:PORT][/tls|/starttls|/plain]",
                             help=tr("use this {protocol} server instead of discovering one"
                                     ).replace("{protocol}", protocol.upper()))

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
        "diagnose", parents=[common, network, finding, servers],
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
    diagnose.add_argument("--trust-discovered", action="store_true",
                          help=tr("send the password also to discovered servers whose "
                                  "source cannot prove they belong to your provider "
                                  "(check their names first; the report says so)"))
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

    export = commands.add_parser(
        "export", parents=[common, network, finding, servers],
        help=tr("write ready-made setup files for mail programs"),
        description=tr("Write setup files for Thunderbird, Outlook, Apple Mail (iPhone, iPad, "
                       "Mac), Thunderbird for Android and a printable sheet, and say what to "
                       "do with each. Without server flags the settings are discovered "
                       "first. With --domain, write a kit for a whole domain instead: the "
                       "autoconfig file, an autodiscover template, the DNS records and a "
                       "README for the administrator."),
        epilog=tr("Passwords are left out unless --include-password is given; the password "
                  "then comes from --password-stdin, the environment variable "
                  "SETUPWIZARD_PASSWORD or a hidden prompt, never from the command line, "
                  "and files that hold it are readable only by you. Exit status: 0 files "
                  "written, 1 no settings found or a format could not be written, "
                  "2 usage error."))
    export.add_argument("address", nargs="?", metavar=tr("ADDRESS"),
                        help=tr("the e-mail address (optional with --domain)"))
    export.add_argument("--format", dest="formats", metavar=tr("FORMAT[,FORMAT...]"),
                        help=tr("what to write: thunderbird, outlook, apple, android, sheet "
                                "or all; several separated by commas"))
    export.add_argument("--out", metavar=tr("FOLDER"),
                        help=tr("folder for the files (default: setupwizard-ADDRESS, or "
                                "setupwizard-DOMAIN with --domain, in the current folder)"))
    export.add_argument("--protocol", choices=("imap", "pop3"),
                        help=tr("how mail is fetched: imap or pop3 (default: IMAP when "
                                "there is an IMAP server)"))
    export.add_argument("--name", metavar=tr("NAME"),
                        help=tr("your name as recipients see it; with --domain, the "
                                "provider name mail programs show"))
    export.add_argument("--username", metavar=tr("NAME"),
                        help=tr("username (default: what discovery found, else the "
                                "address)"))
    export.add_argument("--include-password", action="store_true",
                        help=tr("put the password into the files that can hold it (Apple "
                                "profile, QR code); they are written readable only by you"))
    export.add_argument("--password-stdin", action="store_true",
                        help=tr("read the password from the first line of standard input"))
    export.add_argument("--trust-discovered", action="store_true",
                        help=tr("with --include-password: put the password into the files "
                                "even when the discovered servers come from a source that "
                                "cannot prove they belong to your provider (check their "
                                "names first)"))
    export.add_argument("--sign-cert", metavar="PEM",
                        help=tr("sign the Apple profile with this certificate"))
    export.add_argument("--sign-key", metavar="PEM",
                        help=tr("the private key of --sign-cert (without passphrase)"))
    export.add_argument("--sign-chain", metavar="PEM",
                        help=tr("intermediate certificates to include in the signature"))
    export.add_argument("--domain", metavar=tr("DOMAIN"),
                        help=tr("write the kit for a whole domain (for administrators and "
                                "hosters) instead of files for one address"))
    export.add_argument("--web-host", metavar=tr("HOST"),
                        help=tr("with --domain: the web server that will serve the kit's "
                                "files (default: the domain itself)"))
    export.add_argument("--offline", action="store_true",
                        help=tr("use only the bundled provider database"))
    from .cli_guided import add_parsers
    add_parsers(commands, common=common, network=network, finding=finding, servers=servers,
                tr=tr)
    _add_providers_parser(commands, common=common, network=network, finding=finding, tr=tr)
    _add_check_domain_parser(commands, common=common, network=network, finding=finding,
                             tr=tr)
    return parser


def _diagnose_command(args, env: Environment, tr: Translator) -> DiagnoseCommand:
    from .cli_commands import DiagnoseCommand
    from .models import EmailAddress
    from .ui.discovery_view import invalid_address_text
    try:
        EmailAddress.parse(args.address)
    except InvalidAddress as exc:
        raise UsageError(invalid_address_text(exc, tr)) from None
    servers = servers_from_args(args)
    if args.no_login:
        source = "none"
    elif args.oauth2_token_stdin:
        source = "token-stdin"
    else:
        source = _secret_source(from_stdin=args.password_stdin, env=env)
    output = "json" if args.json else "markdown" if args.markdown else "text"
    return DiagnoseCommand(address=args.address, servers=servers, username=args.username,
                           login=not args.no_login, secret_source=source,
                           allow_insecure_password=args.allow_insecure_password,
                           output=output, transcript=args.transcript,
                           net=(net := _net_options(args, tr)),
                           discovery=_discovery_options(args, net, tr),
                           trust_discovered=args.trust_discovered)


def _secret_source(*, from_stdin: bool, env: Environment) -> str:
    """Where a password comes from: standard input when asked for, else the
    environment variable SETUPWIZARD_PASSWORD, else a hidden prompt on a
    terminal, else nowhere ("none"). Never from argv."""
    if from_stdin:
        return "stdin"
    if env.environ.get("SETUPWIZARD_PASSWORD"):
        return "env"
    if env.stdin_isatty:
        return "prompt"
    return "none"


def _read_secret(source: str, env: Environment, *, prompt: str, empty_stdin: str
                 ) -> str | None:
    """The secret from ``source`` (see _secret_source; "token-stdin" reads
    standard input too). Returns None for "none" and for an empty prompt;
    raises UsageError with ``empty_stdin`` when standard input is empty."""
    if source in ("stdin", "token-stdin"):
        line = env.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError(empty_stdin)
        if _undecodable(line):  # never show the line: it is a secret
            raise UsageError(msg("standard input contains bytes that are not valid text "
                                 "(UTF-8); save the password as UTF-8 text"))
        return line
    if source == "env":
        secret = env.environ["SETUPWIZARD_PASSWORD"]
        if _undecodable(secret):
            raise UsageError(msg("the environment variable SETUPWIZARD_PASSWORD contains "
                                 "bytes that are not valid text (UTF-8)"))
        return secret
    if source == "prompt":
        import getpass
        try:
            return getpass.getpass(prompt) or None
        except UnicodeDecodeError:
            raise UsageError(msg("the password typed contains bytes that are not valid "
                                 "text (UTF-8); check the terminal's character set"))
    return None


def _undecodable(text: str) -> bool:
    """True if ``text`` holds bytes that were not valid UTF-8: Python keeps
    them as lone surrogates (surrogateescape) in argv, the environment and
    standard input (see Environment)."""
    return any("\ud800" <= char <= "\udfff" for char in text)


def _check_argv(argv: Sequence[str]) -> None:
    """UsageError for the first argument holding bytes that are not UTF-8: an
    address, a name or a path like that cannot be shown, compared or written
    into a setup file."""
    for argument in argv:
        if _undecodable(argument):
            raise UsageError(msg("the argument \"{argument}\" contains bytes that are not "
                                 "valid text (UTF-8); type it again, or check the "
                                 "terminal's character set",
                                 argument=sanitize(argument)[:80]))


def run_diagnose(command: DiagnoseCommand, env: Environment, tr: Translator) -> ExitStatus:
    from .diagnostics import ProbeOptions, diagnose, recommended_servers
    from .net import Network
    from .ui.diagnose_view import render_markdown, render_text, report_to_json
    from .ui.discovery_view import render_text as render_discovery

    network = Network(command.net)
    network.tls_context()
    secret = _read_secret(command.secret_source, env,
                          prompt=tr("Password (not shown; Enter to skip sign-in): "),
                          empty_stdin=tr("standard input is empty: nothing to sign in with"))
    password, token = (None, secret) if command.secret_source == "token-stdin" \
        else (secret, None)
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
                      record_transcript=command.transcript, discovery=discovery,
                      confirmed="flag" if command.trust_discovered else None)
    if command.output == "json":
        text = _dumps(report_to_json(report, tr))
    elif command.output == "markdown":
        text = render_markdown(report, tr)
    else:
        text = render_text(report, tr, Style(env.colour))
    from .diagnostics.redaction import Redactor, secret_forms
    # belt and braces: the report's details are already scrubbed
    text = Redactor(secret_forms(command.username or command.address, password,
                                 token)).text(text)
    _print(env, text)
    return ExitStatus.OK if report.verdict in ("ok", "warning") else ExitStatus.NOT_FOUND


def _net_options(args, tr: Translator):
    import os

    from .net import NetOptions, parse_dns_server
    servers = tuple(parse_dns_server(s) for s in args.dns_server)
    if args.ca_file is not None and not os.path.isfile(args.ca_file):
        raise UsageError(tr("CA file not found: {path}").format(path=args.ca_file))
    if not 0 < args.timeout <= 300:
        raise UsageError(tr("--timeout must be between 0 and 300 seconds"))
    return NetOptions(dns_servers=servers, ca_file=args.ca_file, timeout=args.timeout,
                      redirect_allowed=_named_hosts(args))


def _named_hosts(args) -> tuple[str, ...]:
    """Hosts the user named in a URL (``--ispdb-url``): a redirect may lead
    to their addresses even when those are internal. ``--dns-server`` is no
    such allowance: it says who answers names, not where to go."""
    from urllib.parse import urlsplit
    url = getattr(args, "ispdb_url", None)
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        host = None
    return (host,) if host else ()


def servers_from_args(args) -> tuple:
    """The servers named with --imap, --pop3 and --smtp (UsageError if bad)."""
    from .diagnostics import parse_server_spec
    return tuple(parse_server_spec(getattr(args, p), p) for p in ("imap", "pop3", "smtp")
                 if getattr(args, p, None))


def _discovery_options(args, net, tr: Translator, **extra):
    """DiscoveryOptions from the flags every discovering command shares."""
    from .discovery import DEFAULT_ISPDB_URL, DiscoveryOptions
    ispdb = getattr(args, "ispdb_url", None) or DEFAULT_ISPDB_URL
    if not ispdb.startswith(("https://", "http://")):
        raise UsageError(tr("--ispdb-url must start with https:// or http://"))
    return DiscoveryOptions(ispdb_url=ispdb, timeout=net.timeout, deadline=net.timeout * 3,
                            **extra)


def _discover_command(args, tr: Translator) -> DiscoverCommand:
    from .cli_commands import DiscoverCommand
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


def _export_command(args, env: Environment, tr: Translator) -> ExportCommand:
    from .cli_commands import ExportCommand
    from .export import FORMATS
    from .export.fields import (DISPLAY_NAME, MAX_USERNAME, USERNAME, checked_text,
                                file_part)
    from .export.selection import PLACEHOLDERS
    from .models import EmailAddress, to_ascii_domain
    from .ui.discovery_view import invalid_address_text

    address = None
    if args.address is not None:
        try:
            address = EmailAddress.parse(args.address)
        except InvalidAddress as exc:
            raise UsageError(invalid_address_text(exc, tr)) from None
    domain = None
    if args.domain is not None:
        domain = args.domain.strip().rstrip(".").lower()
        ascii_domain = to_ascii_domain(domain)
        if ascii_domain is None:
            raise UsageError(msg("{domain} is not a domain name", domain=args.domain))
        if address is not None and address.ascii_domain != ascii_domain:
            raise UsageError(msg("{address} is not at {domain}: with --domain, the address "
                                 "only helps discovery and must belong to the domain",
                                 address=address.text, domain=domain))
    elif address is None:
        raise UsageError(tr("name an e-mail address, or a whole domain with --domain"))

    choices = (*FORMATS, "all")
    if domain is not None:
        if args.formats:
            raise UsageError(tr("--format does not go with --domain: the domain kit always "
                                "has the same files"))
        formats: tuple[str, ...] = ()
    else:
        if not args.formats:
            raise UsageError(msg("choose what to write with --format: {choices}",
                                 choices=", ".join(choices)))
        formats = tuple(dict.fromkeys(f.strip().lower() for f in args.formats.split(",")
                                      if f.strip()))
        unknown = [f for f in formats if f not in choices]
        if unknown or not formats:
            raise UsageError(msg("unknown format {names}; choose from {choices}",
                                 names=", ".join(unknown) or "''", choices=", ".join(choices)))

    servers = servers_from_args(args)
    if servers:
        kinds = {s.protocol for s in servers}
        if "smtp" not in kinds or not kinds & {"imap", "pop3"}:
            raise UsageError(tr("name an incoming server (--imap or --pop3) and the outgoing "
                                "one (--smtp), or none of them to discover the settings"))
        if args.protocol and args.protocol not in kinds:
            raise UsageError(msg("--protocol {protocol} needs a --{protocol} server too",
                                 protocol=args.protocol))

    display_name = checked_text(args.name, DISPLAY_NAME) if args.name else None
    username = checked_text(args.username, USERNAME, limit=MAX_USERNAME) \
        if args.username else None
    if domain is not None and username and not any(p in username for p in PLACEHOLDERS):
        raise UsageError(msg("with --domain, --username must be a template containing "
                             "{address} or {local}", address=PLACEHOLDERS[0],
                             local=PLACEHOLDERS[1]))

    secret_source = None
    if args.password_stdin and not args.include_password:
        raise UsageError(tr("--password-stdin goes with --include-password"))
    if args.trust_discovered and not args.include_password:
        raise UsageError(tr("--trust-discovered goes with --include-password"))
    if args.include_password:
        if domain is not None:
            raise UsageError(tr("--include-password does not go with --domain: the kit is "
                                "for every user"))
        secret_source = _secret_source(from_stdin=args.password_stdin, env=env)
        if secret_source == "none":
            raise UsageError(tr("--include-password needs the password: give it with "
                                "--password-stdin or SETUPWIZARD_PASSWORD, or run the "
                                "command on a terminal"))

    signing = None
    if args.sign_cert or args.sign_key or args.sign_chain:
        if not (args.sign_cert and args.sign_key):
            raise UsageError(tr("--sign-cert and --sign-key go together (and --sign-chain "
                                "needs both)"))
        if domain is not None or not {"apple", "all"} & set(formats):
            raise UsageError(tr("--sign-cert signs the Apple profile: add apple to "
                                "--format"))
        signing = (args.sign_cert, args.sign_key, args.sign_chain)

    web_host = None
    if args.web_host:
        if domain is None:
            raise UsageError(tr("--web-host goes with --domain"))
        web_host = to_ascii_domain(args.web_host.strip().rstrip(".").lower())
        if web_host is None:
            raise UsageError(msg("{host} is not a host name", host=args.web_host))

    out_dir = args.out or f"setupwizard-{file_part(domain or address.text)}"
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(msg("{path} exists and is not a folder", path=out_dir))
    net = _net_options(args, tr)
    return ExportCommand(
        address=address.text if address else None, domain=domain, formats=formats,
        out_dir=out_dir, servers=servers, protocol=args.protocol,
        display_name=display_name, username=username, secret_source=secret_source,
        signing=signing, web_host=web_host, net=net,
        discovery=_discovery_options(args, net, tr, offline=args.offline),
        trust_discovered=args.trust_discovered)


def run_export(command: ExportCommand, env: Environment, tr: Translator) -> ExitStatus:
    from pathlib import Path

    from .export.fields import checked_secret
    from .models import EmailAddress
    from .net import Network
    from .ui.export_view import format_label, warning_lines

    network = Network(command.net)
    network.tls_context()  # a broken --ca-file is a usage error, before any lookup
    signer = None
    if command.signing:
        from .export.apple import load_signer
        signer = load_signer(*command.signing)
    password = None
    if command.secret_source:
        password = _read_secret(
            command.secret_source, env,
            prompt=tr("Password to put into the files (not shown): "),
            empty_stdin=tr("standard input is empty: no password to put into the files"))
        if password is None:
            raise UsageError(tr("no password given; leave out --include-password to write "
                                "the files without it"))
        checked_secret(password)

    address = EmailAddress.parse(command.address) if command.address else None
    servers = list(command.servers)
    style = Style(env.colour)
    warnings: list = []
    source, provider, hints = "user", None, ()
    if not servers:
        from .discovery import discover
        from .ui.discovery_view import render_text as render_discovery
        asked = address or EmailAddress.parse(f"postmaster@{command.domain}")
        result = discover(asked, network=network, options=command.discovery)
        if not result.found:
            _print(env, render_discovery(result, tr, style), err=True)
            raise SetupWizardError(tr("No settings found. Name the servers with --imap, "
                                      "--pop3 and --smtp."))
        config = result.config
        from .trust import discovered_servers, unconfirmed
        servers = discovered_servers(config)
        source, provider, hints = config.source, config.provider, config.hints
        doubtful = unconfirmed(servers, "flag" if command.trust_discovered else None)
        if password is not None and doubtful:
            _print(env, render_discovery(result, tr, style), err=True)
            from .discovery.base import SOURCE_LABELS
            raise UsageError(msg(
                "the password was not put into any file: the servers ({hosts}) come from "
                "{source}, which cannot prove they belong to your provider. Compare them "
                "with your provider's help pages; if they are right, add "
                "--trust-discovered, or name the servers with --imap, --pop3 and --smtp",
                hosts=", ".join(dict.fromkeys(s.host for s in doubtful)),
                source=SOURCE_LABELS.get(config.source, config.source)))
        warnings.extend(result.warnings)
        if not config.trusted:
            from .discovery.base import SOURCE_LABELS
            label = SOURCE_LABELS.get(config.source, config.source)
            warnings.append(msg("these settings come from {source}, which cannot be "
                                "confirmed: check them before you hand the files out",
                                source=label))
    out_dir = Path(command.out_dir)
    if command.domain is not None:
        return _run_domain_kit(command, servers, address, out_dir, source, warnings,
                               env, tr, style)

    from .export.formats import expand_names, write_formats
    from .export.selection import account_from_servers
    account = account_from_servers(address, servers, protocol=command.protocol,
                                   username=command.username,
                                   display_name=command.display_name, provider=provider,
                                   hints=hints, password=password)
    for server in (*account.incoming, *account.outgoing):
        if server.security == "plain":
            warnings.append(msg("the {protocol} server {host} (port {port}) uses no "
                                "encryption: the password would travel unprotected. Ask the "
                                "provider for the SSL/TLS or STARTTLS settings",
                                protocol=server.protocol.upper(), host=server.host,
                                port=server.port))
    names = expand_names(command.formats)
    options = {"apple": {"signer": signer}} if signer is not None else None
    results = write_formats(account, names, out_dir, lang=tr.lang, options=options)
    files = [f for r in results for f in r.files]
    for exported in files:
        if exported.secret:
            warnings.append(msg("{file} contains the password. Keep it private, hand it "
                                "over only on a safe channel and delete it once the account "
                                "works", file=str(exported.path)))
    if password is not None and files and not any(f.secret for f in files):
        warnings.append(msg("none of the files written can hold a password; the mail "
                            "program asks for it"))
    status = ExitStatus.OK
    problems: list[str] = []
    for result in results:
        if result.problem is None:
            continue
        text = f"{format_label(result.name, tr)}: {sanitize(tr.render(result.problem))}"
        if not result.available and result.name not in command.formats:
            # asked for "all": a format this installation lacks is only a note
            problems.extend(warning_lines([text], tr, style))
        else:
            status = ExitStatus.NOT_FOUND
            problems.append(f"setupwizard: {text}")
    _show_export(env, tr, style, account.incoming, account.outgoing, source, warnings,
                 [(r.name, r.files) for r in results], out_dir,
                 msg("Setup files for {address} in {folder}", address=account.address.text,
                     folder=_folder(out_dir)), hints, problems)
    return status


def _folder(path) -> str:
    from .ui.export_view import folder_text
    return folder_text(path)


def _show_export(env: Environment, tr: Translator, style: Style, incoming, outgoing,
                 source: str, warnings: list, groups, out_dir, heading, hints=(),
                 problems=()) -> None:
    """Warnings and problems on standard error, then the settings and every
    file with its next steps on standard output (so the steps come last)."""
    from .ui.export_view import render_files, render_settings, warning_lines
    for line in [*warning_lines(warnings, tr, style), *problems]:
        _print(env, line, err=True)
    if not any(files for _, files in groups):
        return
    _print(env, render_settings(incoming, outgoing, source, tr, style))
    _print(env, "")
    _print(env, render_files(groups, out_dir, heading, tr, style, hints))


def _run_domain_kit(command: ExportCommand, servers, address, out_dir, source: str,
                    warnings: list, env: Environment, tr: Translator,
                    style: Style) -> ExitStatus:
    from .export import domainkit
    from .export.selection import kit_from_servers
    from .models import EmailAddress

    asked = address or EmailAddress.parse(f"postmaster@{command.domain}")
    kit, notes = kit_from_servers(command.domain, servers, address=asked,
                                  protocol=command.protocol, username=command.username,
                                  display_name=command.display_name,
                                  web_host=command.web_host)
    warnings.extend(notes)
    try:
        files = domainkit.write(kit, out_dir, lang=tr.lang)
    except OSError as exc:
        raise SetupWizardError(msg("cannot write the file {path}: {reason}",
                                   path=exc.filename or out_dir,
                                   reason=exc.strerror or str(exc))) from None
    _show_export(env, tr, style, kit.incoming, kit.outgoing, source, warnings,
                 [("domain", files)], out_dir,
                 msg("Kit for {domain} in {folder}", domain=command.domain,
                     folder=_folder(out_dir)))
    return ExitStatus.OK


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
                _print(env, _dumps(invalid_to_json(text, result, tr)))
            else:
                _print(env, style(invalid_address_text(result, tr), "red"), err=True)
            continue
        if not result.found and status == ExitStatus.OK:
            status = ExitStatus.NOT_FOUND
        if command.json:
            _print(env, _dumps(result_to_json(result, tr)))
        else:
            if not first:
                _print(env, "")
            _print(env, render_text(result, tr, style))
        first = False
    return status


def _add_providers_parser(commands, *, common, network, finding, tr: Translator) -> None:
    """The ``providers`` command and its actions list, show, validate, compare."""
    providers = commands.add_parser(
        "providers", parents=[common],
        help=tr("list, show, check and compare the bundled provider database"),
        description=tr("The bundled provider database: one file per mail provider in the "
                       "providers folder (format: providers/README.md)."),
        epilog=tr("Exit status: 0 success, 1 unknown provider, problems found or "
                  "differences found, 2 usage error."))
    actions = providers.add_subparsers(dest="providers_action", metavar=tr("ACTION"),
                                       parser_class=_Parser)
    folder = argparse.ArgumentParser(add_help=False)
    folder.add_argument("--folder", metavar=tr("FOLDER"),
                        help=tr("read the provider files in this folder instead of the "
                                "bundled ones"))
    listing = actions.add_parser("list", parents=[common, folder],
                                 help=tr("list every provider with its status and domains"))
    listing.add_argument("--json", action="store_true", help=tr("print a JSON array"))
    show = actions.add_parser(
        "show", parents=[common, folder],
        help=tr("show everything about one provider"),
        description=tr("Show names, domains, servers, sign-in, status, hints and sources "
                       "of one provider."))
    show.add_argument("target", metavar=tr("ID|DOMAIN"),
                      help=tr("the provider's id (gmx), one of its domains (gmx.de) or an "
                              "address at one"))
    show.add_argument("--json", action="store_true", help=tr("print a JSON object"))
    check = actions.add_parser(
        "validate", parents=[common],
        help=tr("check the provider files and list every problem"),
        description=tr("Check every provider file: keys and types, host names, ports, "
                       "server order, hints in both languages, sources, and domains or MX "
                       "patterns that two files claim."))
    check.add_argument("path", nargs="?", metavar=tr("FOLDER"),
                       help=tr("check the files in this folder instead of the bundled ones"))
    check.add_argument("--json", action="store_true", help=tr("print a JSON object"))
    compare = actions.add_parser(
        "compare", parents=[common, network, finding],
        help=tr("compare our data with an ISPDB"),
        description=tr("Ask the ISPDB about each of our domains and list where its "
                       "servers differ from ours: same, differs (with the differences), "
                       "only ours (the ISPDB does not know the domain) or error."),
        epilog=tr("Exit status: 0 no differences, 1 differences or errors, 2 usage "
                  "error."))
    compare.add_argument("--json", action="store_true", help=tr("print a JSON object"))


def _providers_command(args, tr: Translator) -> ProvidersCommand:
    from .cli_commands import ProvidersCommand
    action = args.providers_action
    if action is None:
        raise UsageError(tr("say what to do: providers list, show, validate or compare"))
    path = args.path if action == "validate" else getattr(args, "folder", None)
    if path is not None and not os.path.isdir(path):
        raise UsageError(msg("{path} is not a folder", path=path))
    if action == "compare":
        net = _net_options(args, tr)
        return ProvidersCommand(action=action, json=args.json, net=net,
                                ispdb_url=_discovery_options(args, net, tr).ispdb_url)
    return ProvidersCommand(action=action, json=args.json,
                            target=getattr(args, "target", None), path=path)


def run_providers(command: ProvidersCommand, env: Environment, tr: Translator) -> ExitStatus:
    from .providers import ProviderDatabase, default_location, validate
    from .ui import providers_view as view

    style = Style(env.colour and not command.json)
    if command.action == "validate":
        folder = str(command.path or default_location())
        problems = validate(command.path)
        _print(env, _dumps(view.problems_json(folder, problems))
               if command.json else view.render_problems(folder, problems, tr, style))
        return ExitStatus.NOT_FOUND if problems else ExitStatus.OK
    database = ProviderDatabase.load(command.path)
    if command.action == "list":
        _print(env, _dumps([view.provider_summary_json(p) for p in database]) if command.json
               else view.render_list(database, tr, style))
        return ExitStatus.OK
    if command.action == "show":
        target = command.target.strip()
        name = target.rpartition("@")[2].lower()
        provider = database.by_id(name) or database.by_domain(name)
        if provider is None:
            raise SetupWizardError(msg("no provider has the id or domain {name}; "
                                       "setupwizard providers list shows them all",
                                       name=sanitize(target)[:100]))
        _print(env, _dumps(view.provider_json(provider, tr.lang))
               if command.json else view.render_provider(provider, tr, style))
        return ExitStatus.OK

    from .net import Network
    from .providers import compare_with_ispdb
    network = Network(command.net)
    network.tls_context()  # a broken --ca-file is a usage error, before any request
    results = compare_with_ispdb(database, command.ispdb_url, network=network,
                                 timeout=command.net.timeout)
    _print(env, _dumps(view.comparison_json(results, command.ispdb_url, tr)) if command.json
           else view.render_comparison(results, command.ispdb_url, tr, style))
    if any(r.status in ("differs", "error") for r in results):
        return ExitStatus.NOT_FOUND
    return ExitStatus.OK


def _add_check_domain_parser(commands, *, common, network, finding, tr: Translator) -> None:
    check = commands.add_parser(
        "check-domain", parents=[common, network, finding],
        help=tr("check what a domain publishes for mail programs"),
        description=tr("Ask every place mail programs look for settings (autoconfig, "
                       "well-known, ISPDB, MX, SRV, Autodiscover, plain http), compare "
                       "the answers, test every server they name (encryption and "
                       "certificate, without signing in) and list what to fix or add, "
                       "with the exact records and files."),
        epilog=tr("Exit status: 0 what is published works (missing pieces are only "
                  "suggestions), 1 something published is broken or nothing is "
                  "published, 2 usage error."))
    check.add_argument("domain", metavar=tr("DOMAIN"), help=tr("the domain, e.g. example.com"))
    check.add_argument("--json", action="store_true", help=tr("print a JSON object"))


def _check_domain_command(args, tr: Translator) -> CheckDomainCommand:
    from .cli_commands import CheckDomainCommand
    from .domaincheck import parse_domain
    domain, _ = parse_domain(args.domain)  # UsageError before anything is asked
    net = _net_options(args, tr)
    return CheckDomainCommand(domain=domain, json=args.json, net=net,
                              discovery=_discovery_options(args, net, tr))


def run_check_domain(command: CheckDomainCommand, env: Environment,
                     tr: Translator) -> ExitStatus:
    from .domaincheck import check_domain
    from .net import Network
    from .ui.domaincheck_view import render_text, report_to_json

    network = Network(command.net)
    network.tls_context()  # a broken --ca-file is a usage error, before any lookup
    report = check_domain(command.domain, network=network, options=command.discovery)
    if command.json:
        _print(env, _dumps(report_to_json(report, tr)))
    else:
        _print(env, render_text(report, tr, Style(env.colour)))
    return ExitStatus.OK if report.works else ExitStatus.NOT_FOUND


def _dumps(data) -> str:
    """One line of JSON. Readable Unicode stays, but every character that a
    reader could take for a line break, or a terminal for a command, is
    written as a \\u escape (json.loads gives back the same text): json
    escapes C0 controls itself; here DEL, C1 controls (U+0085 among them),
    U+2028, U+2029, invisible format characters (bidi controls, zero-width)
    and lone surrogates (undecodable bytes). So ``str.splitlines()`` sees
    exactly one line per JSON value."""
    import json
    import re
    text = json.dumps(data, ensure_ascii=False)
    # outside strings JSON is plain ASCII, so these can only sit inside strings
    return re.sub(r"[^\x00-\x7e]", _json_escape, text)


def _json_escape(match) -> str:
    import unicodedata
    char = match.group()
    if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Cs"):
        return char
    code = ord(char)
    if code > 0xFFFF:  # JSON spells characters beyond the BMP as a UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


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
        _check_argv(argv)
        parser = build_parser(tr)
        if not argv and env.stdin_isatty and env.stdout_isatty:
            argv = ["wizard"]  # a person at a terminal: start the guided flow
        args = parser.parse_args(argv)
        if args.version:
            from . import __version__
            _print(env, f"setupwizard {__version__}")
            return ExitStatus.OK
        if args.command == "discover":
            return run_discover(_discover_command(args, tr), env, tr)
        if args.command == "diagnose":
            return run_diagnose(_diagnose_command(args, env, tr), env, tr)
        if args.command == "export":
            return run_export(_export_command(args, env, tr), env, tr)
        if args.command == "providers":
            return run_providers(_providers_command(args, tr), env, tr)
        if args.command == "check-domain":
            return run_check_domain(_check_domain_command(args, tr), env, tr)
        if args.command in ("wizard", "explain"):
            from . import cli_guided
            if args.command == "explain":
                return cli_guided.run_explain(args, env, tr)
            net = _net_options(args, tr)
            return cli_guided.run_wizard(
                args, env, tr, net_options=net,
                discovery_options=_discovery_options(args, net, tr),
                lang_given=bool(args.lang) or "SETUPWIZARD_LANG" in env.environ)
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
