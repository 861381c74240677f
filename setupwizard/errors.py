"""The exceptions setupwizard raises.

Every error the library raises derives from one root, so callers (the CLI,
the wizard, other programs) can catch one class. Errors from dnspython,
httpx, ssl and socket are translated at the seam in ``net/`` (and the
mail protocol's own trouble in ``diagnostics/connection.py``) and never
leak out of the library::

    SetupWizardError                 root; has .host, .port, .source attributes
    ├── UsageError                   the caller asked for something impossible
    │   ├── InvalidAddress           not a usable e-mail address (.reason says why)
    │   └── UnsafeArgument           a value for a protocol line holds a control
    │                                character; it was not sent (.what names it)
    ├── DataError                    a bundled or received document is unusable
    │   ├── ProviderDataError        a file in providers/ is invalid (.path)
    │   └── ConfigDocumentError      clientConfig / autodiscover XML rejected
    │       └── AutodiscoverDocumentError  an Autodiscover answer rejected (.reason)
    ├── ExportError                  these settings cannot be written in a format
    └── NetworkError                 talking to another machine failed
        ├── DNSError                 name lookup failed (.kind, one of DNS_KINDS:
        │                            about the name: nxdomain, no-address;
        │                            DNS_SERVER_TROUBLE: timeout, servfail,
        │                            refused, no-nameservers, error)
        ├── NetTimeout               a connect, read or the total deadline ran out
        ├── ConnectError             refused, unreachable, reset
        ├── TLSError                 handshake or certificate verification failed
        ├── ProtocolError            a mail server broke IMAP/POP3/SMTP (.kind: garbage,
        │                            too-long, too-much, closed, injection)
        └── HTTPError                bad status, redirect loop, oversized body (.status)
            └── RedirectRefused      a redirect the policy forbids (http, internal address)
    ├── WizardStopped                the guided flow ended early on purpose
    │                                (.status: the exit status)
    ├── Cancelled                    the person pressed Ctrl-C or Escape at a question
    └── MissingAnswer (UsageError)   no terminal to ask, and no flag gave the answers
                                     (.flags: every missing flag, in question order)

Messages are short English sentences for logs; what users see is built from
the attributes by the ``ui`` layer in their language. No message ever
contains a password.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing slows --help
if TYPE_CHECKING:
    from .i18n import Message


class SetupWizardError(Exception):
    """Root of every error raised by setupwizard."""

    def __init__(self, message: "str | Message" = "", *, host: str | None = None,
                 port: int | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.port = port
        self.source = source

    def __str__(self) -> str:
        return str(self.message)


class UsageError(SetupWizardError):
    """The caller asked for something that cannot be done (bad flag, bad value)."""


class InvalidAddress(UsageError):
    """The text is not a usable e-mail address.

    ``reason`` is a stable key (``no-at``, ``several-at``, ``empty-local``,
    ``empty-domain``, ``space``, ``control``, ``too-long``, ``bad-domain``,
    ``bad-local``) that the UI turns into a sentence in the user's language.
    """

    def __init__(self, text: str, reason: str, message: str = "") -> None:
        super().__init__(message or f"not an e-mail address ({reason})")
        self.text = text
        self.reason = reason


class DataError(SetupWizardError):
    """A document (bundled or received from a server) cannot be used."""


class ProviderDataError(DataError):
    """A file in providers/ is invalid."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else str(message))
        self.path = path


class ConfigDocumentError(DataError):
    """A clientConfig or autodiscover XML document was rejected."""


class AutodiscoverDocumentError(ConfigDocumentError):
    """An Autodiscover answer was rejected; ``reason`` says why, translatable."""

    def __init__(self, reason: "Message") -> None:
        super().__init__(str(reason))
        self.reason = reason


class ExportError(SetupWizardError):
    """The settings cannot be written in the chosen format (an unencrypted
    server for a format whose readers refuse it, a sign-in method the format
    cannot express, a format this installation does not have)."""


class NetworkError(SetupWizardError):
    """Talking to another machine failed."""


#: DNSError.kind values. The one list of them: the tree above, net/dns.py,
#: the diagnostics findings and discovery's "the network is down" all use
#: these names. Two are answers about the name itself (a DNS server did its
#: job), the rest mean a DNS server did not do its job - one of those for
#: every question means the network or the resolver is down, not the name.
DNS_NXDOMAIN = "nxdomain"              # the name does not exist
DNS_NO_ADDRESS = "no-address"          # the name exists but has no A/AAAA record
DNS_TIMEOUT = "timeout"                # no answer before the deadline
DNS_SERVFAIL = "servfail"              # the server answered SERVFAIL
DNS_REFUSED = "refused"                # the server answered REFUSED
DNS_NO_NAMESERVERS = "no-nameservers"  # no DNS server is configured
DNS_ERROR = "error"                    # anything else (a name too long, a broken answer)
#: answers about the name: the DNS works, the name is the problem
DNS_ABOUT_THE_NAME = (DNS_NXDOMAIN, DNS_NO_ADDRESS)
#: "a DNS server did not do its job", as opposed to an answer about the name
DNS_SERVER_TROUBLE = (DNS_TIMEOUT, DNS_SERVFAIL, DNS_REFUSED, DNS_NO_NAMESERVERS, DNS_ERROR)
DNS_KINDS = DNS_ABOUT_THE_NAME + DNS_SERVER_TROUBLE


class DNSError(NetworkError):
    """A DNS lookup failed. ``kind`` is one of :data:`DNS_KINDS`."""

    def __init__(self, message: str, *, kind: str, name: str | None = None,
                 **kw) -> None:
        super().__init__(message, **kw)
        self.kind = kind
        self.name = name


class NetTimeout(NetworkError):
    """A connect, a read or the total deadline ran out."""


class ConnectError(NetworkError):
    """The connection was refused, reset or the address is unreachable.
    ``kind`` is refused, unreachable, reset or error."""

    def __init__(self, message="", *, kind: str = "error", **kw) -> None:
        super().__init__(message, **kw)
        self.kind = kind


class TLSError(NetworkError):
    """The TLS handshake or the certificate check failed."""


class ProtocolError(NetworkError):
    """A mail server broke the protocol. ``kind``: garbage (not the
    protocol), too-long (an endless line), too-much (past the response or
    connection caps), closed (hung up early), injection (bytes between a
    STARTTLS go-ahead and the handshake)."""

    def __init__(self, message="", *, kind: str = "garbage", **kw) -> None:
        super().__init__(message, **kw)
        self.kind = kind


class UnsafeArgument(UsageError):
    """A value meant for a protocol line holds a line break or another control
    character: sent, it would smuggle extra commands to the server. ``what``
    names the value (a catalogue text such as "user name")."""

    def __init__(self, what: str) -> None:
        from .i18n import Message, msg
        super().__init__(msg("the {what} contains a line break or another control "
                             "character; it was not sent", what=Message(what)))
        self.what = what


class HTTPError(NetworkError):
    """An HTTP exchange did not give a usable answer."""

    def __init__(self, message: str, *, status: int | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.status = status


class RedirectRefused(HTTPError):
    """A redirect was not followed: the caller's policy (https only...) or
    the internal-address rule of ``net.Network.redirect_refusal`` forbids it."""


class WizardStopped(SetupWizardError):
    """The guided flow ended early on purpose (nothing found and nothing
    entered, a failed sign-in in scripted use); ``status`` is the exit status."""

    def __init__(self, message, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class Cancelled(SetupWizardError):
    """The person pressed Ctrl-C or Escape at a question of the wizard."""


class MissingAnswer(UsageError):
    """No terminal to ask, and no flag gave the answers: ``flags`` names
    each flag that was missing, in the order the questions came."""

    def __init__(self, flags) -> None:
        super().__init__(", ".join(flags))
        self.flags = tuple(flags)
