"""Issue 9, items 2-5: values that could smuggle commands, servers that echo
the password's encoded forms, servers that send without end, and a
certificate whose subject cannot be parsed.

Every test runs the real command against a real peer on loopback: the
lab's web server for Autodiscover, and small scripted servers
(``tests.lab.scripted``) written here, each with just the misbehaviour the
test needs. Nothing is mocked.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from tests.support import ROOT, assert_clean, run_main
from tests.lab.scripted import (ScriptedServer, Session, echo_smtp,
                                malformed_subject_certificate)

PASSWORD = "Canary-Pw-7f3a9c"
TOKEN = "tok-Canary-0123456789"
USER = "alice@lab.test"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def diagnose(*args: str, secret: str | None = PASSWORD, token: bool = False,
             output: str = "--json", lang: str | None = None):
    login = (["--oauth2-token-stdin"] if token else ["--password-stdin"]) if secret else \
        ["--no-login"]
    extra = ["--lang", lang] if lang else []
    proc = run_main("diagnose", USER, *args, *login, *([output] if output else []),
                   "--timeout", "3", *extra, stdin=(secret + "\n") if secret else None)
    assert_clean(proc)
    data = json.loads(proc.stdout) if output == "--json" else None
    return proc, data


def ids(data, status=None):
    return [c["id"] for c in data["checks"] if status is None or c["status"] == status]


# -- item 2: control characters never reach a protocol line ---------------------

def pop3_says_yes_except_to_pass(session: Session) -> None:
    """+OK to everything but PASS: a smuggled command's +OK would otherwise be
    read as the answer to PASS."""
    session.send("+OK POP3 ready\r\n")
    while True:
        line = session.read_line()
        verb = line.split(b" ", 1)[0].upper()
        if verb == b"CAPA":
            session.send("+OK\r\nUSER\r\n.\r\n")
        elif verb == b"PASS":
            session.send("-ERR [AUTH] Authentication failed.\r\n")
        elif verb == b"QUIT":
            session.send("+OK bye\r\n")
            return
        else:
            session.send("+OK\r\n")


def test_line_breaks_in_the_user_name_never_reach_the_server():
    with ScriptedServer(pop3_says_yes_except_to_pass) as server:
        proc, data = diagnose("--pop3", f"127.0.0.1:{server.port}/plain",
                              "--allow-insecure-password", "--username",
                              "alice@x.test\r\nDELE 1\r\nQUIT")
        received = server.received
    assert b"DELE" not in received and b"USER" not in received and b"PASS" not in received
    assert "login.ok" not in ids(data)
    unsafe = [c for c in data["checks"] if c["id"] == "login.unsafe-value"]
    assert unsafe and unsafe[0]["status"] == "fail"
    assert "username" in unsafe[0]["explanation"] and unsafe[0]["fix"]
    assert proc.returncode == 1 and data["verdict"] == "problem"


def test_the_refusal_reads_in_german_too():
    with ScriptedServer(pop3_says_yes_except_to_pass) as server:
        proc, _ = diagnose("--pop3", f"127.0.0.1:{server.port}/plain",
                           "--allow-insecure-password", "--username", "alice\nDELE 1",
                           output="", lang="de")
    assert "Anmeldung nicht getestet: Eine Angabe enthält versteckte Zeichen" in proc.stdout
    assert "Benutzername" in proc.stdout
    assert "Sign-in works" not in proc.stdout and "Anmeldung klappt" not in proc.stdout


def pop3_answers_user_twice(session: Session) -> None:
    session.send("+OK POP3 ready\r\n")
    while True:
        verb = session.read_line().split(b" ", 1)[0].upper()
        if verb == b"CAPA":
            session.send("+OK\r\nUSER\r\n.\r\n")
        elif verb == b"USER":
            session.send("+OK\r\n+OK\r\n")  # one answer too many
        elif verb == b"PASS":
            session.send("-ERR [AUTH] Authentication failed.\r\n")
        else:
            session.send("+OK\r\n")


def test_pop3_sign_in_works_only_when_pass_succeeded():
    with ScriptedServer(pop3_answers_user_twice) as server:
        proc, data = diagnose("--pop3", f"127.0.0.1:{server.port}/plain",
                              "--allow-insecure-password")
    assert "login.ok" not in ids(data)
    assert "protocol.broken" in ids(data, "fail")
    assert proc.returncode == 1


def test_autodiscover_login_name_with_line_breaks_is_refused(lab):
    proc = run_main("discover", "alice@ad-loginname.test", "--only", "autodiscover",
                   "--json", *lab.cli_args)
    assert_clean(proc)
    data = json.loads(proc.stdout)
    servers = data["incoming"] + data["outgoing"]
    assert [(s["protocol"], s["username"]) for s in servers] == [("imap", "alice@x.test")]
    assert any("pop.ad-loginname.test" in w and "control character" in w
               for w in data["warnings"])
    assert "DELE" not in proc.stdout


# -- item 3: no encoded form of a secret leaves the tool --------------------------

def secret_forms_of(user: str, secret: str) -> list[str]:
    plain = b64(f"\0{user}\0{secret}")
    forms = [secret, b64(secret), b64(secret).rstrip("="), plain, plain.rstrip("="),
             b64(f"{user}\0{user}\0{secret}"),
             b64(f"user={user}\x01auth=Bearer {secret}\x01\x01"),
             b64(f"n,a={user},\x01auth=Bearer {secret}\x01\x01")]
    # a cut-off payload still gives the password away once it reaches past
    # the user name: no prefix that long may appear either
    user_part = len(b64(f"\0{user}\0")) + 4
    forms.append(plain[:user_part])
    return forms


def echo_imap(session: Session) -> None:
    session.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2] ready\r\n")
    while True:
        parts = session.read_line().decode().split(" ")
        tag, command = parts[0], parts[1].upper() if len(parts) > 1 else ""
        if command == "AUTHENTICATE":
            payload = parts[3] if len(parts) > 3 else ""
            raw = base64.b64decode(payload)
            if parts[2].upper() == "PLAIN":
                _, user, password = raw.decode().split("\0")
                also = b64(f"{user}\0{user}\0{password}")
            else:
                also = b64(raw.decode().split("Bearer ", 1)[1].split("\x01")[0])
            session.send(f"{tag} NO [AUTHENTICATIONFAILED] you sent {payload} "
                         f"and I read {also}\r\n")
        elif command == "LOGOUT":
            session.send(f"* BYE\r\n{tag} OK bye\r\n")
            return
        else:
            session.send(f"{tag} BAD what\r\n")


def echo_pop3(session: Session) -> None:
    session.send("+OK ready\r\n")
    while True:
        line = session.read_line().decode()
        verb = line.split(" ", 1)[0].upper()
        if verb == "CAPA":
            session.send("+OK\r\nSASL PLAIN\r\n.\r\n")
        elif verb == "AUTH":
            payload = line.split(" ")[2]
            # the payload starts after 280 characters: a 300-character cut
            # lands in its middle
            session.send("-ERR rejected " + "blah " * 50 + payload + "\r\n")
        elif verb == "QUIT":
            session.send("+OK bye\r\n")
            return
        else:
            session.send("-ERR what\r\n")


@pytest.mark.parametrize("output", ["--json", "--markdown", ""])
def test_echoed_password_forms_never_leave_the_tool(output):
    with ScriptedServer(echo_imap) as imap, ScriptedServer(echo_pop3) as pop3, \
            ScriptedServer(echo_smtp) as smtp:
        proc, data = diagnose("--imap", f"127.0.0.1:{imap.port}/plain",
                              "--pop3", f"127.0.0.1:{pop3.port}/plain",
                              "--smtp", f"127.0.0.1:{smtp.port}/plain",
                              "--allow-insecure-password", "--transcript", output=output)
        assert b64(PASSWORD).encode() in smtp.received  # the server did get it
    text = proc.stdout + proc.stderr
    for form in secret_forms_of(USER, PASSWORD):
        assert form not in text, form
    if data is not None:  # the server's words are still there, minus the secret
        failures = {c["server"].split(":")[0]: c["details"] for c in data["checks"]
                    if c["id"].startswith("login.") and c["status"] == "fail"}
        assert set(failures) == {"imap", "pop3", "smtp"}
        assert "your password *** is wrong" in failures["smtp"]["response"]
        assert "you sent *** and I read ***" in failures["imap"]["text"]
        assert failures["pop3"]["response"].startswith("-ERR rejected blah")
    else:
        assert "your password *** is wrong" in text


def test_echoed_token_forms_never_leave_the_tool():
    with ScriptedServer(echo_imap) as imap:
        proc, data = diagnose("--imap", f"127.0.0.1:{imap.port}/plain",
                              "--allow-insecure-password", "--transcript",
                              secret=TOKEN, token=True)
        assert b"AUTHENTICATE XOAUTH2" in imap.received
    assert "login.ok" not in ids(data)
    for form in secret_forms_of(USER, TOKEN):
        assert form not in proc.stdout, form


# -- item 4: a flood stops early and the process stays small ----------------------

#: runs the CLI as ``python -m setupwizard`` does, then writes the process's
#: own peak RSS (VmHWM: this program's memory only; getrusage would also count
#: the pytest process it was forked from) to the file named in PEAK_FILE
# the peak is written by an atexit handler: the command ends the process
# itself once it has answered (cli.main.entry), running atexit handlers but
# no ``finally`` of its caller
MEASURED = """
import atexit, runpy, sys
def write_peak():
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:")).split()[1]
    with open(__import__("os").environ["PEAK_FILE"], "w") as out:
        out.write(peak)
atexit.register(write_peak)
runpy.run_module("setupwizard", run_name="__main__", alter_sys=True)
"""


def run_measured(*args: str, tmp_path) -> tuple[int, str, int]:
    """Run the CLI like run_cli; return (exit code, stdout, peak RSS in bytes)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "SETUPWIZARD"))}
    peak_file = tmp_path / "peak"
    env.update({"LANG": "C.UTF-8", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8",
                "PYTHONPATH": str(ROOT), "PEAK_FILE": str(peak_file)})
    proc = subprocess.run([sys.executable, "-c", MEASURED, *args], env=env, timeout=90,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert_clean(proc)
    return proc.returncode, proc.stdout, int(peak_file.read_text()) * 1024


LITERAL = 160 * 1024


def imap_capability_flood(literal: bool):
    def script(session: Session) -> None:
        session.send("* OK ready\r\n")
        tag = session.read_line().split(b" ")[0].decode()
        if literal:
            # 640 literals of 160 KB: 100 MB before any login
            chunk = (b"* CAPABILITY IMAP4rev1 X{%d}\r\n" % LITERAL) + b"a" * LITERAL + b"\r\n"
        else:
            # 12,800 lines of 8 KB: 100 MB of capability words
            chunk = b"* CAPABILITY IMAP4rev1 " + b"AUTH=X " * 1170 + b"\r\n"
        for _ in range(100 * 1024 * 1024 // len(chunk)):
            session.send(chunk)
        session.send(f"{tag} OK done\r\n")
        session.read_line()
    return script


@pytest.mark.parametrize("literal", [True, False], ids=["literals", "long-lines"])
def test_endless_capabilities_stay_under_100_mb(literal, tmp_path):
    with ScriptedServer(imap_capability_flood(literal)) as server:
        code, out, peak = run_measured("diagnose", USER, "--imap",
                                       f"127.0.0.1:{server.port}/plain", "--no-login",
                                       "--json", "--transcript", "--timeout", "5",
                                       tmp_path=tmp_path)
    data = json.loads(out)
    assert peak < 100 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MB"
    broken = [c for c in data["checks"] if c["id"] == "protocol.broken"]
    assert broken and broken[0]["status"] == "fail"
    assert "far more than any mail server needs" in broken[0]["explanation"]
    assert len(data["transcript"]) <= 5_001
    assert code == 1


# -- item 5: a certificate that cannot be parsed is still described -----------------

def imap_over_tls(session: Session) -> None:
    session.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
    while True:
        parts = session.read_line().decode().split(" ")
        if len(parts) > 1 and parts[1].upper() == "LOGOUT":
            session.send(f"* BYE\r\n{parts[0]} OK bye\r\n")
            return
        session.send(f"{parts[0]} NO no\r\n")


@pytest.fixture
def malformed_tls_server(tmp_path):
    import ssl
    ca, cert, key = malformed_subject_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with ScriptedServer(imap_over_tls, context=context) as server:
        yield server, ca


def test_malformed_certificate_subject_is_described(malformed_tls_server):
    server, ca = malformed_tls_server
    proc, data = diagnose("--imap", f"127.0.0.1:{server.port}/tls", "--ca-file", str(ca),
                          secret=None)
    assert "connect.timeout" not in ids(data)
    assert {"connect.ok", "tls.ok", "greeting.ok"} <= set(ids(data, "pass"))
    unreadable = [c for c in data["checks"] if c["id"] == "certificate.unreadable"]
    assert unreadable and unreadable[0]["status"] == "warn"
    details = unreadable[0]["details"]
    assert details["unreadable"] == "subject" and details["subject"] == "?"
    assert "trustme" in details["issuer"] and details["not_after"] != "?"
    assert "cannot read" in unreadable[0]["explanation"]
    assert proc.returncode == 0


def test_malformed_certificate_subject_when_not_trusted(malformed_tls_server):
    server, _ = malformed_tls_server
    proc, data = diagnose("--imap", f"127.0.0.1:{server.port}/tls", secret=None)
    assert "connect.timeout" not in ids(data)
    failed = [c for c in data["checks"] if c["category"] == "certificate"]
    assert [c["id"] for c in failed] == ["certificate.untrusted"]
    assert "trustme" in failed[0]["details"]["issuer"]
    assert failed[0]["details"]["unreadable"] == "subject"
    assert proc.returncode == 1
