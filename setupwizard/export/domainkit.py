"""A hosting kit for a whole domain: what an administrator publishes so that
mail programs set up every address at the domain by themselves.

* ``config-v1.1.xml`` with ``%EMAILADDRESS%`` (or ``%EMAILLOCALPART%``) as
  user name, for ``https://autoconfig.<domain>/mail/config-v1.1.xml`` and
  ``https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml``;
* ``autodiscover.xml``, the Outlook answer as a template (``LoginName`` is
  filled in by the answering script from the request);
* ``dns-records.zone``, a zone-file snippet: the RFC 6186 / RFC 8314 SRV
  records (``.`` for services not offered), ``autoconfig`` and
  ``autodiscover`` host names pointing at the web server, and
  ``_autodiscover._tcp``;
* ``README.txt`` saying where each goes, in the chosen language.

Everything the formats demand in ASCII (DNS names, the domain in the
documents) is written as punycode. A kit publishes settings for every user
at once, so unencrypted servers and bare IP addresses are refused.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from ..formats.autodiscover import write_response
from ..errors import ExportError
from ..i18n import Message, Translator, msg
from ..models import Server, is_hostname, to_ascii_domain
from . import ExportedFile, write_file
from .fields import DISPLAY_NAME, checked_text, primary_servers
from .thunderbird import document

__all__ = ["DomainKit", "SRV_SERVICES", "zone_records", "write", "TTL"]

TTL = 3600
#: (protocol, security) -> RFC 6186 / RFC 8314 service label.
SRV_SERVICES = {("imap", "tls"): "_imaps", ("imap", "starttls"): "_imap",
                ("pop3", "tls"): "_pop3s", ("pop3", "starttls"): "_pop3",
                ("smtp", "tls"): "_submissions", ("smtp", "starttls"): "_submission"}
CONFIG_FILE = "config-v1.1.xml"
AUTODISCOVER_FILE = "autodiscover.xml"
ZONE_FILE = "dns-records.zone"
README_FILE = "README.txt"


@dataclass(frozen=True)
class DomainKit:
    """What to publish for ``domain``. Server user names are templates
    (``%EMAILADDRESS%``, ``%EMAILLOCALPART%``); ``web_host`` is the web
    server that will serve the files (default: the domain itself)."""

    domain: str
    incoming: tuple[Server, ...]
    outgoing: tuple[Server, ...]
    display_name: str | None = None
    web_host: str | None = None
    leave_on_server: bool = True

    @property
    def ascii_domain(self) -> str:
        name = to_ascii_domain(self.domain.rstrip(".").lower())
        if name is None:
            raise ExportError(msg("{domain} is not a domain name", domain=self.domain))
        return name

    @property
    def ascii_web_host(self) -> str:
        if not self.web_host:
            return self.ascii_domain
        name = to_ascii_domain(self.web_host.rstrip(".").lower())
        if name is None:
            raise ExportError(msg("{host} is not a host name", host=self.web_host))
        return name


def _check(server: Server) -> str:
    """The server's ASCII host name; raises ExportError for what a kit must
    not publish."""
    if server.security not in ("tls", "starttls"):
        raise ExportError(msg("the {protocol} server {host} is unencrypted: a kit for a "
                              "whole domain publishes only encrypted servers",
                              protocol=server.protocol.upper(), host=server.host))
    try:
        ipaddress.ip_address(server.host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ExportError(msg("the {protocol} server is given as the address {host}: DNS "
                              "records and certificates need a host name",
                              protocol=server.protocol.upper(), host=server.host))
    host = server.host.rstrip(".").lower()
    host = host if host.isascii() else (to_ascii_domain(host) or "")
    if not is_hostname(host):
        raise ExportError(msg("{host} is not a host name", host=server.host))
    return host


def zone_records(kit: DomainKit, *, lang: str = "en") -> str:
    """The zone-file snippet for ``kit``: absolute names, one record per
    line, comments in ``lang``."""
    tr = Translator(lang)
    domain = kit.ascii_domain
    web = kit.ascii_web_host
    rows: list[tuple[str, str, str] | str] = []

    def comment(message: Message) -> None:
        rows.append("; " + tr.render(message))

    comment(msg("DNS records for {domain}, made by setupwizard. Names end with a dot: paste "
                "them as they are, or drop \".{domain}.\" where your DNS provider adds the "
                "domain itself.", domain=domain))
    rows.append("")
    comment(msg("Mail servers (RFC 6186, RFC 8314); implicit TLS comes first. A target of "
                "\".\" says the service is not offered."))
    servers = [*kit.incoming, *kit.outgoing]
    offered = {s.protocol for s in servers}
    seen: dict[str, int] = {}
    for server in servers:
        host = _check(server)
        service = SRV_SERVICES[(server.protocol, server.security)]
        priority = (0 if server.security == "tls" else 10) + seen.get(service, 0)
        seen[service] = seen.get(service, 0) + 1
        rows.append((f"{service}._tcp.{domain}.", "SRV",
                     f"{priority} 1 {server.port} {host}."))
    for protocol in ("imap", "pop3"):
        if protocol not in offered:
            for security in ("tls", "starttls"):
                rows.append((f"{SRV_SERVICES[(protocol, security)]}._tcp.{domain}.", "SRV",
                             "0 0 0 ."))
    rows.append("")
    comment(msg("Autoconfig (Thunderbird and others) and Autodiscover (Outlook): names of the "
                "web server that serves config-v1.1.xml and autodiscover.xml ({web}). Its "
                "certificate must cover them.", web=web))
    for label in ("autoconfig", "autodiscover"):
        name = f"{label}.{domain}"
        if name == web:
            comment(msg("{name} is the web server itself: give it its A and AAAA records.",
                        name=name))
        else:
            rows.append((f"{name}.", "CNAME", f"{web}."))
    rows.append((f"_autodiscover._tcp.{domain}.", "SRV", f"0 1 443 {web}."))
    width = max(len(r[0]) for r in rows if isinstance(r, tuple))
    lines = [r if isinstance(r, str) else f"{r[0]:<{width}} {TTL} IN {r[1]:<5} {r[2]}"
             for r in rows]
    return "\n".join(lines) + "\n"


def _readme(kit: DomainKit, *, lang: str) -> str:
    tr = Translator(lang)
    domain, web = kit.ascii_domain, kit.ascii_web_host
    out: list[str] = []

    def heading(message: Message, underline: str = "-") -> None:
        text = tr.render(message)
        out.extend(["", text, underline * len(text)])

    def para(message: Message) -> None:
        out.extend(["", tr.render(message)])

    def items(values: list[str]) -> None:
        out.extend(f"  {value}" for value in values)

    title = tr.render(msg("Mail setup kit for {domain}", domain=kit.domain))
    out.extend([title, "=" * len(title)])
    para(msg("With these files published, mail programs set up any address at {domain} by "
             "themselves: people type only their address and password.", domain=kit.domain))
    if domain != kit.domain:
        para(msg("DNS and the file formats need the domain in its ASCII form, {ascii}; the "
                 "files use it.", ascii=domain))

    heading(msg("{file}: for Thunderbird and other autoconfig programs", file=CONFIG_FILE))
    para(msg("Publish the same file at both addresses, over HTTPS with a valid "
             "certificate:"))
    items([f"https://autoconfig.{domain}/mail/config-v1.1.xml",
           f"https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"])
    para(msg("Serve it unchanged as text/xml or application/xml (UTF-8): mail programs fill "
             "in %EMAILADDRESS% themselves. Do not depend on the query parameter "
             "emailaddress; Thunderbird for Android does not send it."))

    heading(msg("{file}: for Outlook", file=AUTODISCOVER_FILE))
    para(msg("Outlook sends a POST request with the address to these URLs and expects this "
             "answer:"))
    items([f"https://autodiscover.{domain}/autodiscover/autodiscover.xml",
           f"https://{domain}/autodiscover/autodiscover.xml",
           msg("(and the same with /Autodiscover/Autodiscover.xml)").render(tr)])
    para(msg("The answering script must replace %EMAILADDRESS% in LoginName with the address "
             "from the request's EMailAddress element. Web servers refuse POST requests to "
             "plain files, so a small script is needed in any case."))

    heading(msg("{file}: DNS records", file=ZONE_FILE))
    para(msg("Add these records to the zone of {domain} at your DNS provider. The SRV "
             "records name the mail servers directly (RFC 6186, RFC 8314); a target of "
             "\".\" says that a service is not offered.", domain=domain))
    para(msg("autoconfig.{domain} and autodiscover.{domain} must reach the web server that "
             "serves the two files ({web}), and its certificate must cover both names. "
             "Change {web} in the file if the files live elsewhere.", domain=domain, web=web))

    heading(msg("Check"))
    para(msg("When everything is published, ask as a mail program would:"))
    items([f"setupwizard discover --only autoconfig,well-known,srv,autodiscover "
           f"postmaster@{domain}"])
    return "\r\n".join(out).lstrip("\r\n") + "\r\n"


def write(kit: DomainKit, out_dir: Path, *, lang: str = "en") -> list[ExportedFile]:
    """Write the kit into ``out_dir``. Returns the four files with their next
    steps. Raises ExportError for unencrypted servers, IP addresses or a
    missing incoming or outgoing server; UsageError for values the formats
    cannot carry."""
    primary_servers(kit.incoming, kit.outgoing)
    for server in (*kit.incoming, *kit.outgoing):
        _check(server)
    domain = kit.ascii_domain
    display_name = checked_text(kit.display_name or kit.domain, DISPLAY_NAME)
    config = document(provider_id=domain, domain=domain, display_name=display_name,
                      incoming=kit.incoming, outgoing=kit.outgoing,
                      leave_on_server=kit.leave_on_server)
    files = [
        ExportedFile(path=write_file(out_dir / CONFIG_FILE, config),
                     title=msg("Autoconfig file for every address at {domain}",
                               domain=kit.domain),
                     steps=(msg("Publish it at {url} and at {other}.",
                                url=f"https://autoconfig.{domain}/mail/config-v1.1.xml",
                                other=f"https://{domain}/.well-known/autoconfig/mail/"
                                      "config-v1.1.xml"),)),
        ExportedFile(path=write_file(out_dir / AUTODISCOVER_FILE,
                                     write_response([*kit.incoming, *kit.outgoing],
                                                    display_name=None)),
                     title=msg("Autodiscover answer template for Outlook"),
                     steps=(msg("Answer POST requests at {url} with it, the user's address "
                                "put in place of %EMAILADDRESS%.",
                                url=f"https://autodiscover.{domain}/autodiscover/"
                                    "autodiscover.xml"),)),
        ExportedFile(path=write_file(out_dir / ZONE_FILE,
                                     zone_records(kit, lang=lang).encode("utf-8")),
                     title=msg("DNS records to publish for {domain}", domain=kit.domain),
                     steps=(msg("Add them to the zone of {domain} at your DNS provider.",
                                domain=domain),)),
        ExportedFile(path=write_file(out_dir / README_FILE,
                                     _readme(kit, lang=lang).encode("utf-8")),
                     title=msg("Instructions for the administrator"),
                     steps=(msg("Read it first: it says where each file goes and how to "
                                "check the result."),)),
    ]
    return files
