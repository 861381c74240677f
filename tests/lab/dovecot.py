"""Real mail servers for the lab: Debian's Dovecot 2.3, one foreground
instance per variant, started on first use by ``lab.mail(variant)``.

Every instance has its own folder in the lab's temporary folder (config,
base_dir, state_dir, log, passwd-file, Maildirs), its own lab address and
the standard ports 993 143 995 110 465 587 (``dual``: six random high ports
on its lab address *and* on ::1). See README.md, "Mail servers", for the
variants.

What Dovecot 2.3.19 really does here (checked by tests/test_mail_lab.py):

* a wrong password is answered after up to 0.5 s even with
  ``auth_failure_delay = 0``: 2.3.19 still flushes delayed failures on a
  500 ms timer (``nodelay`` in the passdb does not survive a password
  mismatch). The per-IP penalty (doubling up to 15 s) is switched off by
  making the ``anvil-auth-penalty`` socket unreachable.
* a ``nologin`` account with ``reason=...`` answers, for any password
  (the entry has ``nopassword``): IMAP ``NO [CONTACTADMIN] <reason>``, POP3
  ``-ERR [AUTH] <reason>``, SMTP ``525 5.7.13 <reason>``. passwd-file splits
  extra fields at spaces, so the reason comes from the environment
  (``reason=%{env:LAB_DISABLED_REASON}`` plus ``import_environment``).
* Dovecot treats a connection whose client address equals the server
  address as secure; lab clients connect from 127.0.0.1 to 127.X.Y.N, so
  that rule never applies on IPv4 - but on ``dual``'s ::1 listeners client
  and server are both ::1, so there cleartext LOGIN works without TLS.
* an orderly stop (SIGTERM to the master) takes ~1.1 s; SIGTERM to the
  whole group is mostly quick but sometimes stalls for seconds. The lab
  keeps nothing of an instance, so it SIGKILLs the group.
* the submission service connects to its relay right after AUTH and
  answers every later command with 421 when it cannot, so the lab runs a
  small SMTP sink (:class:`SmtpSink`, lab host ``mail-relay`` port 25).
"""

from __future__ import annotations

import ctypes
import datetime
import grp
import json
import os
import pwd
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from socketserver import StreamRequestHandler, ThreadingTCPServer
from urllib.parse import parse_qsl

from .mailserver import (ALICE, CANARY_PASSWORD, DISABLED_REASON, IMPLICIT_TLS,
                         OAUTH2_VALID_TOKEN, STANDARD_PORTS, MailServer)
from .sockets import tail_of_files
from .spec import MAIL_VARIANTS, Reply, Request

DOVECOT = "/usr/sbin/dovecot"
OAUTH2_PATH = "/oauth2/introspect"
RELAY_PORT = 25

#: (login service, listener name) for each port name
_LISTENERS = {"imap": ("imap-login", "imap"), "imaps": ("imap-login", "imaps"),
              "pop3": ("pop3-login", "pop3"), "pop3s": ("pop3-login", "pop3s"),
              "submission": ("submission-login", "submission"),
              "submissions": ("submission-login", "submissions")}
_PLAIN_ONLY = {name: port for name, port in STANDARD_PORTS.items() if name not in IMPLICIT_TLS}

#: the folders alice has (besides INBOX) and her INBOX messages
FOLDERS = ("Sent", "Drafts", "Trash")
MESSAGES = (
    ("Welcome to the lab", "Hello Alice,\r\nthis is the first lab message.\r\n", "S"),
    ("Second message", "Another small message.\r\n", "S"),
    ("Unread third message", "This one has not been read yet.\r\n", ""),
)


class DovecotError(RuntimeError):
    """A Dovecot instance could not start."""


# -- variants ------------------------------------------------------------------

def variant_settings(variant: str) -> dict:
    """How ``variant`` differs from ``healthy``: ``ssl`` ("yes"/"no"),
    ``plaintext_auth`` (Dovecot's disable_plaintext_auth inverted), ``ports``
    (None = the six standard ones; "random" = six random high ports),
    ``cert`` ("valid", "expired", "expiring", "wrongname", "selfsigned" or None),
    ``ipv6`` (also listen on ::1), ``oauth2``."""
    if variant not in MAIL_VARIANTS:
        raise KeyError(f"no mail variant {variant!r}; known: {', '.join(MAIL_VARIANTS)}")
    settings = dict(ssl="yes", plaintext_auth=False, ports=dict(STANDARD_PORTS), cert="valid",
                    ipv6=False, oauth2=False)
    if variant == "dual":
        settings.update(ports="random", ipv6=True)
    elif variant in ("expired", "wrongname", "selfsigned", "expiring"):
        settings.update(cert=variant)
    elif variant == "nostarttls":
        settings.update(ssl="no", ports=dict(_PLAIN_ONLY), cert=None)
    elif variant == "plaintext":
        settings.update(ssl="no", plaintext_auth=True, ports=dict(_PLAIN_ONLY), cert=None)
    elif variant == "oauth2":
        settings.update(oauth2=True)
    return settings


def certificate_names(variant: str) -> list[str]:
    """The names in the variant's certificate (the first is its host name)."""
    if variant == "wrongname":
        return ["other.invalid-name.test"]
    names = [f"{variant}.mail.test", f"mail-{variant}.lab.test"]
    if variant == "healthy":
        # the guessing scenario points these at the healthy server
        names += ["imap.guess.test", "pop.guess.test", "smtp.guess.test"]
    return names


# -- the OAuth2 introspection endpoint (served by the lab web server) ------------

def introspect(request: Request) -> Reply:
    """RFC 7662 token introspection: ``lab-valid-token`` is alice's, anything
    else is inactive. Takes the token from a form body (``token=``, Dovecot's
    ``introspection_mode = post``), a Bearer header or the query."""
    token = dict(parse_qsl(request.body.decode("utf-8", "replace"))).get("token", "")
    auth = request.headers.get("authorization", "") or ""
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    token = token or request.query.get("token", "") or request.query.get("access_token", "")
    if token == OAUTH2_VALID_TOKEN:
        body = {"active": True, "email": ALICE, "sub": ALICE, "scope": "mail",
                "client_id": "setupwizard-lab", "token_type": "Bearer"}
    else:
        body = {"active": False}
    return Reply(200, body=json.dumps(body), content_type="application/json")


# -- files -----------------------------------------------------------------------

def _message(number: int, subject: str, body: str) -> bytes:
    date = datetime.datetime(2024, 1, number, 9, 30, tzinfo=datetime.timezone.utc)
    return (f"From: Lab Sender <sender@lab.test>\r\nTo: Alice <{ALICE}>\r\n"
            f"Subject: {subject}\r\nDate: {date.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"Message-ID: <lab-message-{number}@lab.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=us-ascii\r\n\r\n{body}").encode("ascii")


def make_mail_tree(root: str) -> None:
    """Alice's Maildir under ``root`` (3 INBOX messages, folders Sent, Drafts,
    Trash), owned by nobody:nogroup like the static userdb says."""
    maildir = os.path.join(root, ALICE, "Maildir")
    for folder in ("",) + tuple(f".{name}" for name in FOLDERS):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, folder, sub), exist_ok=True)
        if folder:
            open(os.path.join(maildir, folder, "maildirfolder"), "w").close()
    with open(os.path.join(maildir, "subscriptions"), "w") as subs:
        subs.write("".join(f"{name}\n" for name in FOLDERS))
    for number, (subject, body, flags) in enumerate(MESSAGES, start=1):
        name = f"{1704100000 + number}.M{number}P1.lab:2,{flags}"
        with open(os.path.join(maildir, "cur", name), "wb") as out:
            out.write(_message(number, subject, body))
    uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    for here, dirs, files in os.walk(root):
        os.chown(here, uid, gid)
        for name in files:
            os.chown(os.path.join(here, name), uid, gid)


def render_config(*, variant: str, folder: str, listen: list[str], ports: dict[str, int],
                  ssl: str, plaintext_auth: bool, cert: tuple[str, str] | None,
                  oauth2_conf: str | None, relay: tuple[str, int], hostname: str) -> str:
    """dovecot.conf for one instance (each setting on its own line)."""
    lines = [
        f"# setupwizard test lab: Dovecot variant {variant!r}",
        f"instance_name = lab-{variant}",
        f"base_dir = {folder}/run",
        f"state_dir = {folder}/state",
        f"log_path = {folder}/dovecot.log",
        "protocols = imap pop3 submission",
        f"listen = {', '.join(listen)}",
        "default_login_user = dovenull",
        "default_internal_user = dovecot",
        "default_internal_group = dovecot",
        "import_environment = TZ LAB_DISABLED_REASON",
        "auth_failure_delay = 0",
        "auth_verbose = yes",
        f"auth_mechanisms = plain login{' xoauth2 oauthbearer' if oauth2_conf else ''}",
        f"disable_plaintext_auth = {'no' if plaintext_auth else 'yes'}",
        f"ssl = {ssl}",
    ]
    if cert is not None:
        lines += [f"ssl_cert = <{cert[0]}", f"ssl_key = <{cert[1]}"]
    lines += [
        f"hostname = {hostname}",
        "postmaster_address = postmaster@lab.test",
        f"submission_relay_host = {relay[0]}",
        f"submission_relay_port = {relay[1]}",
        "submission_relay_connect_timeout = 2 secs",
        "mail_location = maildir:~/Maildir",
        "mail_max_userip_connections = 100",
        "pop3_no_flag_updates = yes",  # POP3 RETR does not mark messages read
        "shutdown_clients = yes",
    ]
    if oauth2_conf:
        lines += ["passdb {", "  driver = oauth2", "  mechanisms = xoauth2 oauthbearer",
                  f"  args = {oauth2_conf}", "}"]
    lines += [
        "passdb {", "  driver = passwd-file", f"  args = scheme=PLAIN {folder}/users", "}",
        "userdb {", "  driver = static",
        f"  args = uid=nobody gid=nogroup home={folder}/mail/%u", "}",
        # no per-IP penalty: every lab client comes from 127.0.0.1
        "service anvil {", "  unix_listener anvil-auth-penalty {", "    mode = 0", "  }", "}",
    ]
    for service in ("imap-login", "pop3-login", "submission-login"):
        lines.append(f"service {service} {{")
        for name, (owner, listener) in _LISTENERS.items():
            if owner != service:
                continue
            lines += [f"  inet_listener {listener} {{", f"    port = {ports.get(name, 0)}"]
            if name in IMPLICIT_TLS and name in ports:
                lines.append("    ssl = yes")
            lines.append("  }")
        lines.append("}")
    return "\n".join(lines) + "\n"


def render_oauth2_config(introspection_url: str) -> str:
    return "\n".join([
        f"introspection_url = {introspection_url}",
        "introspection_mode = post",
        "force_introspection = yes",
        "username_attribute = email",
        "active_attribute = active",
        "active_value = true",
        "timeout_msecs = 5000",
    ]) + "\n"


USERS_FILE = (f"{ALICE}:{{PLAIN}}{CANARY_PASSWORD}::::::\n"
              "disabled@lab.test:::::::nopassword=y nologin=y nodelay=y "
              "reason=%{env:LAB_DISABLED_REASON}\n")


# -- processes -------------------------------------------------------------------

def _die_with_parent() -> None:
    # SIGTERM when the launcher thread (see Launcher) ends, even by SIGKILL
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Launcher:
    """Starts the lab's child processes from one long-lived thread.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, so
    a Dovecot started from a short-lived test thread would die with it; this
    thread lives until the lab stops."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lab-launcher")

    def popen(self, *args, **kwargs) -> subprocess.Popen:
        return self._pool.submit(subprocess.Popen, *args, preexec_fn=_die_with_parent,
                                 **kwargs).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def live_group_members(pgid: int) -> list[int]:
    """Processes in process group ``pgid`` that are not zombies."""
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(name))
    return members


def _proc_net_address(ip: str, port: int) -> tuple[str, str]:
    """(file, "ADDR:PORT") as /proc/net/tcp{,6} spells a local address."""
    if ":" in ip:
        packed = socket.inet_pton(socket.AF_INET6, ip)
        words = "".join(packed[i:i + 4][::-1].hex() for i in range(0, 16, 4))
        return "/proc/net/tcp6", f"{words.upper()}:{port:04X}"
    return "/proc/net/tcp", f"{socket.inet_aton(ip)[::-1].hex().upper()}:{port:04X}"


def listening(addresses: list[tuple[str, int]]) -> bool:
    """True when every (ip, port) has a listening TCP socket (read from
    /proc, so checking opens no connection a server would log)."""
    wanted: dict[str, set[str]] = {}
    for ip, port in addresses:
        path, text = _proc_net_address(ip, port)
        wanted.setdefault(path, set()).add(text)
    for path, texts in wanted.items():
        found = set()
        with open(path) as table:
            next(table)
            for line in table:
                fields = line.split()
                if fields[3] == "0A":  # LISTEN
                    found.add(fields[1])
        if not texts <= found:
            return False
    return True


def free_port_pair(ipv4: str, count: int = 6) -> list[int]:
    """``count`` distinct high ports free on both ::1 and ``ipv4``."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            held.append(six)
            six.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            six.bind(("::1", 0))
            port = six.getsockname()[1]
            four = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(four)
            try:
                four.bind((ipv4, port))
            except OSError:
                continue
            if port >= 1024:
                ports.append(port)
    finally:
        for sock in held:
            sock.close()
    return ports


class Dovecot(MailServer):
    """One Dovecot instance (``dovecot -c CONF -F``) leading its own process
    group; stopped by SIGKILL to that group (the master's process id)."""

    def __init__(self, variant: str, *, ip: str, folder: str, certs, relay: tuple[str, int],
                 introspection_url: str, launcher: Launcher) -> None:
        settings = variant_settings(variant)
        if settings["ports"] == "random":
            settings["ports"] = dict(zip(STANDARD_PORTS, free_port_pair(ip)))
        names = certificate_names(variant)
        super().__init__(variant, f"{variant}.mail.test", ip, settings["ports"],
                         {ALICE: CANARY_PASSWORD}, os.path.join(folder, "dovecot.log"))
        #: "::1" for the dual variant (same ports), else None
        self.ipv6: str | None = "::1" if settings["ipv6"] else None
        #: the names in its certificate (None for the ssl = no variants)
        self.cert_names: list[str] | None = None
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self._launcher = launcher
        os.makedirs(folder, mode=0o755, exist_ok=True)
        os.chmod(folder, 0o755)
        make_mail_tree(os.path.join(folder, "mail"))
        with open(os.path.join(folder, "users"), "w") as users:
            users.write(USERS_FILE)
        os.chmod(os.path.join(folder, "users"), 0o644)
        cert = None
        if settings["cert"] is not None:
            cert = self._certificate(settings["cert"], names, certs)
            self.cert_names = names
        oauth2_conf = None
        if settings["oauth2"]:
            oauth2_conf = os.path.join(folder, "oauth2.conf.ext")
            with open(oauth2_conf, "w") as conf:
                conf.write(render_oauth2_config(introspection_url))
            os.chmod(oauth2_conf, 0o644)
        listen = [ip] + ([self.ipv6] if self.ipv6 else [])
        self.conf_path = os.path.join(folder, "dovecot.conf")
        with open(self.conf_path, "w") as conf:
            conf.write(render_config(variant=variant, folder=folder, listen=listen,
                                     ports=self.ports, ssl=settings["ssl"],
                                     plaintext_auth=settings["plaintext_auth"], cert=cert,
                                     oauth2_conf=oauth2_conf, relay=relay, hostname=self.host))
        self._stderr_path = os.path.join(folder, "dovecot.stderr")

    def _certificate(self, kind: str, names: list[str], certs) -> tuple[str, str]:
        if kind == "selfsigned":
            from .web import self_signed_pem
            cert_pem, key_pem = self_signed_pem(names[0])
            cert_path = os.path.join(self.folder, "server.crt")
            key_path = os.path.join(self.folder, "server.key")
            with open(cert_path, "wb") as out:
                out.write(cert_pem)
            with open(key_path, "wb") as out:
                out.write(key_pem)
            os.chmod(key_path, 0o600)
            return cert_path, key_path
        if kind == "expired":
            now = datetime.datetime.now(datetime.timezone.utc)
            leaf = certs.issue(*names, not_before=now - datetime.timedelta(days=90),
                               not_after=now - datetime.timedelta(days=2))
        elif kind == "expiring":  # valid, but for five more days only
            now = datetime.datetime.now(datetime.timezone.utc)
            leaf = certs.issue(*names, not_before=now - datetime.timedelta(days=80),
                               not_after=now + datetime.timedelta(days=5))
        else:
            leaf = certs.issue(*names)
        return certs.write_pem_files(leaf, self.folder, "server")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def listen_addresses(self) -> list[tuple[str, int]]:
        ips = [self.ip] + ([self.ipv6] if self.ipv6 else [])
        return [(ip, port) for ip in ips for port in self.ports.values()]

    def start(self, wait: float = 5.0) -> "Dovecot":
        if not os.access(DOVECOT, os.X_OK):
            raise DovecotError(f"{DOVECOT} is missing: apt-get install dovecot-imapd "
                               f"dovecot-pop3d dovecot-submissiond")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LAB_DISABLED_REASON": DISABLED_REASON}
        with open(self._stderr_path, "wb") as err:
            self.process = self._launcher.popen(
                [DOVECOT, "-c", self.conf_path, "-F"], stdin=subprocess.DEVNULL,
                stdout=err, stderr=err, env=env, start_new_session=True, close_fds=True)
        end = time.monotonic() + wait
        addresses = self.listen_addresses()
        while not listening(addresses):
            if self.process.poll() is not None:
                raise DovecotError(f"dovecot ({self.variant}) exited with status "
                                   f"{self.process.returncode}: {self.diagnostics()}")
            if time.monotonic() > end:
                self.stop()
                raise DovecotError(f"dovecot ({self.variant}) does not listen on "
                                   f"{addresses} after {wait} s: {self.diagnostics()}")
            time.sleep(0.01)
        return self

    def diagnostics(self) -> str:
        return tail_of_files((self._stderr_path, self.log_path), 3000)

    def terminate(self) -> None:
        """Kill the instance: SIGKILL to its whole process group. Everything
        it has lives in the lab folder, so nothing needs an orderly
        shutdown - which takes Dovecot ~1.1 s (SIGTERM to the master) or,
        with SIGTERM to the group, anything up to the 5 s wait. See wait()."""
        if self.process is not None and self.process.poll() is None:
            self._signal(signal.SIGKILL)

    def wait(self, timeout: float = 5.0) -> None:
        """Reap the master, then make sure no live member of its process
        group is left (children are re-parented to init, which reaps them in
        its own time)."""
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            process.wait(2)
        end = time.monotonic() + 2
        while live_group_members(process.pid) and time.monotonic() < end:
            self._signal(signal.SIGKILL)
            time.sleep(0.01)
        self.process = None

    def stop(self) -> None:
        self.terminate()
        self.wait()

    def _signal(self, signum: int) -> None:
        # the group Dovecot leads (start_new_session): its id is the master's pid
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


# -- the relay the submission services talk to -------------------------------------

class SmtpSink(ThreadingTCPServer):
    """A minimal SMTP server that accepts every message (for Dovecot's
    ``submission_relay_host``); ``messages`` holds (mail_from, rcpts, data)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, ip: str, port: int = RELAY_PORT) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__((ip, port), _SinkHandler)

    def serve(self) -> "SmtpSink":
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="lab-mail-relay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
        self.server_close()


class _SinkHandler(StreamRequestHandler):
    timeout = 60

    def handle(self) -> None:
        self.wfile.write(b"220 relay.lab.test ESMTP lab sink\r\n")
        mail_from, rcpts = "", []
        while True:
            line = self.rfile.readline(10000)
            if not line:
                return
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-relay.lab.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                                 b"250-SIZE 10485760\r\n250 ENHANCEDSTATUSCODES\r\n")
            elif verb in (b"HELO", b"NOOP", b"RSET"):
                if verb == b"RSET":
                    mail_from, rcpts = "", []
                self.wfile.write(b"250 2.0.0 OK\r\n")
            elif verb == b"MAIL":
                mail_from, rcpts = line.decode("utf-8", "replace").strip(), []
                self.wfile.write(b"250 2.1.0 OK\r\n")
            elif verb == b"RCPT":
                rcpts.append(line.decode("utf-8", "replace").strip())
                self.wfile.write(b"250 2.1.5 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = b""
                while True:
                    chunk = self.rfile.readline(100000)
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk
                with self.server.lock:
                    self.server.messages.append((mail_from, rcpts, data))
                self.wfile.write(b"250 2.0.0 OK queued in the lab sink\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.wfile.write(b"502 5.5.2 Not implemented\r\n")


__all__ = ["Dovecot", "DovecotError", "Launcher", "SmtpSink", "introspect", "OAUTH2_PATH",
           "make_mail_tree", "render_config", "variant_settings"]
