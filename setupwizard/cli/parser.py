"""The argument parser: every command, flag and help text (translated).

Only argparse and the translator are imported here, so ``--help`` starts
fast; the command modules are imported by ``main`` once a command is known.
"""

from __future__ import annotations

import argparse
import sys

from ..i18n import LANGUAGES, N_, Translator, detect_language, normalise_language
from .status import ExitStatus

TYPE_CHECKING = False  # typing stays off the --help path
if TYPE_CHECKING:
    from typing import Sequence

__all__ = ["build_parser", "pick_language", "ARGPARSE_TEXTS"]


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
    _add_guided_parsers(commands, common=common, network=network, finding=finding, servers=servers,
                tr=tr)
    _add_providers_parser(commands, common=common, network=network, finding=finding, tr=tr)
    _add_check_domain_parser(commands, common=common, network=network, finding=finding,
                             tr=tr)
    return parser


def _add_guided_parsers(commands, *, common, network, finding, servers, tr: Translator) -> None:
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
    wizard.add_argument("--verbose", action="store_true",
                        help=tr("name each lookup source and how long it took"))
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
