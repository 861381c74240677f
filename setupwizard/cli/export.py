"""``setupwizard export``: ready-made setup files for mail programs, or a
kit for a whole domain (``--domain``)."""

from __future__ import annotations

import os

from ..errors import SetupWizardError, UsageError
from ..i18n import Translator, msg
from ..text import sanitize
from ..ui.terminal import Environment, Style
from .options import (ExportCommand, checked_address, discovery_options, net_options,
                      servers_from_args)
from .output import print_line
from .secrets import read_secret, secret_source
from .status import ExitStatus


def command(args, env: Environment, tr: Translator) -> ExportCommand:
    """ExportCommand from argv and environment; UsageError for every flag that
    does not fit (before anything is asked or written)."""
    from ..export import FORMATS
    from ..export.fields import (DISPLAY_NAME, MAX_USERNAME, USERNAME, checked_text,
                                 file_part)
    from ..export.selection import PLACEHOLDERS
    from ..models import to_ascii_domain

    address = None
    if args.address is not None:
        address = checked_address(args.address, tr)
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

    source = None
    if args.password_stdin and not args.include_password:
        raise UsageError(tr("--password-stdin goes with --include-password"))
    if args.trust_discovered and not args.include_password:
        raise UsageError(tr("--trust-discovered goes with --include-password"))
    if args.include_password:
        if domain is not None:
            raise UsageError(tr("--include-password does not go with --domain: the kit is "
                                "for every user"))
        source = secret_source(from_stdin=args.password_stdin, env=env)
        if source == "none":
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
    net = net_options(args, tr)
    return ExportCommand(
        address=address.text if address else None, domain=domain, formats=formats,
        out_dir=out_dir, servers=servers, protocol=args.protocol,
        display_name=display_name, username=username, secret_source=source,
        signing=signing, web_host=web_host, net=net,
        discovery=discovery_options(args, tr, offline=args.offline),
        trust_discovered=args.trust_discovered)


def run(command: ExportCommand, env: Environment, tr: Translator) -> ExitStatus:
    """Write the files (or the domain kit) and say what to do with each;
    NOT_FOUND when nothing was found or a named format could not be written."""
    from ..net import Network

    with Network(command.net) as network:
        network.check_ca_file()  # a broken --ca-file is a usage error, before any lookup
        return _export(command, network, env, tr)


def _export(command: ExportCommand, network, env: Environment,
            tr: Translator) -> ExitStatus:
    from pathlib import Path

    from ..export.fields import checked_secret
    from ..models import EmailAddress
    from ..ui.export_view import format_label, warning_lines

    signer = None
    if command.signing:
        from ..export.apple import load_signer
        signer = load_signer(*command.signing)
    password = None
    if command.secret_source:
        password = read_secret(
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
        from ..discovery import discover
        from ..ui.discovery_view import render_text as render_discovery
        asked = address or EmailAddress.parse(f"postmaster@{command.domain}")
        result = discover(asked, network=network, options=command.discovery)
        if not result.found:
            print_line(env, render_discovery(result, tr, style), err=True)
            raise SetupWizardError(tr("No settings found. Name the servers with --imap, "
                                      "--pop3 and --smtp."))
        config = result.config
        from ..trust import discovered_servers, unconfirmed
        servers = discovered_servers(config)
        source, provider, hints = config.source, config.provider, config.hints
        doubtful = unconfirmed(servers, "flag" if command.trust_discovered else None)
        if password is not None and doubtful:
            print_line(env, render_discovery(result, tr, style), err=True)
            from ..discovery.base import SOURCE_LABELS
            raise UsageError(msg(
                "the password was not put into any file: the servers ({hosts}) come from "
                "{source}, which cannot prove they belong to your provider. Compare them "
                "with your provider's help pages; if they are right, add "
                "--trust-discovered, or name the servers with --imap, --pop3 and --smtp",
                hosts=", ".join(dict.fromkeys(s.host for s in doubtful)),
                source=SOURCE_LABELS.get(config.source, config.source)))
        warnings.extend(result.warnings)
        if not config.trusted:
            from ..discovery.base import SOURCE_LABELS
            label = SOURCE_LABELS.get(config.source, config.source)
            warnings.append(msg("these settings come from {source}, which cannot be "
                                "confirmed: check them before you hand the files out",
                                source=label))
    out_dir = Path(command.out_dir)
    if command.domain is not None:
        return _run_domain_kit(command, servers, address, out_dir, source, warnings,
                               env, tr, style)

    from ..export.formats import expand_names, write_formats
    from ..export.selection import account_from_servers
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
    from ..ui.export_view import folder_text
    return folder_text(path)


def _show_export(env: Environment, tr: Translator, style: Style, incoming, outgoing,
                 source: str, warnings: list, groups, out_dir, heading, hints=(),
                 problems=()) -> None:
    """Warnings and problems on standard error, then the settings and every
    file with its next steps on standard output (so the steps come last)."""
    from ..ui.export_view import render_files, render_settings, warning_lines
    for line in [*warning_lines(warnings, tr, style), *problems]:
        print_line(env, line, err=True)
    if not any(files for _, files in groups):
        return
    print_line(env, render_settings(incoming, outgoing, source, tr, style))
    print_line(env, "")
    print_line(env, render_files(groups, out_dir, heading, tr, style, hints))


def _run_domain_kit(command: ExportCommand, servers, address, out_dir, source: str,
                    warnings: list, env: Environment, tr: Translator,
                    style: Style) -> ExitStatus:
    from ..export import domainkit
    from ..export.selection import kit_from_servers
    from ..models import EmailAddress

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
