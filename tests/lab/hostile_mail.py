"""Small scripted mail servers that misbehave on purpose, one kind per lab
address, started on first use by ``lab.hostile(kind)``.

Each connection runs in its own thread. Services on 993/995/465 do a TLS
handshake first with a lab-CA certificate for ``KIND.hostile.test``; the
plain ports speak IMAP/POP3/SMTP as far as each kind needs. Everything a
client sends is recorded (decrypted when on TLS): ``server.received`` is
all of it, ``server.connections`` the same per connection. README.md,
"Mail servers", lists what each kind does.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import selectors
import socket
import ssl
import struct
import sys
import threading
import traceback

from .mailserver import (ALICE, CANARY_PASSWORD, IMPLICIT_TLS, PROTOCOL, STANDARD_PORTS,
                         MailServer)
from .sockets import tcp_listener
from .spec import HOSTILE_KINDS

_ALL = dict(STANDARD_PORTS)
#: the services each kind listens on
KIND_PORTS: dict[str, dict[str, int]] = {
    "garbage": _ALL, "endless": _ALL, "drip": _ALL, "escape": _ALL, "reset": _ALL,
    "inject": {"imap": 143, "pop3": 110, "submission": 587},
    "preauth": {"imap": 143, "imaps": 993},
    "provider-errors": {"imaps": 993, "pop3s": 995, "submissions": 465},
}

#: what "garbage" sends instead of a greeting (no line starts like a greeting)
GARBAGE = bytes((i * 151 + 7) % 256 for i in range(600)).replace(b"*", b"\x00") + b"\r\n"
#: terminal escapes and control characters "escape" puts in every answer
ESCAPE_TEXT = "\x1b[2J\x1b]0;pwned\x07 hello \x1b[31mred\x1b[0m\x08\x08\x7f\x1b[1A"
#: the line "inject" adds after its STARTTLS go-ahead, in the same segment
INJECTED = {"imap": b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]\r\n",
            "pop3": b"+OK injected\r\n",
            "smtp": b"250 injected\r\n"}
#: the go-ahead before it ("{tag}" is the client's tag)
GO_AHEAD = {"imap": "{tag} OK Begin TLS\r\n", "pop3": "+OK\r\n", "smtp": "220 go ahead\r\n"}
DRIP_SECONDS = 1.0

_GENERIC_FAILURE = {"imap": "NO [AUTHENTICATIONFAILED] Authentication failed.",
                    "pop3": "-ERR [AUTH] Authentication failed.",
                    "smtp": "535 5.7.8 Authentication credentials invalid"}
_TEMP_SMTP = "454 4.7.0 Temporary authentication failure"

#: "provider-errors": the reply to a login, by user name and protocol;
#: any other user gets the generic failure above.
PROVIDER_ERRORS: dict[str, dict[str, str]] = {
    "gmail-app@lab.test": {
        "imap": "NO [ALERT] Application-specific password required: "
                "https://support.google.com/accounts/answer/185833 (Failure)",
        "pop3": "-ERR [AUTH] Application-specific password required: "
                "https://support.google.com/accounts/answer/185833",
        "smtp": "534-5.7.9 Application-specific password required. Learn more at\r\n"
                "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor lab - gsmtp",
    },
    "ms-basic@lab.test": {
        "imap": "NO AUTHENTICATE failed.",
        "pop3": "-ERR Logon failure: unknown user name or bad password.",
        "smtp": "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. "
                "[LAB.hostile.test]",
    },
    "yahoo@lab.test": {
        "imap": "NO [AUTHENTICATIONFAILED] LOGIN Invalid credentials",
        "pop3": "-ERR [AUTH] invalid user name or password.",
        "smtp": "535 5.7.0 (#AUTH005) Too many bad auth attempts.",
    },
    "icloud@lab.test": {
        "imap": "NO [AUTHENTICATIONFAILED] Authentication failed.",
        "pop3": "-ERR [AUTH] Authentication failed.",
        "smtp": "535 5.7.8 Authentication failed",
    },
    "expired@lab.test": {
        "imap": "NO [EXPIRED] Password expired",
        "pop3": "-ERR [AUTH] Password expired",
        "smtp": "432 4.7.12 A password transition is needed",
    },
    "inuse@lab.test": {
        "imap": "NO [INUSE] Mailbox is in use by another session",
        "pop3": "-ERR [IN-USE] Mailbox locked",
        "smtp": _TEMP_SMTP,
    },
    "logindelay@lab.test": {
        "imap": "NO [UNAVAILABLE] Logged in too recently, wait a bit",
        "pop3": "-ERR [LOGIN-DELAY] Wait a bit",
        "smtp": _TEMP_SMTP,
    },
    "sys-temp@lab.test": {
        "imap": "NO [UNAVAILABLE] Temporary server failure, try later",
        "pop3": "-ERR [SYS/TEMP] try later",
        "smtp": _TEMP_SMTP,
    },
}

_IDLE_SECONDS = 60.0  # a connection nobody talks on is closed after this
_MAX_LINE = 65536


class _Closed(Exception):
    """The peer went away, was quiet too long, or the lab stops."""


class HostileMailServer(MailServer):
    """One hostile kind on its own address; see the module docstring."""

    def __init__(self, kind: str, ip: str, context: ssl.SSLContext, log_path: str) -> None:
        if kind not in HOSTILE_KINDS:
            raise KeyError(f"no hostile mail kind {kind!r}; known: {', '.join(HOSTILE_KINDS)}")
        super().__init__(kind, f"{kind}.hostile.test", ip, KIND_PORTS[kind],
                         {ALICE: CANARY_PASSWORD}, log_path)
        self.context = context
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._received = bytearray()
        self._per_connection: list[tuple[str, bytearray]] = []
        self._sessions: set[_Session] = set()
        self._numbers = itertools.count(1)
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._listeners: dict[socket.socket, str] = {}
        self._thread: threading.Thread | None = None
        open(log_path, "w").close()
        try:
            for service, port in self.ports.items():
                sock = tcp_listener(ip, port)
                self._listeners[sock] = service
                self._selector.register(sock, selectors.EVENT_READ)
        except OSError:
            self.stop()
            raise

    # -- what tests look at ---------------------------------------------------
    @property
    def received(self) -> bytes:
        """Every byte clients sent so far, all connections in arrival order
        (TLS payloads decrypted; TLS handshake bytes are not included)."""
        with self._lock:
            return bytes(self._received)

    @property
    def connections(self) -> list[tuple[str, bytes]]:
        """(service, bytes received) for each connection so far, in order."""
        with self._lock:
            return [(service, bytes(data)) for service, data in self._per_connection]

    def clear_received(self) -> None:
        """Forget what was received so far (``received`` and ``connections``)."""
        with self._lock:
            self._received.clear()
            self._per_connection.clear()

    # -- life cycle -------------------------------------------------------------
    def start(self) -> "HostileMailServer":
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name=f"lab-hostile-{self.variant}")
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            for key, _ in self._selector.select():
                if key.fileobj is self._wake_r or self.stopping.is_set():
                    continue
                try:
                    conn, _ = key.fileobj.accept()
                except OSError:
                    continue
                service = self._listeners[key.fileobj]
                with self._lock:
                    record = bytearray()
                    self._per_connection.append((service, record))
                session = _Session(self, conn, service, next(self._numbers), record)
                with self._lock:
                    self._sessions.add(session)
                threading.Thread(target=session.run, daemon=True,
                                 name=f"lab-hostile-{self.variant}-{service}").start()

    def _forget(self, session: "_Session") -> None:
        with self._lock:
            self._sessions.discard(session)

    def _record(self, record: bytearray, data: bytes) -> None:
        with self._lock:
            self._received += data
            record += data

    def _log(self, number: int, service: str, direction: str, data: bytes) -> None:
        text = repr(data)[2:-1]
        if len(text) > 2000:
            text = text[:2000] + f"... ({len(data)} bytes)"
        with self._lock:
            try:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(f"#{number} {service} {direction} {text}\n")
            except OSError:
                pass

    def stop(self) -> None:
        self.stopping.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(2)
        for sock in list(self._listeners):
            sock.close()
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.abort()
        try:
            self._selector.close()
        except (OSError, RuntimeError):
            pass
        self._wake_r.close()
        self._wake_w.close()


def _b64(text: bytes) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("invalid base64") from None


def _sasl_plain(data: bytes) -> tuple[str, str]:
    parts = _b64(data).split(b"\x00")
    if len(parts) != 3:
        raise ValueError("not a PLAIN message")
    return parts[1].decode("utf-8", "replace"), parts[2].decode("utf-8", "replace")


def _imap_tokens(text: bytes) -> list[bytes]:
    """Atoms and quoted strings of one IMAP command line (no literals)."""
    tokens, i = [], 0
    while i < len(text):
        if text[i:i + 1] == b" ":
            i += 1
        elif text[i:i + 1] == b'"':
            i += 1
            value = bytearray()
            while i < len(text) and text[i:i + 1] != b'"':
                if text[i:i + 1] == b"\\" and i + 1 < len(text):
                    i += 1
                value += text[i:i + 1]
                i += 1
            tokens.append(bytes(value))
            i += 1
        else:
            end = text.find(b" ", i)
            end = len(text) if end < 0 else end
            tokens.append(text[i:end])
            i = end
    return tokens


class _Session:
    """One client connection of a hostile server."""

    def __init__(self, server: HostileMailServer, sock: socket.socket, service: str,
                 number: int, record: bytearray) -> None:
        self.server, self.sock, self.service = server, sock, service
        self.proto = PROTOCOL[service]
        self.kind = server.variant
        self.number, self.record = number, record
        self.tls = False
        self.buf = b""
        self.host = server.host

    # -- plumbing ---------------------------------------------------------------
    def run(self) -> None:
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.settimeout(0.5)
            self.serve()
        except (_Closed, OSError, ValueError):
            pass  # ssl.SSLError is an OSError
        except Exception:  # a bug in the script: show it, but keep serving others
            traceback.print_exc(file=sys.stderr)
        finally:
            self.close()
            self.server._forget(self)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.server._log(self.number, self.service, "S:", data)
        self.sock.sendall(data)

    def _fill(self) -> None:
        idle = 0.0
        while True:
            if self.server.stopping.is_set():
                raise _Closed()
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                idle += 0.5
                if idle >= _IDLE_SECONDS:
                    raise _Closed() from None
                continue
            except ssl.SSLWantReadError:
                continue
            if not data:
                raise _Closed()
            self.server._record(self.record, data)
            self.server._log(self.number, self.service, "C:", data)
            self.buf += data
            return

    def read_line(self) -> bytes:
        """One line without its CRLF (or LF)."""
        while b"\n" not in self.buf:
            if len(self.buf) > _MAX_LINE:
                raise _Closed()
            self._fill()
        line, self.buf = self.buf.split(b"\n", 1)
        return line[:-1] if line.endswith(b"\r") else line

    def read_exact(self, count: int) -> bytes:
        while len(self.buf) < count:
            self._fill()
        data, self.buf = self.buf[:count], self.buf[count:]
        return data

    def wait_for_bytes(self, timeout: float = 10.0) -> bool:
        """Wait until the client sends something, without reading it (so a
        TLS ClientHello is neither consumed nor recorded)."""
        waited = 0.0
        while waited < timeout and not self.server.stopping.is_set():
            try:
                if self.sock.recv(1, socket.MSG_PEEK):
                    return True
                return False
            except (socket.timeout, TimeoutError):
                waited += 0.5
        return False

    def start_tls(self) -> None:
        self.buf = b""  # plaintext pipelined behind STARTTLS is dropped
        self.sock.settimeout(10)
        self.sock = self.server.context.wrap_socket(self.sock, server_side=True)
        self.sock.settimeout(0.5)
        self.tls = True

    def reset(self) -> None:
        """Close with RST (SO_LINGER 0)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.server._log(self.number, self.service, "S:", b"<RST>")
        self.sock.close()
        raise _Closed()

    def drip(self, data: bytes) -> None:
        self.server._log(self.number, self.service, "S:", b"<drip> " + data)
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            if i + 1 < len(data) and self.server.stopping.wait(DRIP_SECONDS):
                raise _Closed()

    # -- behaviour ----------------------------------------------------------------
    def serve(self) -> None:
        kind = self.kind
        if self.service in IMPLICIT_TLS:
            if kind == "reset":
                self.wait_for_bytes()  # the ClientHello arrived: reset mid-handshake
                self.reset()
            self.start_tls()
        if kind == "garbage":
            self.send(GARBAGE)
            while True:  # record whatever the client still says, until it hangs up
                self._fill()
                self.buf = b""
        if kind == "endless":
            self.endless()
        getattr(self, self.proto)()

    def endless(self) -> None:
        prefix = {"imap": b"* OK ", "pop3": b"+OK ", "smtp": b"220 "}[self.proto]
        self.server._log(self.number, self.service, "S:", prefix + b"xxxx... (endless)")
        self.sock.settimeout(None)  # blocks while the client does not read; stop() aborts
        self.sock.sendall(prefix)
        chunk = b"x" * 16384
        while not self.server.stopping.is_set():
            self.sock.sendall(chunk)
        raise _Closed()

    def greet(self, line: str) -> None:
        if self.kind == "drip":
            self.drip(line.encode())
        else:
            self.send(line)

    @property
    def offers_starttls(self) -> bool:
        return not self.tls and self.kind in ("drip", "escape", "inject", "reset")

    def decorate(self, text: str) -> str:
        return f"{text} {ESCAPE_TEXT}" if self.kind == "escape" else text

    def login_reply(self, user: str, password: str) -> str:
        if self.kind == "provider-errors" and user.lower() in PROVIDER_ERRORS:
            return PROVIDER_ERRORS[user.lower()][self.proto]
        return self.decorate(_GENERIC_FAILURE[self.proto])

    def starttls(self, tag: str = "") -> None:
        """Answer STARTTLS/STLS: go-ahead (+ injection), then TLS or a reset."""
        answer = GO_AHEAD[self.proto].format(tag=tag).encode()
        if self.kind == "inject":
            answer += INJECTED[self.proto]
        self.send(answer)  # one send: go-ahead and injection share a segment
        if self.kind == "reset":
            self.wait_for_bytes()
            self.reset()
        self.start_tls()

    # -- IMAP -----------------------------------------------------------------------
    def imap_capabilities(self) -> str:
        if self.kind == "preauth":
            return "IMAP4rev1 IDLE"
        if self.offers_starttls:
            return "IMAP4rev1 STARTTLS LOGINDISABLED"
        return "IMAP4rev1 SASL-IR AUTH=PLAIN"

    def read_imap_command(self) -> list[bytes]:
        tokens: list[bytes] = []
        while True:
            line = self.read_line()
            match = re.search(rb"\{(\d+)(\+?)\}$", line)
            if not match:
                return tokens + _imap_tokens(line)
            tokens += _imap_tokens(line[:match.start()])
            size = int(match.group(1))
            if size > _MAX_LINE:
                raise _Closed()
            if not match.group(2):
                self.send(b"+ Ready for literal data\r\n")
            tokens.append(self.read_exact(size))

    def imap(self) -> None:
        if self.kind == "preauth":
            self.greet(f"* PREAUTH [CAPABILITY {self.imap_capabilities()}] {self.host}: "
                       f"logged in without a password\r\n")
        elif self.kind == "escape":
            self.greet(f"* OK {ESCAPE_TEXT}\r\n")
        else:
            self.greet(f"* OK [CAPABILITY {self.imap_capabilities()}] {self.host} ready.\r\n")
        authenticated = self.kind == "preauth"
        while True:
            tokens = self.read_imap_command()
            if not tokens:
                continue
            tag = tokens[0].decode("utf-8", "replace")
            command = tokens[1].decode("utf-8", "replace").upper() if len(tokens) > 1 else ""
            args = tokens[2:]
            if command == "CAPABILITY":
                self.send(f"* CAPABILITY {self.imap_capabilities()}\r\n"
                          f"{tag} {self.decorate('OK CAPABILITY completed')}\r\n")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed\r\n")
            elif command == "ID":
                self.send(f"* ID NIL\r\n{tag} OK ID completed\r\n")
            elif command == "LOGOUT":
                self.send(f"* BYE {self.decorate('Logging out')}\r\n{tag} OK LOGOUT completed\r\n")
                raise _Closed()
            elif command == "STARTTLS":
                if self.offers_starttls:
                    self.starttls(tag)
                else:
                    self.send(f"{tag} BAD STARTTLS not available here\r\n")
            elif command in ("LOGIN", "AUTHENTICATE") and authenticated:
                self.send(f"{tag} BAD Already authenticated\r\n")
            elif command == "LOGIN":
                if len(args) < 2:
                    self.send(f"{tag} BAD LOGIN needs a user name and a password\r\n")
                    continue
                user, password = (a.decode("utf-8", "replace") for a in args[:2])
                self.send(f"{tag} {self.login_reply(user, password)}\r\n")
            elif command == "AUTHENTICATE":
                self.imap_authenticate(tag, args)
            elif authenticated and command == "LIST":
                self.send(f'* LIST (\\HasNoChildren) "." INBOX\r\n{tag} OK LIST completed\r\n')
            elif authenticated and command in ("SELECT", "EXAMINE"):
                self.send(f"* FLAGS (\\Seen)\r\n* 0 EXISTS\r\n* 0 RECENT\r\n"
                          f"{tag} OK [READ-WRITE] {command} completed\r\n")
            else:
                self.send(f"{tag} BAD {self.decorate('Unknown command or wrong state')}\r\n")

    def imap_authenticate(self, tag: str, args: list[bytes]) -> None:
        mechanism = args[0].decode("utf-8", "replace").upper() if args else ""
        if mechanism != "PLAIN":
            self.send(f"{tag} NO [CANNOT] Unsupported authentication mechanism\r\n")
            return
        if len(args) > 1:
            response = args[1]
        else:
            self.send(b"+ \r\n")
            response = self.read_line()
        if response.strip() == b"*":
            self.send(f"{tag} BAD Authentication aborted\r\n")
            return
        try:
            user, password = _sasl_plain(response)
        except ValueError:
            self.send(f"{tag} BAD Invalid base64 data\r\n")
            return
        self.send(f"{tag} {self.login_reply(user, password)}\r\n")

    # -- POP3 -----------------------------------------------------------------------
    def pop3_capabilities(self) -> list[str]:
        if self.offers_starttls:
            return ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "STLS"]
        return ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "USER", "SASL PLAIN"]

    def pop3(self) -> None:
        if self.kind == "escape":
            self.greet(f"+OK {ESCAPE_TEXT}\r\n")
        else:
            self.greet(f"+OK {self.host} POP3 ready.\r\n")
        user = ""
        while True:
            line = self.read_line()
            verb, _, rest = line.partition(b" ")
            verb_text = verb.decode("utf-8", "replace").upper()
            if verb_text == "CAPA":
                self.send("+OK Capability list follows\r\n"
                          + "".join(f"{c}\r\n" for c in self.pop3_capabilities()) + ".\r\n")
            elif verb_text == "STLS":
                if self.offers_starttls:
                    self.starttls()
                else:
                    self.send("-ERR STLS not available here\r\n")
            elif verb_text == "USER":
                user = rest.decode("utf-8", "replace")
                self.send(f"+OK {self.decorate('')}".rstrip() + "\r\n")
            elif verb_text == "PASS":
                self.send(self.login_reply(user, rest.decode("utf-8", "replace")) + "\r\n")
                user = ""
            elif verb_text == "AUTH":
                self.pop3_auth(rest)
            elif verb_text == "QUIT":
                self.send(f"+OK {self.decorate('Bye')}\r\n")
                raise _Closed()
            elif verb_text == "NOOP":
                self.send("+OK\r\n")
            else:
                self.send(f"-ERR {self.decorate('Unknown command or not logged in')}\r\n")

    def pop3_auth(self, rest: bytes) -> None:
        if not rest.strip():
            self.send("+OK\r\nPLAIN\r\n.\r\n")
            return
        mechanism, _, initial = rest.strip().partition(b" ")
        if mechanism.upper() != b"PLAIN":
            self.send("-ERR Unsupported authentication mechanism\r\n")
            return
        if not initial:
            self.send(b"+ \r\n")
            initial = self.read_line()
        if initial.strip() == b"*":
            self.send("-ERR Authentication aborted\r\n")
            return
        try:
            user, password = _sasl_plain(initial)
        except ValueError:
            self.send("-ERR Invalid base64 data\r\n")
            return
        self.send(self.login_reply(user, password) + "\r\n")

    # -- SMTP -----------------------------------------------------------------------
    def smtp_extensions(self) -> list[str]:
        if self.offers_starttls:
            return ["8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS"]
        return ["8BITMIME", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN"]

    def smtp(self) -> None:
        if self.kind == "escape":
            self.greet(f"220 {ESCAPE_TEXT}\r\n")
        else:
            self.greet(f"220 {self.host} ESMTP ready\r\n")
        while True:
            line = self.read_line()
            verb, _, rest = line.partition(b" ")
            verb_text = verb.decode("utf-8", "replace").upper()
            if verb_text == "EHLO":
                lines = [self.decorate(self.host)] + self.smtp_extensions()
                self.send("".join(f"250-{text}\r\n" for text in lines[:-1])
                          + f"250 {lines[-1]}\r\n")
            elif verb_text == "HELO":
                self.send(f"250 {self.host}\r\n")
            elif verb_text == "STARTTLS":
                if self.offers_starttls:
                    self.starttls()
                else:
                    self.send("502 5.5.1 STARTTLS not available here\r\n")
            elif verb_text == "AUTH":
                self.smtp_auth(rest)
            elif verb_text in ("MAIL", "RCPT", "DATA", "BDAT"):
                self.send("530 5.7.0 Authentication required\r\n")
            elif verb_text in ("NOOP", "RSET"):
                self.send("250 2.0.0 OK\r\n")
            elif verb_text == "QUIT":
                self.send(f"221 2.0.0 {self.decorate('Bye')}\r\n")
                raise _Closed()
            else:
                self.send(f"502 5.5.2 {self.decorate('Command not recognized')}\r\n")

    def smtp_auth(self, rest: bytes) -> None:
        mechanism, _, initial = rest.strip().partition(b" ")
        mechanism = mechanism.upper()
        if self.offers_starttls:
            self.send("530 5.7.0 Must issue a STARTTLS command first\r\n")
            return
        try:
            if mechanism == b"PLAIN":
                if not initial:
                    self.send(b"334 \r\n")
                    initial = self.read_line()
                if initial.strip() == b"*":
                    self.send("501 5.0.0 Authentication aborted\r\n")
                    return
                user, password = _sasl_plain(initial)
            elif mechanism == b"LOGIN":
                if not initial:
                    self.send(b"334 VXNlcm5hbWU6\r\n")
                    initial = self.read_line()
                if initial.strip() == b"*":
                    self.send("501 5.0.0 Authentication aborted\r\n")
                    return
                user = _b64(initial).decode("utf-8", "replace")
                self.send(b"334 UGFzc3dvcmQ6\r\n")
                answer = self.read_line()
                if answer.strip() == b"*":
                    self.send("501 5.0.0 Authentication aborted\r\n")
                    return
                password = _b64(answer).decode("utf-8", "replace")
            else:
                self.send("504 5.5.4 Unrecognized authentication type\r\n")
                return
        except ValueError:
            self.send("501 5.5.2 Invalid base64 data\r\n")
            return
        self.send(self.login_reply(user, password) + "\r\n")


__all__ = ["HostileMailServer", "KIND_PORTS", "PROVIDER_ERRORS", "GARBAGE", "ESCAPE_TEXT",
           "INJECTED", "GO_AHEAD"]
