"""A line-based mail protocol connection we control byte by byte.

The standard library's imaplib, poplib and smtplib cannot be used for
diagnostics: they silently drop bytes that arrive between a STARTTLS
go-ahead and the handshake (so response injection cannot be detected),
hide response codes in exception text, and bound line length but not total
time. This class reads the socket itself, with a line limit, a per-read
timeout and the probe's total deadline, and records a redacted transcript.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import time
from dataclasses import dataclass, field

from ..errors import ConnectError, NetTimeout, NetworkError, TLSError, UsageError
from ..i18n import N_, Message, msg
from ..models import check_hostname
from ..net import Deadline
from .redaction import MIN_SECRET, REDACTED, Redactor

__all__ = ["MAX_LINE", "REDACTED", "MIN_SECRET", "ProtocolError", "UnsafeArgument",
           "protocol_argument", "Transcript", "TLSInfo", "Connection", "open_connection"]

MAX_LINE = 16_384
#: What one answer (everything read between two commands we send) may hold.
#: A LIST of a few thousand folders is far below; a server sending more is
#: broken or hostile, and we stop before it fills the memory.
MAX_RESPONSE_BYTES = 2_000_000
MAX_RESPONSE_LINES = 20_000
#: What one connection may read in all.
MAX_CONNECTION_BYTES = 8_000_000
MAX_CONNECTION_LINES = 50_000
#: Lines one transcript keeps (all connections together).
MAX_TRANSCRIPT_LINES = 5_000
#: CR, LF, NUL and every other C0/C1 control, DEL, and the Unicode line and
#: paragraph separators: none of them may reach a protocol line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ProtocolError(NetworkError):
    """The server broke the protocol (garbage, endless line, closed early)."""

    def __init__(self, message, *, kind: str = "garbage", **kw) -> None:
        super().__init__(message, **kw)
        self.kind = kind  # garbage | too-long | too-much | closed | injection


class UnsafeArgument(UsageError):
    """A value meant for a protocol line holds a line break or another control
    character: sent, it would smuggle extra commands to the server. ``what``
    names the value (a catalogue text such as "user name")."""

    def __init__(self, what: str) -> None:
        super().__init__(msg("the {what} contains a line break or another control "
                             "character; it was not sent", what=Message(what)))
        self.what = what


def protocol_argument(value: str, what: str) -> str:
    """``value`` unchanged when it may go into a protocol command line.

    Raises UnsafeArgument when it holds CR, LF, NUL or any other control
    character (C0, DEL, C1, U+2028, U+2029). This is the one check every
    value from a server, a file or the user passes before it is sent."""
    if _UNSAFE.search(value):
        raise UnsafeArgument(what)
    return value


@dataclass
class Transcript:
    """The conversation, with secrets replaced by *** before they are stored."""

    redactor: Redactor = field(default_factory=Redactor)
    lines: list[dict] = field(default_factory=list)
    enabled: bool = True
    limit: int = MAX_TRANSCRIPT_LINES

    def scrub(self, text: str) -> str:
        return self.redactor.text(text)

    def add(self, server: str, address: str | None, direction: str, text: str) -> None:
        if not self.enabled:
            return
        if len(self.lines) >= self.limit:
            if len(self.lines) == self.limit:
                self.lines.append({"server": server, "address": address, "direction": "-",
                                   "line": f"... (more than {self.limit} lines, cut off)"})
            return
        from ..ui.terminal import sanitize
        self.lines.append({"server": server, "address": address, "direction": direction,
                           "line": sanitize(self.scrub(text))[:500]})


@dataclass(frozen=True)
class TLSInfo:
    version: str | None
    cipher: str | None
    bits: int | None
    certificate_der: bytes | None


class Connection:
    """One TCP connection speaking a line protocol, maybe upgraded to TLS."""

    def __init__(self, sock: socket.socket, *, host: str, port: int, address: str,
                 server_label: str, deadline: Deadline, timeout: float,
                 transcript: Transcript) -> None:
        self.sock = sock
        self.host, self.port, self.address = host, port, address
        self.server_label = server_label
        self.deadline = deadline
        self.timeout = timeout
        self.transcript = transcript
        self._buffer = b""
        self.tls: TLSInfo | None = None
        # what was read: in this answer (since the last command) and in all
        self._response_bytes = self._response_lines = 0
        self._total_bytes = self._total_lines = 0

    def _too_much(self, what: Message) -> ProtocolError:
        return ProtocolError(msg("{host} sent far more than any mail server needs to "
                                 "({what}), so the test stopped reading to protect your "
                                 "computer", host=self.host, what=what),
                             kind="too-much", host=self.host, port=self.port)

    def _count(self, size: int, lines: int) -> None:
        """Count what was read; ProtocolError(kind="too-much") past a limit."""
        self._response_bytes += size
        self._total_bytes += size
        self._response_lines += lines
        self._total_lines += lines
        if self._response_bytes > MAX_RESPONSE_BYTES:
            raise self._too_much(msg("more than {size} bytes in one answer",
                                     size=MAX_RESPONSE_BYTES))
        if self._response_lines > MAX_RESPONSE_LINES:
            raise self._too_much(msg("more than {count} lines in one answer",
                                     count=MAX_RESPONSE_LINES))
        if self._total_bytes > MAX_CONNECTION_BYTES:
            raise self._too_much(msg("more than {size} bytes on one connection",
                                     size=MAX_CONNECTION_BYTES))
        if self._total_lines > MAX_CONNECTION_LINES:
            raise self._too_much(msg("more than {count} lines on one connection",
                                     count=MAX_CONNECTION_LINES))

    def has_unread(self) -> bool:
        """True when the server sent more than was read so far (bytes
        already received): an answer nobody asked for."""
        return bool(self._buffer)

    # -- reading ---------------------------------------------------------
    def _recv(self) -> bytes:
        try:
            self.sock.settimeout(self.deadline.cap(self.timeout))
        except NetTimeout:
            raise NetTimeout(msg("{host} did not answer in time", host=self.host),
                             host=self.host, port=self.port) from None
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            raise NetTimeout(msg("{host} did not answer in time", host=self.host),
                             host=self.host, port=self.port) from None
        except ssl.SSLError as exc:
            raise TLSError(msg("the encrypted connection to {host} broke: {reason}",
                               host=self.host, reason=exc.reason or str(exc)),
                           host=self.host, port=self.port) from None
        except OSError as exc:
            raise ConnectError(msg("{host} closed the connection: {reason}", host=self.host,
                                   reason=exc.strerror or str(exc)),
                               host=self.host, port=self.port) from None
        self._count(len(data), 0)
        return data

    def read_line(self) -> str:
        """Return the next line without its line ending (decoded leniently).

        Raises ProtocolError (too long, connection closed), NetTimeout (no
        line within the read timeout or the total deadline), ConnectError."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE:
                raise ProtocolError(msg("{host} sent a line longer than {limit} bytes",
                                        host=self.host, limit=MAX_LINE), kind="too-long",
                                    host=self.host, port=self.port)
            data = self._recv()
            if not data:
                raise ProtocolError(msg("{host} closed the connection", host=self.host),
                                    kind="closed", host=self.host, port=self.port)
            self._buffer += data
        raw, self._buffer = self._buffer.split(b"\n", 1)
        if len(raw) > MAX_LINE:
            raise ProtocolError(msg("{host} sent a line longer than {limit} bytes",
                                    host=self.host, limit=MAX_LINE), kind="too-long",
                                host=self.host, port=self.port)
        self._count(0, 1)
        line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
        self.transcript.add(self.server_label, self.address, "S", line)
        return line

    def read_exact(self, count: int) -> bytes:
        """Read ``count`` bytes (an IMAP literal)."""
        if count > 10 * MAX_LINE:
            raise ProtocolError(msg("{host} announced a literal of {size} bytes",
                                    host=self.host, size=count), kind="too-long",
                                host=self.host, port=self.port)
        while len(self._buffer) < count:
            data = self._recv()
            if not data:
                raise ProtocolError(msg("{host} closed the connection", host=self.host),
                                    kind="closed")
            self._buffer += data
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    # -- writing ---------------------------------------------------------
    def send_line(self, line: str, *, shown: str | None = None) -> None:
        """Send ``line`` + CRLF. ``shown`` is what the transcript records
        instead (for commands that carry a secret). A new command starts a
        new answer for the limits. Raises UnsafeArgument when the line holds
        a control character (the protocol clients check each value before;
        this is the last guard)."""
        protocol_argument(line, N_("command"))
        self._response_bytes = self._response_lines = 0
        self.transcript.add(self.server_label, self.address, "C",
                            line if shown is None else shown)
        try:
            self.sock.settimeout(self.deadline.cap(self.timeout))
            self.sock.sendall(line.encode("utf-8") + b"\r\n")
        except socket.timeout:
            raise NetTimeout(msg("{host} did not accept data in time", host=self.host),
                             host=self.host, port=self.port) from None
        except OSError as exc:
            raise ConnectError(msg("{host} closed the connection: {reason}", host=self.host,
                                   reason=exc.strerror or str(exc)),
                               host=self.host, port=self.port) from None

    # -- TLS -------------------------------------------------------------
    def pending_bytes(self) -> bytes:
        """Bytes already received but not yet read, plus any waiting on the
        socket right now (without blocking)."""
        data = self._buffer
        try:
            readable, _, _ = select.select([self.sock], [], [], 0.05)
            if readable:
                self.sock.setblocking(False)
                try:
                    more = self.sock.recv(4096, socket.MSG_PEEK)
                finally:
                    self.sock.setblocking(True)
                data += more
        except (OSError, ValueError):
            pass
        return data

    def start_tls(self, context: ssl.SSLContext, *, after_starttls: bool) -> TLSInfo:
        """Upgrade to TLS, verifying the certificate for ``self.host``.

        After a STARTTLS go-ahead, any byte already waiting is a response
        injection attack: raise ProtocolError(kind="injection") before the
        handshake. Raises TLSError (with .verify_code/.verify_message for
        certificate failures) or NetTimeout.
        """
        if after_starttls:
            injected = self.pending_bytes()
            if injected:
                self.transcript.add(self.server_label, self.address, "S",
                                    injected.decode("utf-8", "replace"))
                raise ProtocolError(msg("{host} sent data between the STARTTLS go-ahead and "
                                        "the encryption: {data}", host=self.host,
                                        data=injected[:80].decode("utf-8", "replace")),
                                    kind="injection", host=self.host, port=self.port)
        server_name = check_hostname(self.host, allow_ip=True)
        if server_name is None:
            # ssl would raise UnicodeError/ValueError for such a name (an
            # escaped dot from DNS, an empty label): say so instead
            raise TLSError(msg("{host} is not a valid server name; no encrypted connection "
                               "was tried", host=repr(self.host)),
                           host=self.host, port=self.port)
        try:
            self.sock.settimeout(self.deadline.cap(self.timeout))
            wrapped = context.wrap_socket(self.sock, server_hostname=server_name)
        except ssl.SSLCertVerificationError as exc:
            error = TLSError(msg("the certificate of {host} was rejected: {reason}",
                                 host=self.host, reason=exc.verify_message or str(exc)),
                             host=self.host, port=self.port)
            error.verify_code = exc.verify_code
            error.verify_message = exc.verify_message
            raise error from None
        except socket.timeout:
            raise NetTimeout(msg("the encryption handshake with {host} timed out",
                                 host=self.host), host=self.host, port=self.port) from None
        except (ssl.SSLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
            error = TLSError(msg("the encryption handshake with {host} failed: {reason}",
                                 host=self.host, reason=reason),
                             host=self.host, port=self.port)
            error.verify_code = None
            error.verify_message = None
            raise error from None
        self.sock = wrapped
        self._buffer = b""
        cipher = wrapped.cipher()
        self.tls = TLSInfo(version=wrapped.version(), cipher=cipher[0] if cipher else None,
                           bits=cipher[2] if cipher else None,
                           certificate_der=wrapped.getpeercert(binary_form=True))
        return self.tls

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def open_connection(network, host: str, port: int, address: str, *, deadline: Deadline,
                    timeout: float, transcript: Transcript, server_label: str
                    ) -> tuple[Connection, float]:
    """Connect to one ``address`` of ``host``. Returns the Connection and the
    connect time in seconds; raises NetTimeout or ConnectError."""
    start = time.monotonic()
    sock = network.connect(host, port, timeout=timeout, deadline=deadline,
                           addresses=[address])
    elapsed = time.monotonic() - start
    return Connection(sock, host=host, port=port, address=address,
                      server_label=server_label, deadline=deadline, timeout=timeout,
                      transcript=transcript), elapsed
