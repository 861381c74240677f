"""Just enough IMAP, POP3 and SMTP to diagnose a server: greeting,
capabilities, STARTTLS, SASL login, and a look at the mailbox.

All three clients share one shape (greet, capabilities, mechanisms,
login_disabled, starttls, login, mailbox, quit; the network steps are
coroutines) so the engine can run the same steps for each. Secrets are never written to the transcript: the
commands that carry them pass a redacted ``shown`` form, and the transcript
also scrubs the raw secrets from anything a server echoes back.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from ..i18n import N_, msg
from ..errors import ProtocolError
from .connection import REDACTED, Connection, protocol_argument
from .redaction import secret_forms

MAX_RESPONSE_LINES = 100_000
CODE = re.compile(r"^\[([A-Za-z0-9/\-]+)(?:\s+([^\]]*))?\]\s*(.*)$")


@dataclass(frozen=True)
class Credentials:
    """Who logs in. ``repr`` never shows the secrets."""

    username: str
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Every form of the password and token on the wire (see redaction)."""
        return secret_forms(self.username, self.password, self.token)


def _check_credentials(creds: Credentials) -> None:
    """UnsafeArgument unless the user name and token are safe for a command
    line (the password is checked where it is sent unencoded)."""
    protocol_argument(creds.username, N_("username"))
    if creds.token is not None:
        protocol_argument(creds.token, N_("access token"))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def sasl_plain(creds: Credentials) -> str | None:
    if creds.password is None:
        return None
    return _b64(f"\0{creds.username}\0{creds.password}")


def sasl_xoauth2(creds: Credentials) -> str | None:
    if creds.token is None:
        return None
    return _b64(f"user={creds.username}\x01auth=Bearer {creds.token}\x01\x01")


def sasl_oauthbearer(creds: Credentials) -> str | None:
    if creds.token is None:
        return None
    return _b64(f"n,a={creds.username},\x01auth=Bearer {creds.token}\x01\x01")


def sasl_payload(mechanism: str, creds: Credentials) -> str:
    """The base64 initial response of a SASL ``mechanism`` (PLAIN, XOAUTH2,
    OAUTHBEARER)."""
    return {"PLAIN": sasl_plain, "XOAUTH2": sasl_xoauth2,
            "OAUTHBEARER": sasl_oauthbearer}[mechanism](creds) or ""


def _capability_words(lines, keyword: str) -> frozenset[str]:
    """Capability words from POP3 CAPA or SMTP EHLO lines; the mechanisms
    after ``keyword`` (SASL, AUTH) become AUTH=<mechanism>."""
    caps: set[str] = set()
    for line in lines:
        upper = line.upper()
        if upper.startswith("AUTH="):  # old SMTP servers write AUTH=PLAIN LOGIN
            upper = upper.replace("=", " ", 1)
        words = upper.split()
        if not words:
            continue
        caps.add(words[0])
        if words[0] == keyword:
            caps.update(f"AUTH={w}" for w in words[1:])
    return frozenset(caps)


def _auth_mechanisms(caps: frozenset[str]) -> list[str]:
    return [c.split("=", 1)[1] for c in sorted(caps) if c.startswith("AUTH=")]


@dataclass(frozen=True)
class Greeting:
    #: ok | preauth | bye | garbage
    status: str
    text: str
    capabilities: frozenset[str] | None = None


@dataclass(frozen=True)
class Reply:
    """A login (or other) answer: ``ok``, the machine-readable ``code``
    ([AUTHENTICATIONFAILED], [SYS/TEMP], 5.7.8...), the status word or
    number, and the human text."""

    ok: bool
    status: str
    code: str | None = None
    text: str = ""
    alerts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mailbox:
    folders: int | None = None
    messages: int | None = None
    size: int | None = None


def _split_code(text: str) -> tuple[str | None, str]:
    match = CODE.match(text)
    if match:
        return match.group(1).upper(), match.group(3)
    return None, text


def _ehlo_name(conn: Connection) -> str:
    local = conn.local_address or "127.0.0.1"
    return f"[IPv6:{local}]" if ":" in local else f"[{local}]"


class IMAPClient:
    protocol = "imap"
    starttls_capability = "STARTTLS"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._tag = 0

    async def greet(self) -> Greeting:
        line = await self.conn.read_line()
        upper = line.upper()
        for prefix, status in (("* OK", "ok"), ("* PREAUTH", "preauth"), ("* BYE", "bye")):
            if upper.startswith(prefix):
                rest = line[len(prefix):].strip()
                code, text = _split_code(rest)
                caps = None
                if code == "CAPABILITY":
                    match = CODE.match(rest)
                    caps = frozenset((match.group(2) or "").upper().split())
                return Greeting(status, text, caps)
        return Greeting("garbage", line)

    async def _command(self, text: str, *, shown: str | None = None,
                 continuation: str | None = None, continuation_shown: str | None = None
                 ) -> tuple[Reply, list[str]]:
        self._tag += 1
        tag = f"A{self._tag}"
        await self.conn.send_line(f"{tag} {text}",
                                  shown=None if shown is None else f"{tag} {shown}")
        untagged: list[str] = []
        alerts: list[str] = []
        sent_continuation = False
        for _ in range(MAX_RESPONSE_LINES):
            line = await self.conn.read_line()
            literal = re.search(r"\{([0-9]+)\}$", line)
            if literal:
                digits = literal.group(1)
                # more than 12 digits is far past any cap (and past int()'s
                # own limit of 4300 digits): read_exact refuses it
                data = await self.conn.read_exact(int(digits) if len(digits) <= 12
                                                  else 10 ** 12)
                line = line + data.decode("utf-8", "replace") + await self.conn.read_line()
            if line.startswith("+"):
                # continuation: send the SASL payload, or an empty line to end
                # a failed SASL exchange (the server put an error in the "+")
                if continuation is not None and not sent_continuation:
                    await self.conn.send_line(continuation, shown=continuation_shown)
                    sent_continuation = True
                else:
                    await self.conn.send_line("")
                continue
            if line.startswith(tag + " "):
                rest = line[len(tag) + 1:]
                status, _, tail = rest.partition(" ")
                code, human = _split_code(tail)
                if code == "ALERT":
                    alerts.append(human)
                return Reply(status.upper() == "OK", status.upper(), code, human,
                             tuple(alerts)), untagged
            if line.startswith("*"):
                if "[ALERT]" in line.upper():
                    alerts.append(line.split("]", 1)[-1].strip())
                if len(untagged) < 10_000:
                    untagged.append(line)
                continue
            raise ProtocolError(msg("{host} sent an unexpected line", host=self.conn.host))
        raise ProtocolError(msg("{host} sent too many lines", host=self.conn.host),
                            kind="too-long")

    async def capabilities(self) -> frozenset[str]:
        reply, untagged = await self._command("CAPABILITY")
        caps: set[str] = set()
        for line in untagged:
            if line.upper().startswith("* CAPABILITY"):
                caps.update(line.upper().split()[2:])
        return frozenset(caps)

    @staticmethod
    def mechanisms(caps: frozenset[str]) -> list[str]:
        return _auth_mechanisms(caps)

    @staticmethod
    def login_disabled(caps: frozenset[str]) -> bool:
        return "LOGINDISABLED" in caps

    async def starttls(self) -> Reply:
        reply, _ = await self._command("STARTTLS")
        return reply

    async def login(self, creds: Credentials, caps: frozenset[str], mechanism: str) -> Reply:
        _check_credentials(creds)
        if mechanism == "LOGIN":
            protocol_argument(creds.password or "", N_("password"))
            reply, _ = await self._command(
                f"LOGIN {_imap_quote(creds.username)} {_imap_quote(creds.password or '')}",
                shown=f"LOGIN {_imap_quote(creds.username)} {REDACTED}")
            return reply
        payload = sasl_payload(mechanism, creds)
        if "SASL-IR" in caps:
            reply, _ = await self._command(f"AUTHENTICATE {mechanism} {payload}",
                                           shown=f"AUTHENTICATE {mechanism} {REDACTED}")
            return reply
        reply, _ = await self._command(f"AUTHENTICATE {mechanism}", continuation=payload,
                                       continuation_shown=REDACTED)
        return reply

    async def mailbox(self) -> Mailbox:
        reply, untagged = await self._command('LIST "" "*"')
        folders = sum(1 for line in untagged if line.upper().startswith("* LIST"))
        reply2, untagged2 = await self._command("EXAMINE INBOX")
        messages = None
        for line in untagged2:
            parts = line.split()
            if len(parts) >= 3 and parts[2].upper() == "EXISTS" and _digits(parts[1]):
                messages = int(parts[1])
        return Mailbox(folders=folders if reply.ok else None,
                       messages=messages if reply2.ok else None)

    async def quit(self) -> None:
        await self._command("LOGOUT")


def _imap_quote(text: str) -> str:
    # control characters were refused before (protocol_argument); non-ASCII
    # would need a literal: AUTHENTICATE PLAIN is used instead when possible,
    # and such a LOGIN is simply refused by the server
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class POP3Client:
    protocol = "pop3"
    starttls_capability = "STLS"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def greet(self) -> Greeting:
        line = await self.conn.read_line()
        if line.startswith("+OK"):
            return Greeting("ok", line[3:].strip())
        if line.startswith("-ERR"):
            return Greeting("bye", line[4:].strip())
        return Greeting("garbage", line)

    async def _command(self, text: str, *, shown: str | None = None) -> Reply:
        await self.conn.send_line(text, shown=shown)
        return await self._reply()

    async def _reply(self) -> Reply:
        line = await self.conn.read_line()
        if line.startswith("+OK"):
            return Reply(True, "+OK", None, line[3:].strip())
        if line.startswith("-ERR"):
            code, human = _split_code(line[4:].strip())
            return Reply(False, "-ERR", code, human)
        if line.startswith("+"):
            return Reply(False, "+", None, line[1:].strip())
        raise ProtocolError(msg("{host} sent an unexpected line", host=self.conn.host))

    async def _multiline(self) -> list[str]:
        lines = []
        for _ in range(MAX_RESPONSE_LINES):
            line = await self.conn.read_line()
            if line == ".":
                return lines
            lines.append(line[1:] if line.startswith("..") else line)
        raise ProtocolError(msg("{host} sent too many lines", host=self.conn.host),
                            kind="too-long")

    async def capabilities(self) -> frozenset[str]:
        reply = await self._command("CAPA")
        if not reply.ok:
            return frozenset()
        return _capability_words(await self._multiline(), "SASL")

    @staticmethod
    def mechanisms(caps: frozenset[str]) -> list[str]:
        mechs = _auth_mechanisms(caps)
        if "USER" in caps or not caps:
            mechs.append("USER")
        return mechs

    @staticmethod
    def login_disabled(caps: frozenset[str]) -> bool:
        return False

    async def starttls(self) -> Reply:
        return await self._command("STLS")

    async def login(self, creds: Credentials, caps: frozenset[str], mechanism: str) -> Reply:
        _check_credentials(creds)
        if mechanism == "USER":
            protocol_argument(creds.password or "", N_("password"))
            reply = await self._command(f"USER {creds.username}")
            if not reply.ok:
                return reply
            if self.conn.has_unread():
                # a second answer to USER would be read as the answer to PASS
                raise ProtocolError(msg("{host} sent more than one answer to USER",
                                        host=self.conn.host),
                                    host=self.conn.host, port=self.conn.port)
            # only PASS's own +OK means the sign-in worked
            return await self._command(f"PASS {creds.password or ''}", shown=f"PASS {REDACTED}")
        payload = sasl_payload(mechanism, creds)
        reply = await self._command(f"AUTH {mechanism} {payload}",
                              shown=f"AUTH {mechanism} {REDACTED}")
        if reply.status == "+":  # failed SASL: the server wants an empty line
            reply = await self._command("")
        return reply

    async def mailbox(self) -> Mailbox:
        reply = await self._command("STAT")
        parts = reply.text.split()
        if reply.ok and len(parts) >= 2 and _digits(parts[0]) and _digits(parts[1]):
            return Mailbox(messages=int(parts[0]), size=int(parts[1]))
        return Mailbox()

    async def quit(self) -> None:
        await self._command("QUIT")


class SMTPClient:
    protocol = "smtp"
    starttls_capability = "STARTTLS"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def _reply(self) -> tuple[int, list[str]]:
        lines = []
        for _ in range(1000):
            line = await self.conn.read_line()
            if len(line) < 3 or not _digits(line[:3]):
                raise ProtocolError(msg("{host} sent an answer that is not SMTP",
                                        host=self.conn.host))
            lines.append(line[4:])
            if len(line) == 3 or line[3] == " ":
                return int(line[:3]), lines
            if line[3] != "-":
                raise ProtocolError(msg("{host} sent an answer that is not SMTP",
                                        host=self.conn.host))
        raise ProtocolError(msg("{host} sent too many lines", host=self.conn.host),
                            kind="too-long")

    async def greet(self) -> Greeting:
        try:
            code, lines = await self._reply()
        except ProtocolError as exc:
            if exc.kind in ("garbage",):
                return Greeting("garbage", "")
            raise
        text = " ".join(lines)
        if code == 220:
            return Greeting("ok", text)
        if code in (421, 554):
            return Greeting("bye", text)
        return Greeting("garbage", text)

    async def _command(self, text: str, *, shown: str | None = None) -> Reply:
        await self.conn.send_line(text, shown=shown)
        code, lines = await self._reply()
        human = " ".join(lines)
        enhanced = re.match(r"^([245]\.\d{1,3}\.\d{1,3})\s*(.*)$", human)
        status_code = enhanced.group(1) if enhanced else None
        return Reply(200 <= code < 400, str(code), status_code,
                     enhanced.group(2) if enhanced else human)

    async def capabilities(self) -> frozenset[str]:
        await self.conn.send_line(f"EHLO {_ehlo_name(self.conn)}")
        code, lines = await self._reply()
        if code != 250:
            return frozenset()
        return _capability_words(lines[1:], "AUTH")

    @staticmethod
    def mechanisms(caps: frozenset[str]) -> list[str]:
        return _auth_mechanisms(caps)

    @staticmethod
    def login_disabled(caps: frozenset[str]) -> bool:
        return False

    async def starttls(self) -> Reply:
        return await self._command("STARTTLS")

    async def login(self, creds: Credentials, caps: frozenset[str], mechanism: str) -> Reply:
        _check_credentials(creds)
        if mechanism == "LOGIN":
            reply = await self._command("AUTH LOGIN")
            if reply.status != "334":
                return reply
            reply = await self._command(_b64(creds.username))
            if reply.status != "334":
                return reply
            return await self._command(_b64(creds.password or ""), shown=REDACTED)
        payload = sasl_payload(mechanism, creds)
        reply = await self._command(f"AUTH {mechanism} {payload}",
                              shown=f"AUTH {mechanism} {REDACTED}")
        if reply.status == "334":  # failed SASL: the server wants an empty line
            reply = await self._command("")
        return reply

    async def mailbox(self) -> Mailbox:
        return Mailbox()

    async def quit(self) -> None:
        await self._command("QUIT")


CLIENTS = {"imap": IMAPClient, "pop3": POP3Client, "smtp": SMTPClient}


def choose_mechanism(protocol: str, mechanisms: list[str], creds: Credentials,
                     caps: frozenset[str]) -> str | None:
    """The SASL mechanism (or LOGIN/USER) to use, best first; None if the
    server offers nothing we can use with these credentials."""
    if creds.token is not None:
        for mech in ("OAUTHBEARER", "XOAUTH2"):
            if mech in mechanisms:
                return mech
        return None
    if "PLAIN" in mechanisms:
        return "PLAIN"
    if protocol == "imap" and not IMAPClient.login_disabled(caps):
        return "LOGIN"
    if protocol == "pop3" and "USER" in mechanisms:
        return "USER"
    if protocol == "smtp" and "LOGIN" in mechanisms:
        return "LOGIN"
    return None


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also says yes to "²", which int() refuses."""
    return text.isascii() and text.isdigit()
