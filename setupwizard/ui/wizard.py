"""The guided flow: from an e-mail address to a working, explained setup.

Written only against the Prompter interface (ui/prompter.py), so the same
flow runs on a terminal with questionary and unattended from flags. The
steps: language, name, address, discovery (live, in plain words), confirmation
of untrusted settings (or the servers asked one question at a time), IMAP or
POP3 (with a recommendation), a review with a way back to the address and the
protocol, the provider hints for that protocol, password (after saying where
it goes) and a live sign-in test per server, devices, exports, and an end
screen with the QR code last, whole, beside its instruction.

On a terminal no text sends the reader to a command-line flag: the wizard
asks instead (``without_flags`` drops such sentences from shared texts).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidAddress, UsageError, WizardStopped
from ..i18n import N_, Message, Translator, msg
from ..models import DiscoveryResult, EmailAddress, Server, SourceReport
from .prompter import Choice, MissingAnswer, Prompter
from .terminal import Style, sanitize

DEVICES = ("thunderbird", "outlook", "apple", "android", "other")
DEVICE_FORMATS = {"thunderbird": "thunderbird", "outlook": "outlook", "apple": "apple",
                  "android": "android", "other": "sheet"}
DEVICE_LABELS = {
    "thunderbird": msg("Thunderbird (Windows, Mac, Linux)"),
    "outlook": msg("Outlook (Windows)"),
    "apple": msg("iPhone, iPad or Mac (Apple Mail)"),
    "android": msg("Android phone (Thunderbird app)"),
    "other": msg("Something else: a printable settings sheet"),
}


#: each discovery source in the words of someone who never heard its name
#: (the names and timings are shown with --verbose)
SOURCE_WORDS = {
    "providers": msg("our own list of providers"),
    "autoconfig": msg("your provider's own settings file"),
    "well-known": msg("your provider's website"),
    "autoconfig-http": msg("your provider's settings file (sent unencrypted)"),
    "ispdb": msg("Thunderbird's list of providers"),
    "mx": msg("the internet's address book (DNS), which names your mail server"),
    "srv": msg("the internet's address book (DNS), which names mail services"),
    "autodiscover": msg("Microsoft's settings service"),
    "guess": msg("trying the usual server names"),
}


@dataclass(frozen=True)
class WizardOptions:
    """Answers given as flags; None means "ask"."""

    lang_given: bool = False
    address: str | None = None
    protocol: str | None = None
    password: str | None = field(default=None, repr=False)
    test_login: bool = True
    devices: tuple[str, ...] | None = None
    out: Path | None = None
    name: str | None = None
    keep_on_server: bool | None = None
    servers: tuple[Server, ...] = ()
    net: object = None
    discovery: object = None
    #: show discovery's source names and timings
    verbose: bool = False


#: failures that a setting causes (a name, a port, encryption), not the password
_SETTING_FAILURES = ("dns.", "connect.", "tls.", "starttls.", "certificate.", "greeting.",
                     "protocol.", "login.encryption-required")


def _after_failure_default(report) -> str:
    """The choice the cause suggests: typing the password again for a
    wrong password, changing a setting when the server could not be
    reached or trusted, else reading the full report."""
    failed = [c.id for c in report.checks if c.status == "fail"]
    if "login.wrong-password" in failed:
        return "retry"
    if any(f.startswith(_SETTING_FAILURES) for f in failed):
        return "edit"
    return "details"


_FLAG_ASIDE = re.compile(r"\s*\((?:with|mit)\s+--[a-z][\w-]*\)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")


def without_flags(text: str) -> str:
    """``text`` without what sends the reader to a command-line flag: the
    wizard asks instead (a changed setting is one of its choices). An aside
    "(with --ca-file)" goes, and so does every sentence naming a flag."""
    text = _FLAG_ASIDE.sub("", text)
    lines = []
    for line in text.split("\n"):
        if not _FLAG.search(line):
            lines.append(line)
            continue
        kept = " ".join(part for part in _SENTENCE.split(line) if not _FLAG.search(part))
        if kept.strip():
            indent = line[:len(line) - len(line.lstrip())]
            lines.append(kept if kept.startswith(indent) else indent + kept.lstrip())
    return "\n".join(lines)


_POP = re.compile(r"\bPOP3?\b")
_IMAP = re.compile(r"\bIMAP\b")


def hints_for(protocol: str, hints) -> tuple:
    """The provider hints that concern ``protocol`` ("imap" or "pop3"): a
    hint about POP alone (its id names POP, or else its English text names
    POP and not IMAP) is left out after IMAP was chosen, and the other way
    round. The data has no protocol field; ids and texts say it."""
    kept = []
    for hint in hints:
        # the id says it first ("pop-off"); else the text does
        words = hint.id.replace("-", " ").upper()
        if not _POP.search(words):
            words = hint.text.get("en", "")
        pop = bool(_POP.search(words))
        imap = bool(_IMAP.search(words))
        if protocol == "imap" and pop and not imap:
            continue
        if protocol == "pop3" and imap and not pop:
            continue
        kept.append(hint)
    return tuple(kept)


def _merged(reports: list):
    """One report from the per-server ones (the worst verdict wins)."""
    first = reports[0]
    order = ("ok", "warning", "problem")
    verdict = max((r.verdict for r in reports),
                  key=lambda v: order.index(v) if v in order else 2)
    return dataclasses.replace(
        first, verdict=verdict, servers=tuple(s for r in reports for s in r.servers),
        checks=tuple(c for r in reports for c in r.checks),
        transcript=tuple(t for r in reports for t in r.transcript),
        elapsed_ms=sum(r.elapsed_ms for r in reports))


#: the sources Thunderbird (desktop and Android) asks itself: settings found
#: there, it finds again with just the address
_THUNDERBIRD_READS = ("autoconfig", "well-known", "ispdb")


def _oauth2_only(server: Server) -> bool:
    auth = [a.lower() for a in server.auth]
    return bool(auth) and all(a == "oauth2" for a in auth)


#: what the first lookup needs: imported in the background while the user types
WARM_UP_MODULES = (
    "setupwizard.discovery", "setupwizard.discovery.autoconfig",
    "setupwizard.discovery.autodiscover", "setupwizard.discovery.ispdb",
    "setupwizard.discovery.mx", "setupwizard.discovery.providers",
    "setupwizard.discovery.srv", "setupwizard.discovery.guess",
    "setupwizard.formats.clientconfig", "setupwizard.formats.autodiscover",
    "setupwizard.net.dns", "setupwizard.net.http", "setupwizard.net.tcp",
    "httpx", "dns.asyncresolver", "dns.resolver", "dns.rdtypes.ANY.MX",
    "dns.rdtypes.IN.SRV", "defusedxml.ElementTree",
)


def start_warm_up(network) -> threading.Thread:
    """Import the lookup's modules and build the TLS context in a background
    thread; return the started thread (join it before the lookup).

    The one thread the package starts on its own (issue 10, item 6): it only
    imports and calls ``network.tls_context()``, which is thread-safe; it
    touches no socket and no event loop, so it needs no cancelling. Errors
    are left for the lookup to meet (and report) again on the main thread.
    """
    def work() -> None:
        import importlib
        for name in WARM_UP_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - an optional module; the lookup reports
                pass
        try:
            network.tls_context()
        except Exception:  # noqa: BLE001 - a bad --ca-file: the lookup says so
            pass

    thread = threading.Thread(target=work, name="setupwizard-warm-up", daemon=True)
    thread.start()
    return thread


class Wizard:
    def __init__(self, prompter: Prompter, options: WizardOptions, *, style: Style,
                 network=None, providers=None) -> None:
        self.p = prompter
        self.o = options
        self.style = style
        self.network = network
        self.providers = providers
        #: whether (and how) the user confirmed discovered servers (trust.py)
        self.confirmed: str | None = None
        #: the warm-up thread while it may still run (see start_warm_up)
        self._warm_up: threading.Thread | None = None
        #: what the sign-in test showed, for the end summary: "works",
        #: "failed" (the user went on anyway), "not-tested" or "oauth2"
        self.login = "not-tested"

    @property
    def tr(self) -> Translator:
        return self.p.tr

    def say(self, text: str | Message = "") -> None:
        self.p.say(self.tr.render(text) if isinstance(text, Message) else text)

    # -- the flow ----------------------------------------------------------
    def run(self) -> list:
        """Run every step; return the export results."""
        if self._needs_warm_up():
            # a person is about to type: use that time for the cold start
            self._warm_up = start_warm_up(self.network)
        self.ask_language()
        self.ask_name()
        address = self.ask_address()
        protocol = self.o.protocol
        while True:
            result = self.discover(address)
            servers = self.settle_servers(address, result)
            while True:
                incoming, outgoing, keep = self.choose_protocol(servers, protocol)
                back = self.review(address, incoming, outgoing, servers)
                if back != "protocol":
                    break
                protocol = None  # asked again, with the recommendation
                for key in ("protocol", "leave-on-server"):
                    self.p.answers.pop(key, None)
            if back != "address":
                break
            # a new address: look it up again (its provider may differ)
            self.p.answers.pop("address", None)
            address = self.ask_address(default=address.text)
        self.show_hints(result, incoming[0].protocol)
        incoming, outgoing = self.test_login(address, incoming, outgoing)
        return self.export(address, result, incoming, outgoing, keep)

    def _needs_warm_up(self) -> bool:
        """Only on a terminal, when the address is asked and will be looked up."""
        return (self.p.interactive and self.network is not None and self.o.address is None
                and not self.o.servers and not getattr(self.o.discovery, "offline", False))

    def _finish_warm_up(self) -> None:
        """Wait for the warm-up (it only imports: by now it is done or nearly)."""
        thread, self._warm_up = self._warm_up, None
        if thread is not None:
            thread.join()

    def ask_language(self) -> None:
        if self.o.lang_given or not self.p.interactive:
            return  # scripted use keeps the language of the locale
        lang = self.p.select("language", "Language / Sprache",
                             [Choice("en", "English"), Choice("de", "Deutsch")],
                             default=self.tr.lang)
        if lang != self.tr.lang:
            self.p.tr = Translator(lang)

    def ask_address(self, default: str = "") -> EmailAddress:
        from .discovery_view import invalid_address_text

        def check(text: str) -> str | None:
            try:
                EmailAddress.parse(text)
            except InvalidAddress as exc:
                return invalid_address_text(exc, self.tr)
            return None

        try:
            text = self.p.text("address", self.tr("Your e-mail address:"), default=default,
                               validate=check)
        except MissingAnswer:
            self._note_scripted_gaps()
            raise
        try:
            return EmailAddress.parse(text)
        except InvalidAddress as exc:  # a flag gave a bad address
            raise UsageError(invalid_address_text(exc, self.tr)) from None

    def ask_name(self) -> None:
        """The sender name recipients see, which the exported files carry.
        Asked on a terminal (``--name`` answers it); a scripted run without
        it leaves the name for the mail program to ask."""
        if self.o.name is not None or not self.p.interactive:
            return

        def check(text: str) -> str | None:
            if text.strip():
                return None
            return self.tr("Please type the name that people should see when you write "
                           "to them, for example Anna Schmidt.")

        name = self.p.text("name", self.tr("Your name, as people should see it on your "
                                           "mail:"), validate=check)
        self.o = dataclasses.replace(self.o, name=name.strip())

    def review(self, address: EmailAddress, incoming: list[Server], outgoing: list[Server],
               servers: list[Server]) -> str:
        """Show the settings before anything is sent, and offer a way back:
        "go" on, or change the "address" or the "protocol" (IMAP or POP3)."""
        if not self.p.interactive:
            return "go"
        self.say("")
        self.say(self.style(msg("Your settings for {address}:",
                                address=address.text).render(self.tr), "bold"))
        self.say(self.server_line(incoming[0], "incoming"))
        self.say(self.server_line(outgoing[0], "outgoing"))
        choices = [Choice("go", self.tr("Correct, go on")),
                   Choice("address", self.tr("Change the e-mail address"))]
        protocols = {s.protocol for s in servers}
        if {"imap", "pop3"} <= protocols:
            choices.append(Choice("protocol", self.tr("Choose between IMAP and POP3 again")))
        return self.p.select("review", self.tr("Is this right?"), choices, default="go")

    def server_line(self, server: Server, role: str) -> str:
        """One server in plain words: what it does, its name, port and encryption."""
        from .discovery_view import SECURITY_LABELS
        security = SECURITY_LABELS[server.security].render(self.tr)
        if role == "incoming":
            text = msg("  Receiving ({protocol}): {host}, port {port}, {security}",
                       protocol=server.protocol.upper(), host=sanitize(server.host),
                       port=server.port, security=security)
        else:
            text = msg("  Sending (SMTP): {host}, port {port}, {security}",
                       host=sanitize(server.host), port=server.port, security=security)
        return text.render(self.tr)

    def _note_scripted_gaps(self) -> None:
        """Without an address nothing can be looked up: name, with it, every
        other flag a scripted run will certainly need, so one message says
        all (--protocol too: most providers offer both IMAP and POP3)."""
        if self.o.protocol is None and not self.o.servers:
            self.p.note_missing("protocol")
        if self.o.test_login and self.o.password is None:
            self.p.note_missing("password")
        if self.o.devices is None:
            self.p.note_missing("devices")
        self.p.check_answers()  # raises, naming them all

    def discover(self, address: EmailAddress) -> DiscoveryResult | None:
        from ..discovery import discover
        from .discovery_view import STATUS_LABELS
        if self.o.servers:
            return None
        self._finish_warm_up()
        self.say("")
        self.say(self.style(msg("Looking up the settings for {domain} ...",
                                domain=address.domain).render(self.tr), "bold"))
        if not self.o.verbose:
            self.say(self.tr("Asking at the same time: your provider's own settings file "
                             "and website, Thunderbird's list of providers, our own list, "
                             "and the internet's address book (DNS)."))

        def progress(report: SourceReport) -> None:
            if report.status == "cancelled":
                return
            mark = {"found": self.style("✓", "green"), "error": self.style("✗", "red"),
                    "timeout": self.style("…", "yellow")}.get(report.status, "·")
            if self.o.verbose:
                label = STATUS_LABELS.get(report.status)
                status = label.render(self.tr) if label else report.status
                self.say(f"  {mark} {report.name:<16} {status} ({report.elapsed_ms} ms)")
                return
            words = SOURCE_WORDS.get(report.name)
            where = words.render(self.tr) if words else report.name
            template = {"found": N_("Found: {source}"),
                        "timeout": N_("No answer in time: {source}"),
                        "error": N_("Could not be reached: {source}")}.get(report.status)
            if template is not None:  # "nothing there" is no news for the reader
                self.say(f"  {mark} {msg(template, source=where).render(self.tr)}")

        return discover(address, network=self.network, providers=self.providers,
                        options=self.o.discovery, on_progress=progress)

    def settle_servers(self, address: EmailAddress, result: DiscoveryResult | None
                       ) -> list[Server]:
        from ..discovery.base import SOURCE_LABELS
        self.confirmed = None  # a confirmation covers one address's servers, not the next
        if self.o.servers:
            return list(self.o.servers)
        if result is not None and result.network_down:
            # our own connection is the problem: say so, and ask for nothing
            self.say(self.style(without_flags(self.tr.render(result.error)), "red", "bold"))
            raise WizardStopped(self.tr("Connect this computer to the internet, then start "
                                        "again."), status=1)
        if result is None or not result.found:
            self.say(self.style(self.tr("No settings were found for this address."),
                                "yellow", "bold"))
            return self.enter_servers(address)
        config = result.config
        if config.provider:
            self.say(msg("Provider: {name}", name=config.provider.name))
        label = SOURCE_LABELS.get(config.source)
        self.say(msg("The settings come from: {source}",
                     source=label.render(self.tr) if label else config.source))
        from ..trust import discovered_servers, unconfirmed
        servers = discovered_servers(config)
        if unconfirmed(servers):
            self.show_untrusted(address, servers)
            if not self.p.confirm("confirm-untrusted",
                                  self.tr("Do these servers really belong to your e-mail "
                                          "provider?"), default=False,
                                  scripted=True):
                return self.enter_servers(address)
            # the password may go to them now (trust.py): say how it was confirmed
            self.confirmed = "flag" if self.p.assume_yes else "prompt"
        return servers

    def show_untrusted(self, address: EmailAddress, servers: list[Server]) -> None:
        self.say("")
        self.say(self.style(self.tr("Please check: these settings could not be verified."),
                            "yellow", "bold"))
        self.say(self.tr("They name servers for the domain:"))
        width = max(len(address.domain), *(len(s.host) for s in servers)) + 4
        self.say("  ┌" + "─" * width + "┐")
        self.say("  │  " + self.style(address.domain.upper(), "bold") +
                 " " * (width - len(address.domain) - 2) + "│")
        self.say("  └" + "─" * width + "┘")
        for server in servers:
            self.say(f"    {server.protocol.upper():<5} {self.style(sanitize(server.host), 'bold')}")
        self.say(self.tr("Only continue if these names belong to your provider. If in "
                         "doubt, compare them with your provider's help pages."))

    def enter_servers(self, address: EmailAddress) -> list[Server]:
        """Ask for the servers one question at a time: receiving (IMAP or
        POP3) and sending (SMTP), each by name, encryption and port."""
        self.say(self.tr("Please type the settings from your provider's help pages. "
                         "Where you are not sure, press Enter: the suggestion is the "
                         "usual one."))
        protocol = self.p.select("manual-protocol", self.tr("How does your mail program "
                                                            "receive mail?"),
                                 [Choice("imap", self.tr("IMAP (recommended: the same mail "
                                                         "on every device)")),
                                  Choice("pop3", self.tr("POP3 (mail is fetched to one "
                                                         "device)"))], default="imap")
        if not self.p.interactive:
            self.p.note_missing("manual-protocol")
            self.p.note_missing("smtp-server")
            self.p.check_answers()  # raises, naming both
        user = address.ascii
        incoming = self.ask_server(protocol, username=user)
        outgoing = self.ask_server("smtp", username=user)
        return [incoming, outgoing]

    def ask_server(self, protocol: str, *, username: str | None,
                   current: Server | None = None) -> Server:
        """One server, asked as three questions (name, encryption, port) with
        the usual answers as defaults; ``current`` gives the defaults when
        a setting is changed."""
        from ..diagnostics import parse_server_spec
        from ..models import DEFAULT_PORTS
        example = {"imap": "imap.example.com", "pop3": "pop.example.com",
                   "smtp": "smtp.example.com"}[protocol]
        if protocol == "smtp":
            question = msg("Outgoing mail server (SMTP), for example {example}:",
                           example=example).render(self.tr)
        else:
            question = msg("Incoming mail server ({protocol}), for example {example}:",
                           protocol=protocol.upper(), example=example).render(self.tr)

        def check_host(text: str) -> str | None:
            if not text.strip():
                return msg("Please type the server's name as your provider's help pages "
                           "give it, for example {example}.", example=example
                           ).render(self.tr)
            try:
                parse_server_spec(text, protocol)
            except UsageError:
                return msg("This is not a server name. A server name has dots and no "
                           "spaces, for example {example}.", example=example
                           ).render(self.tr)
            return None

        host_text = self.p.text(f"{protocol}-server", question,
                                default=current.host if current else "",
                                validate=check_host)
        typed = parse_server_spec(host_text, protocol)  # "name:port/tls" is understood too
        given_more = ":" in host_text or "/" in host_text
        security_default = typed.security if given_more else (
            current.security if current else "tls")
        security = self.p.select(f"{protocol}-server", self.tr("Encryption:"), [
            Choice("tls", self.tr("SSL/TLS (recommended)")),
            Choice("starttls", "STARTTLS"),
            Choice("plain", self.tr("None (not recommended: anyone on the way could read "
                                    "your password)"))], default=security_default)
        port_default = DEFAULT_PORTS[(protocol, security)]
        if given_more and typed.security == security:
            port_default = typed.port
        elif current is not None and current.security == security:
            port_default = current.port

        def check_port(text: str) -> str | None:
            from ..models import parse_port
            if parse_port(text.strip()) is None:
                return msg("Please type the port as a number, for example {port}. Your "
                           "provider's help pages name it.",
                           port=port_default).render(self.tr)
            return None

        port_text = self.p.text(f"{protocol}-server", self.tr("Port:"), default=str(port_default),
                                validate=check_port)
        from ..models import parse_port
        port = parse_port(port_text.strip()) or port_default
        return dataclasses.replace(typed, port=port, security=security, username=username,
                                   source="user", trusted=True,
                                   auth=current.auth if current else typed.auth)

    def choose_protocol(self, servers: list[Server], protocol: str | None = None
                        ) -> tuple[list[Server], list[Server], bool]:
        from ..explain.topics import TOPICS
        username = next((s.username for s in servers if s.username), None)
        if not any(s.protocol == "smtp" for s in servers):
            self.say(self.style(self.tr("The outgoing mail server (for sending) is not "
                                        "known yet."), "yellow", "bold"))
            servers.append(self.ask_server("smtp", username=username))
        if not any(s.protocol in ("imap", "pop3") for s in servers):
            self.say(self.style(self.tr("The incoming mail server (for receiving) is not "
                                        "known yet."), "yellow", "bold"))
            kind = self.p.select("manual-protocol", self.tr("How does your mail program "
                                                            "receive mail?"),
                                 [Choice("imap", "IMAP"), Choice("pop3", "POP3")],
                                 default=protocol or "imap")
            servers.append(self.ask_server(kind, username=username))
        imap = [s for s in servers if s.protocol == "imap"]
        pop3 = [s for s in servers if s.protocol == "pop3"]
        outgoing = [s for s in servers if s.protocol == "smtp"]
        limited = False
        if protocol is None and imap and pop3:
            self.say("")
            topic = TOPICS["imap-vs-pop3"]
            self.say(self.style(self.tr(topic.title), "bold"))
            for paragraph in topic.paragraphs[:3]:
                self.say(self.tr(paragraph))
            self.say("")
            many = self.p.select("devices-count", self.tr("On how many devices do you read "
                                                          "your mail?"),
                                 [Choice("one", self.tr("Only on this one")),
                                  Choice("several", self.tr("On several (e.g. computer and "
                                                            "phone)"))], default="several")
            webmail = many == "several" or self.p.confirm(
                "webmail", self.tr("Should your mail stay available in the webmail (your "
                                   "provider's website)?"), default=True)
            limited = not webmail and self.p.confirm(
                "space", self.tr("Is the storage space at your provider small, so that the "
                                 "mailbox fills up?"), default=False)
            recommended = "pop3" if limited else "imap"
            if recommended == "imap":
                reason = self.tr("IMAP is best for you: every device and the webmail show "
                                 "the same mail and folders.")
            else:
                reason = self.tr("POP3 suits you: your mail moves to this one device and "
                                 "frees the space at your provider. Keep backups of this "
                                 "device.")
            self.say(self.style(reason, "green"))
            protocol = self.p.select("protocol", self.tr("Which one do you want?"),
                                     [Choice("imap", self.tr("IMAP (recommended)") if
                                             recommended == "imap" else "IMAP"),
                                      Choice("pop3", self.tr("POP3 (recommended)") if
                                             recommended == "pop3" else "POP3")],
                                     default=recommended)
        if protocol is None:
            protocol = "imap" if imap else "pop3"
        chosen = imap if protocol == "imap" else pop3
        if not chosen:
            raise WizardStopped(msg("This provider offers no {protocol} server.",
                                    protocol=protocol.upper()))
        keep = True
        if protocol == "pop3" and self.o.keep_on_server is not None:
            keep = self.o.keep_on_server
        elif protocol == "pop3" and limited:
            # POP3 was chosen to free space at the provider: a copy would fill it again
            keep = self.p.confirm("leave-on-server", self.tr(
                "Leave a copy of each message on the server? It would keep using the "
                "space there."), default=False)
        elif protocol == "pop3":
            keep = self.p.confirm("leave-on-server", self.tr(
                "Leave a copy of each message on the server? (Recommended: then the webmail "
                "still shows it.)"), default=True)
        return chosen, outgoing, keep

    def show_hints(self, result: DiscoveryResult | None, protocol: str = "imap") -> None:
        if result is None or result.config is None:
            return
        hints = hints_for(protocol, result.config.hints)
        if not hints:
            return
        self.say("")
        self.say(self.style(self.tr("Before you enter your password"), "bold"))
        for hint in hints:
            mark = "!" if hint.kind in ("action", "warning") else "i"
            self.say(f"  {self.style(mark, 'yellow')} {sanitize(hint.in_lang(self.tr.lang))}")
            if hint.url:
                self.say(f"    {self.style(sanitize(hint.url), 'blue')}")
        if any(hint.kind in ("action", "warning") for hint in hints):
            # something to do at the provider first: wait for it (a "no" meant nothing)
            self.p.pause("continue", self.tr("Press Enter when you have done this."))

    # -- the live sign-in test ------------------------------------------------
    def test_login(self, address: EmailAddress, incoming: list[Server],
                   outgoing: list[Server]) -> tuple[list[Server], list[Server]]:
        from ..diagnostics import ProbeOptions, diagnose
        if not self.o.test_login:
            return incoming, outgoing
        if _oauth2_only(incoming[0]):
            self.login = "oauth2"
            # a password test would only fail: say what to do instead
            from ..explain.topics import TOPICS
            self.say("")
            self.say(self.style(self.tr("This provider does not accept your password in mail "
                                        "programs: you sign in through its web page "
                                        "(OAuth2). There is nothing to test here."),
                                "yellow", "bold"))
            for paragraph in TOPICS["oauth2"].paragraphs[:2]:
                self.say(self.tr(paragraph))
            return incoming, outgoing
        password = self.o.password
        while True:
            if password is None:
                if not self.p.interactive:
                    # no --password-stdin: go on to find what else is missing;
                    # export() names it all before anything is written
                    self.p.note_missing("password")
                    return incoming, outgoing
                self.say("")
                self.say(self.password_goes_to(incoming[0], outgoing[0]))
                password = self.p.password("password", self.tr("Your password (it is not "
                                                               "shown and not saved):"),
                                           validate=self._check_password)
            self.p.check_answers()  # nothing is sent while an answer is missing
            self.say(self.tr("Testing sign-in ..."))
            reports = []
            for server, role in ((incoming[0], "incoming"), (outgoing[0], "outgoing")):
                # one server at a time, so the reader sees each one's result
                # as it comes; every time limit comes from network.timeouts
                reports.append(diagnose(address, [server], network=self.network,
                                        password=password, options=ProbeOptions(),
                                        confirmed=self.confirmed))
                self.say(self.test_line(server, role, reports[-1]))
            report = _merged(reports)
            self.summarise(report)
            if report.verdict != "problem":
                self.login = "works"
                self.say(self.style(self.tr("Sign-in works for receiving and sending."),
                                    "green", "bold"))
                return incoming, outgoing
            if not self.p.interactive:
                raise WizardStopped(self.tr("The sign-in test failed; see above."))
            choice = self.after_failure(report)
            if choice == "retry":
                password = None
            elif choice == "edit":
                incoming, outgoing = self.edit(incoming, outgoing)
            elif choice == "continue":
                self.login = "failed"
                return incoming, outgoing
            else:
                raise WizardStopped(self.tr("Stopped. Nothing was written."), status=1)

    def password_goes_to(self, incoming: Server, outgoing: Server) -> str:
        """Before the password is typed: where it will go, and how protected."""
        if "plain" in (incoming.security, outgoing.security):
            host = incoming.host if incoming.security == "plain" else outgoing.host
            return self.style(msg("The connection to {host} is not encrypted. setupwizard "
                                  "will not send your password there.",
                                  host=sanitize(host)).render(self.tr), "yellow")
        security = " / ".join(dict.fromkeys("SSL/TLS" if s.security == "tls" else "STARTTLS"
                                            for s in (incoming, outgoing)))
        if incoming.host == outgoing.host:
            return msg("Your password goes only to {host}, encrypted on the way ({security}).",
                       host=sanitize(incoming.host), security=security).render(self.tr)
        return msg("Your password goes only to {incoming} and {outgoing}, encrypted on the "
                   "way ({security}).", incoming=sanitize(incoming.host),
                   outgoing=sanitize(outgoing.host), security=security).render(self.tr)

    def test_line(self, server: Server, role: str, report) -> str:
        """One server's sign-in result, as it comes in."""
        failed = any(c.status == "fail" for c in report.checks)
        tested = any(c.id == "login.ok" and c.status == "pass" for c in report.checks)
        if role == "incoming":
            what = msg("Receiving ({protocol}, {host})", protocol=server.protocol.upper(),
                       host=sanitize(server.host))
        else:
            what = msg("Sending (SMTP, {host})", host=sanitize(server.host))
        if failed:
            return f"  {self.style('✗', 'red')} " + msg(
                "{what}: did not work", what=what).render(self.tr)
        if tested:
            return f"  {self.style('✓', 'green')} " + msg(
                "{what}: sign-in works", what=what).render(self.tr)
        return f"  {self.style('!', 'yellow')} " + msg(
            "{what}: reached, sign-in not tested", what=what).render(self.tr)

    def _check_password(self, password: str) -> str | None:
        if password:
            return None
        return self.tr("The password is empty. Please type it; the letters stay hidden "
                       "while you type.")

    def after_failure(self, report) -> str:
        """What the user wants after a failed test: "retry", "edit",
        "continue" or "quit". Showing the full diagnosis is answered here
        and asked again: it never signs in again (a wrong password sent
        once more could lock the account)."""
        from .diagnose_view import render_text
        default = _after_failure_default(report)
        while True:
            choice = self.p.select("after-failure", self.tr("What now?"), [
                Choice("retry", self.tr("Type the password again")),
                Choice("edit", self.tr("Change a setting (server, port, encryption, "
                                       "username)")),
                Choice("details", self.tr("Show the full diagnosis")),
                Choice("continue", self.tr("Continue anyway")),
                Choice("quit", self.tr("Stop here")),
            ], default=default)
            if choice != "details":
                return choice
            self.say(without_flags(render_text(report, self.tr, self.style)))

    def summarise(self, report) -> list:
        from .diagnose_view import check_texts
        shown = []
        for check in report.checks:
            if check.status not in ("fail", "warn") or check.id in shown:
                continue
            shown.append(check.id)
            title, explanation, fix = check_texts(check, self.tr)
            mark = self.style("✗", "red") if check.status == "fail" else \
                self.style("!", "yellow")
            self.say(f"  {mark} {self.style(title, 'bold')} ({check.server})")
            self.say(f"    {without_flags(explanation)}")
            fix = without_flags(fix) if fix else fix
            if fix:
                self.say(f"    {self.tr('What to do')}: {fix}")
        return shown

    def edit(self, incoming: list[Server], outgoing: list[Server]
             ) -> tuple[list[Server], list[Server]]:
        which = self.p.select("edit-which", self.tr("Which setting?"), [
            Choice("incoming", msg("Incoming server ({value})",
                                   value=f"{incoming[0].host}:{incoming[0].port}/"
                                         f"{incoming[0].security}").render(self.tr)),
            Choice("outgoing", msg("Outgoing server ({value})",
                                   value=f"{outgoing[0].host}:{outgoing[0].port}/"
                                         f"{outgoing[0].security}").render(self.tr)),
            Choice("username", msg("Username ({value})",
                                   value=incoming[0].username or "").render(self.tr)),
        ])
        if which == "username":
            user = self.p.text("edit-value", self.tr("Username:"),
                               default=incoming[0].username or "")
            return ([dataclasses.replace(incoming[0], username=user), *incoming[1:]],
                    [dataclasses.replace(outgoing[0], username=user), *outgoing[1:]])
        current = incoming[0] if which == "incoming" else outgoing[0]
        new = self.ask_server(current.protocol, username=current.username, current=current)
        if which == "incoming":
            return [new, *incoming[1:]], outgoing
        return incoming, [new, *outgoing[1:]]

    # -- files -----------------------------------------------------------------
    def export(self, address: EmailAddress, result: DiscoveryResult | None,
               incoming: list[Server], outgoing: list[Server], keep: bool) -> list:
        from ..export import Account
        from ..export.formats import write_formats
        devices = self.o.devices
        if devices is None:
            self.say("")
            devices = tuple(self.p.checkbox(
                "devices", self.tr("Where do you want to read your mail?"),
                [Choice(d, DEVICE_LABELS[d].render(self.tr)) for d in DEVICES],
                default=("thunderbird",)))
        config = result.config if result is not None else None
        account = Account(address=address, incoming=tuple(incoming),
                          outgoing=tuple(outgoing), display_name=self.o.name,
                          provider=config.provider if config else None,
                          hints=config.hints if config else (), leave_on_server=keep)
        folder = (self.o.out or Path(f"setupwizard-{address.ascii}")).absolute()
        formats = [DEVICE_FORMATS[d] for d in devices]
        self.p.check_answers()  # nothing is written while an answer is missing
        results = write_formats(account, formats, folder, lang=self.tr.lang)
        qr = self.fit_qr(account) if any(r.name == "android" and r.files
                                         for r in results) else None
        self.say("")
        self.say(self.end_files(results, folder, skip_steps=("android",) if qr else ()))
        for r in results:
            if r.problem is not None:
                self.say(self.style(self.tr.render(r.problem), "red"))
        if config is not None and config.source in _THUNDERBIRD_READS and \
                {"thunderbird", "android"} & set(devices):
            self.say("")
            self.say(self.tr("Good to know: Thunderbird usually finds these settings by "
                             "itself. When it asks, type your name, your e-mail address and "
                             "your password; it fills in the rest."))
        summary = self.end_summary(all(r.ok for r in results), incoming[0].protocol)
        if qr is None:
            self.say("")
            self.say(summary)
            return results
        # the code comes last, with its instruction beside it, so both are
        # on screen when the reader scans; Enter ends it, then the summary
        self.say("")
        *lines, last = qr.split("\n")
        for line in lines:
            self.say(line)
        self.p.write(last)
        self.p.wait("qr-scanned")
        self.say("")
        self.say(summary)
        return results

    def fit_qr(self, account) -> str | None:
        """The QR block for the end (see qr_block); when the window is too
        short for it, ask the reader to make it taller, once."""
        block, needed = self.qr_block(account)
        if block is None and needed:
            import shutil
            self.say("")
            self.say(msg("The code for your phone needs a window of {rows} lines; this "
                         "one has {now}. Make the window taller now to see the code here. "
                         "Or use the picture file instead: its steps are below.",
                         rows=needed, now=shutil.get_terminal_size((80, 24)).lines
                         ).render(self.tr))
            self.p.pause("qr-scanned", self.tr("Press Enter to go on."))
            block, needed = self.qr_block(account)
        return block

    def qr_block(self, account) -> tuple[str | None, int]:
        """The QR code for the Android app with its instruction beside it,
        sized to fit the terminal whole (never cut off), and 0; or None and
        the rows it would need when the terminal is too small (0: not on a
        terminal). Without it, the file list gives the picture's steps."""
        if not self.p.interactive or self.p.width is None:
            return None, 0
        import shutil

        from ..export.android import terminal_qr
        from .wrap import visible_width, wrap
        columns, rows = self.p.width(), shutil.get_terminal_size((80, 24)).lines
        text = "\n".join([
            self.tr("Scan this code with the Thunderbird app on your Android phone "
                    "(Add account > Import settings):"),
            "",
            self.tr("Press Enter when your phone has read the code.")])
        # the quiet zone around the code: as wide as the window allows, at least one
        for border in (3, 2, 1):
            code = terminal_qr(account, border=border).rstrip("\n").split("\n")
            side = columns - 1 - visible_width(code[0]) - 2
            if side >= 20 and len(code) <= rows:
                beside = wrap(text, side).split("\n")
                if len(beside) > len(code):
                    continue
                return "\n".join(f"{line}  {beside[i]}".rstrip() if i < len(beside)
                                  else line for i, line in enumerate(code)), 0
            stacked = wrap(text, columns - 1).split("\n")
            if len(code) + len(stacked) <= rows and visible_width(code[0]) < columns:
                return "\n".join(stacked + code), 0
        return None, len(code)

    def end_files(self, results, folder: Path, skip_steps: tuple[str, ...] = ()) -> str:
        """The folder (in full), then per device its files and its steps,
        once (the PNG and the SVG of one code share them)."""
        from .export_view import folder_text, format_label
        out = [self.style(msg("Your files are in {folder}",
                              folder=folder_text(folder)).render(self.tr), "bold")]
        for r in results:
            if not r.files:
                continue
            out.append("")
            out.append(self.style(format_label(r.name, self.tr), "bold"))
            shown: list = []
            for exported in r.files:
                title = sanitize(self.tr.render(exported.title))
                out.append(f"  {self.style(exported.path.name, 'cyan')} - {title}")
            if r.name in skip_steps:
                out.append("    " + self.tr("How to use it: see the code at the end."))
                continue
            for exported in r.files:
                if exported.steps in shown:
                    continue
                shown.append(exported.steps)
                for number, step in enumerate(exported.steps, start=1):
                    out.append(f"    {number}. {sanitize(self.tr.render(step))}")
        return "\n".join(out)

    def end_summary(self, files_ok: bool, protocol: str = "imap") -> str:
        """The last line: what was confirmed and what was not (only a
        sign-in that worked, and every file written, earn "All done")."""
        if self.login == "works" and files_ok:
            return self.style(msg("All done: receiving ({protocol}) and sending work, and "
                                  "your files are ready. Enjoy your mail!",
                                  protocol=protocol.upper()).render(self.tr), "green", "bold")
        if self.login == "works":
            text = self.tr("Sign-in works, but not every file could be made; see above.")
        elif self.login == "failed":
            text = self.tr("The files are ready, but the sign-in test failed: your mail "
                           "program cannot sign in until the problem above is solved.")
        elif self.login == "oauth2":
            text = self.tr("The files are ready. Your mail program opens your provider's "
                           "sign-in page the first time it connects.")
        else:
            text = self.tr("The files are ready. The sign-in was not tested, so it is not "
                           "yet known whether your password works.")
        return self.style(text, "yellow", "bold")
