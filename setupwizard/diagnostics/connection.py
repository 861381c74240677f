"""A line-based mail protocol connection we control byte by byte.

The standard library's imaplib, poplib and smtplib cannot be used for
diagnostics: they silently drop bytes that arrive between a STARTTLS
go-ahead and the handshake (so response injection cannot be detected),
hide response codes in exception text, and bound line length but not total
time. This class reads an asyncio stream into its own buffer, with a line
limit, response and connection caps, a per-read timeout capped by the
probe's total deadline, and records a redacted transcript.

Everything here is a coroutine of the one event loop: a cancelled probe
aborts its connection at once and sends nothing more.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from dataclasses import dataclass, field

from ..errors import ConnectError, NetTimeout, ProtocolError, TLSError, UnsafeArgument
from ..i18n import N_, Message, msg
from ..models import check_hostname
from ..net import Deadline
from ..net import tcp
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
#: How long to wait for bytes right after a STARTTLS go-ahead, before the
#: handshake: a server that injects answers sends them with the go-ahead,
#: so they arrive within this window (or sit in the buffers already). Not a
#: network timeout (nothing waits on it for an answer): a detection window.
INJECTION_WINDOW = 0.05
#: What one read asks the stream for.
READ_SIZE = 4096


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
        from ..text import sanitize
        # scrub, clean, and scrub again: removing a control character from the
        # middle of an echoed secret must not put the secret back together
        self.lines.append({"server": server, "address": address, "direction": direction,
                           "line": self.scrub(sanitize(self.scrub(text)))[:500]})


@dataclass(frozen=True)
class TLSInfo:
    version: str | None
    cipher: str | None
    bits: int | None
    certificate_der: bytes | None



class Connection:
    """One TCP connection speaking a line protocol, maybe upgraded to TLS.

    Every read, write and handshake is bounded by the step timeout
    (``network.timeouts.request``) shortened to what is left of the probe's
    ``deadline``; past it, NetTimeout."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                 host: str, port: int, address: str, server_label: str,
                 deadline: Deadline, timeout: float, transcript: Transcript) -> None:
        self.reader, self.writer = reader, writer
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

    @property
    def local_address(self) -> str | None:
        """Our end's IP address (SMTP's EHLO names it)."""
        sockname = self.writer.get_extra_info("sockname")
        return sockname[0] if sockname else None

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
        return bool(self._buffer) or bool(_stream_buffer(self.reader))

    def _step(self) -> float:
        """Seconds the next network step may take; NetTimeout when the
        probe's deadline has passed."""
        seconds = self.deadline.cap(self.timeout)
        if seconds <= 0:
            raise NetTimeout(msg("{host} did not answer in time", host=self.host),
                             host=self.host, port=self.port)
        return seconds

    # -- reading ---------------------------------------------------------
    async def _recv(self) -> bytes:
        try:
            async with asyncio.timeout(self._step()):
                data = await self.reader.read(READ_SIZE)
        except TimeoutError:
            raise NetTimeout(msg("{host} did not answer in time", host=self.host),
                             host=self.host, port=self.port) from None
        except ssl.SSLError as exc:
            raise TLSError(msg("the encrypted connection to {host} broke: {reason}",
                               host=self.host, reason=exc.reason or str(exc)),
                           host=self.host, port=self.port) from None
        except OSError as exc:
            raise ConnectError(msg("{host} closed the connection: {reason}", host=self.host,
                                   reason=exc.strerror or str(exc) or type(exc).__name__),
                               kind="reset", host=self.host, port=self.port) from None
        self._count(len(data), 0)
        return data

    def _closed(self) -> ProtocolError:
        return ProtocolError(msg("{host} closed the connection", host=self.host),
                             kind="closed", host=self.host, port=self.port)

    def _too_long(self) -> ProtocolError:
        return ProtocolError(msg("{host} sent a line longer than {limit} bytes",
                                 host=self.host, limit=MAX_LINE), kind="too-long",
                             host=self.host, port=self.port)

    async def read_line(self) -> str:
        """Return the next line without its line ending (decoded leniently).

        Raises ProtocolError (too long, connection closed, too much), NetTimeout
        (no line within the read timeout or the total deadline), ConnectError."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE:
                raise self._too_long()
            data = await self._recv()
            if not data:
                raise self._closed()
            self._buffer += data
        raw, self._buffer = self._buffer.split(b"\n", 1)
        if len(raw) > MAX_LINE:
            raise self._too_long()
        self._count(0, 1)
        line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
        self.transcript.add(self.server_label, self.address, "S", line)
        return line

    async def read_exact(self, count: int) -> bytes:
        """Read ``count`` bytes (an IMAP literal)."""
        if count > 10 * MAX_LINE:
            raise ProtocolError(msg("{host} announced a literal of {size} bytes",
                                    host=self.host, size=count), kind="too-long",
                                host=self.host, port=self.port)
        while len(self._buffer) < count:
            data = await self._recv()
            if not data:
                raise self._closed()
            self._buffer += data
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    # -- writing ---------------------------------------------------------
    async def send_line(self, line: str, *, shown: str | None = None) -> None:
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
            step = self._step()
            self.writer.write(line.encode("utf-8") + b"\r\n")
            async with asyncio.timeout(step):
                await self.writer.drain()
        except TimeoutError:
            raise NetTimeout(msg("{host} did not accept data in time", host=self.host),
                             host=self.host, port=self.port) from None
        except (OSError, RuntimeError) as exc:  # RuntimeError: the transport is closing
            raise ConnectError(msg("{host} closed the connection: {reason}", host=self.host,
                                   reason=getattr(exc, "strerror", None) or str(exc)
                                   or type(exc).__name__),
                               kind="reset", host=self.host, port=self.port) from None

    # -- TLS -------------------------------------------------------------
    async def pending_bytes(self) -> bytes:
        """Bytes the server sent that nobody asked for: those in our buffer,
        those asyncio holds for us, and any arriving within INJECTION_WINDOW
        (capped by the deadline). Reads them through the stream."""
        data = self._buffer
        window = self.deadline.cap(INJECTION_WINDOW)
        try:
            async with asyncio.timeout(window):
                # returns at once when asyncio already holds bytes
                more = await self.reader.read(READ_SIZE)
        except TimeoutError:
            more = b""
        except (OSError, ssl.SSLError):
            more = b""
        return data + more

    def _injection(self, injected: bytes) -> ProtocolError:
        self.transcript.add(self.server_label, self.address, "S",
                            injected.decode("utf-8", "replace"))
        return ProtocolError(msg("{host} sent data between the STARTTLS go-ahead and "
                                 "the encryption: {data}", host=self.host,
                                 data=injected[:80].decode("utf-8", "replace")),
                             kind="injection", host=self.host, port=self.port)

    async def start_tls(self, context: ssl.SSLContext, *, after_starttls: bool) -> TLSInfo:
        """Upgrade to TLS, verifying the certificate for ``self.host``.

        After a STARTTLS go-ahead, any byte already received, held by
        asyncio or arriving right after is a response injection attack:
        raise ProtocolError(kind="injection") before the handshake (and
        again after it, for bytes that slipped in while it started: they
        would otherwise be read as if they came encrypted). Raises TLSError
        (with .verify_code/.verify_message for certificate failures) or
        NetTimeout.
        """
        if after_starttls:
            injected = await self.pending_bytes()
            if injected:
                raise self._injection(injected)
        server_name = check_hostname(self.host, allow_ip=True)
        if server_name is None:
            # ssl would raise UnicodeError/ValueError for such a name (an
            # escaped dot from DNS, an empty label): say so instead
            raise TLSError(msg("{host} is not a valid server name; no encrypted connection "
                               "was tried", host=repr(self.host)),
                           host=self.host, port=self.port)
        step = self._step()
        # asyncio's own handshake timeout and ours: the same limit, so the
        # step is bounded even where start_tls waits outside the handshake
        try:
            async with asyncio.timeout(step):
                await tcp.upgrade(self.writer, context, host=server_name, port=self.port,
                                  timeout=step)
        except TimeoutError:
            raise NetTimeout(msg("the encryption handshake with {host} timed out",
                                 host=self.host), host=self.host, port=self.port) from None
        if after_starttls:
            slipped = _stream_buffer(self.reader)
            if slipped:
                raise self._injection(slipped)
        self._buffer = b""
        ssl_object = self.writer.get_extra_info("ssl_object")
        cipher = ssl_object.cipher() if ssl_object is not None else None
        self.tls = TLSInfo(
            version=ssl_object.version() if ssl_object is not None else None,
            cipher=cipher[0] if cipher else None, bits=cipher[2] if cipher else None,
            certificate_der=ssl_object.getpeercert(binary_form=True)
            if ssl_object is not None else None)
        return self.tls

    def close(self) -> None:
        """Drop the connection at once (no TLS goodbye to wait for): the
        socket closes on the loop's next turn and nothing more is sent."""
        transport = self.writer.transport
        if transport is not None:
            transport.abort()


def _stream_buffer(reader: asyncio.StreamReader) -> bytes:
    """Bytes asyncio received for ``reader`` that were not read yet, without
    waiting (the STARTTLS check needs them without consuming a byte more)."""
    return bytes(getattr(reader, "_buffer", b""))


async def open_connection(network, host: str, port: int, address: str, *,
                          deadline: Deadline, timeout: float, transcript: Transcript,
                          server_label: str) -> tuple[Connection, float]:
    """Connect to one ``address`` of ``host`` within the step ``timeout``
    (capped by ``deadline``). Returns the Connection and the connect time in
    seconds; raises NetTimeout or ConnectError."""
    step = deadline.cap(timeout)
    if step <= 0:
        raise NetTimeout(msg("connecting to {host} ({ip}) port {port} timed out", host=host,
                             ip=address, port=port), host=host, port=port)
    start = time.monotonic()
    reader, writer = await tcp.open_stream(host, address, port, timeout=step)
    elapsed = time.monotonic() - start
    return Connection(reader, writer, host=host, port=port, address=address,
                      server_label=server_label, deadline=deadline, timeout=timeout,
                      transcript=transcript), elapsed
