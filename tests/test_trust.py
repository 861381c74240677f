"""Issue 9, finding 1: a password (or token) goes only to servers from a
trusted source, named by the user, or confirmed by the user; every path
(diagnose, export --include-password, the wizard) follows trust.py.

Against the real lab: the settings name the recording hostile mail server,
which shows byte for byte what a client sent it.
"""

from __future__ import annotations

import base64
import json
import os

import pytest
from tests.support import assert_clean, run_main
from tests.lab.scenarios.trust import ATTACKER

CANARY = "Canary-Pw-7f3a9c"
FORMS = (CANARY.encode(), base64.b64encode(CANARY.encode()),
         base64.b64encode(f"\0alice@victim.test\0{CANARY}".encode()))


@pytest.fixture
def attacker(lab):
    server = lab.hostile("provider-errors")
    server.clear_received()
    return server


def _diagnose(lab, address, *extra):
    proc = run_main("diagnose", address, "--password-stdin", "--json", *lab.cli_args,
                   "--timeout", "3", *extra, stdin=CANARY + "\n")
    assert_clean(proc)
    assert CANARY not in proc.stdout + proc.stderr
    return proc, json.loads(proc.stdout)


def _sent_secret(received: bytes) -> bool:
    return any(form in received for form in FORMS) or b"AUTH" in received.upper()


@pytest.mark.parametrize("address", ["alice@victim.test", "alice@srv-out.test"])
def test_unconfirmed_servers_never_get_the_password(lab, attacker, address):
    proc, data = _diagnose(lab, address)
    assert data["servers"], data
    for server in data["servers"]:
        assert server["host"] == ATTACKER
        assert server["trust"] == "unconfirmed"
    skipped = [c for c in data["checks"] if c["id"] == "login.skipped-unconfirmed"]
    assert {c["server"].split(":")[0] for c in skipped} >= {"imap", "smtp"}
    assert all(c["status"] == "skip" for c in skipped)
    assert ATTACKER in skipped[0]["explanation"]
    assert "--trust-discovered" in skipped[0]["fix"]
    # every check but the login ran: the connection and TLS were tested
    assert any(c["id"] == "tls.ok" for c in data["checks"])
    assert not [c for c in data["checks"] if c["id"].startswith("login.")
                and c["id"] != "login.skipped-unconfirmed"]
    assert attacker.received, "the servers were not even contacted"
    assert not _sent_secret(attacker.received), attacker.received[-400:]


def test_the_text_report_says_why_and_what_to_do(lab, attacker):
    proc = run_main("diagnose", "alice@victim.test", "--password-stdin", *lab.cli_args,
                   "--timeout", "3", stdin=CANARY + "\n")
    assert_clean(proc)
    assert "Password not sent: server not confirmed" in proc.stdout
    assert "Not confirmed: your password is not sent to this server." in proc.stdout
    assert not _sent_secret(attacker.received)
    german = run_main("diagnose", "alice@victim.test", "--password-stdin", *lab.cli_args,
                     "--timeout", "3", "--lang", "de", stdin=CANARY + "\n")
    assert "Passwort nicht gesendet" in german.stdout, german.stdout


def test_trust_discovered_sends_it_and_the_report_says_so(lab, attacker):
    proc, data = _diagnose(lab, "alice@victim.test", "--trust-discovered")
    assert {s["trust"] for s in data["servers"]} == {"confirmed-by-flag"}
    assert "login.skipped-unconfirmed" not in [c["id"] for c in data["checks"]]
    assert _sent_secret(attacker.received)


def test_servers_named_by_the_user_get_it(lab, attacker):
    proc, data = _diagnose(lab, "alice@victim.test", "--imap", ATTACKER)
    assert [s["trust"] for s in data["servers"]] == ["named-by-user"]
    assert _sent_secret(attacker.received)


def test_a_trusted_source_gets_it(lab, attacker):
    proc, data = _diagnose(lab, "alice@victim-ok.test")
    assert {s["trust"] for s in data["servers"]} == {"trusted-source"}
    assert _sent_secret(attacker.received)


def test_export_refuses_to_put_the_password_in_files_for_unconfirmed_servers(lab, tmp_path):
    out = tmp_path / "out"
    proc = run_main("export", "alice@victim.test", "--format", "apple,android",
                   "--include-password", "--password-stdin", "--out", str(out),
                   *lab.cli_args, "--timeout", "3", stdin=CANARY + "\n")
    assert_clean(proc)
    assert proc.returncode == 2, proc.stderr
    assert "--trust-discovered" in proc.stderr and ATTACKER in proc.stderr
    assert CANARY not in proc.stdout + proc.stderr
    assert not out.exists() or not any(out.iterdir())

    proc = run_main("export", "alice@victim.test", "--format", "apple",
                   "--include-password", "--password-stdin", "--trust-discovered",
                   "--out", str(out), *lab.cli_args, "--timeout", "3",
                   stdin=CANARY + "\n")
    assert proc.returncode == 0, proc.stderr
    [profile] = list(out.glob("*.mobileconfig"))
    assert CANARY in profile.read_text()
    assert os.stat(profile).st_mode & 0o077 == 0


def test_trust_discovered_needs_include_password_in_export():
    proc = run_main("export", "alice@gmx.de", "--format", "apple", "--offline",
                   "--trust-discovered")
    assert proc.returncode == 2 and "--include-password" in proc.stderr


def test_the_wizard_sends_the_password_only_after_the_confirmation(lab, attacker, tmp_path):
    args = ("wizard", "--address", "alice@victim.test", "--protocol", "imap",
            "--password-stdin", "--devices", "thunderbird", "--out", str(tmp_path / "w"),
            *lab.cli_args, "--timeout", "3")
    refused = run_main(*args, stdin=CANARY + "\n")
    assert_clean(refused)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert not _sent_secret(attacker.received)
    confirmed = run_main(*args, "--yes", stdin=CANARY + "\n")
    assert_clean(confirmed)
    assert CANARY not in confirmed.stdout + confirmed.stderr
    assert _sent_secret(attacker.received)
