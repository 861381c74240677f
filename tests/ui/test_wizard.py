"""The real wizard in a pseudo-terminal (pexpect) against the lab, and the
same flow scripted without a terminal."""

from __future__ import annotations

import os
import sys

import pexpect
import pytest

from tests.support import assert_clean, run_main
from tests.ui.pty import terminal_env

CANARY = "Canary-Pw-7f3a9c"
DOWN, UP, ENTER, SPACE = "\x1b[B", "\x1b[A", "\r", " "


def spawn(lab, *args, lang="C.UTF-8"):
    env = terminal_env(lang, no_cpr=True)
    if args[:1] == ("wizard",) and "--name" not in args:
        args = (*args, "--name", "Alice Example")  # the name question has its own test
    child = pexpect.spawn(sys.executable, ["-m", "setupwizard", *args, *lab.cli_args,
                                           "--timeout", "3"],
                          env=env, encoding="utf-8", timeout=30, dimensions=(50, 140))
    return child


def answer(child, prompt: str, keys: str) -> None:
    child.expect(prompt)
    child.send(keys)


@pytest.fixture
def out(tmp_path):
    return tmp_path / "files"


def test_full_imap_flow_ends_in_exported_files(lab, out):
    lab.mail("healthy")
    child = spawn(lab, "wizard", "--out", str(out))
    answer(child, "Language / Sprache", ENTER)
    answer(child, "e-mail address", "alice@lab.test" + ENTER)
    child.expect("ISPDB")  # where the settings came from
    answer(child, "how many devices", ENTER)            # several (the default)
    child.expect("IMAP is best for you")
    answer(child, "Which one do you want", ENTER)       # IMAP (recommended)
    answer(child, "Is this right", ENTER)               # the settings, before the password
    answer(child, "Your password", CANARY + ENTER)
    child.expect("Sign-in works")
    answer(child, "Where do you want to read", DOWN + DOWN + DOWN + SPACE + ENTER)
    answer(child, "phone has read the code", ENTER)     # the QR code waits for the reader
    child.expect("All done")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (out / "config-v1.1.xml").exists()
    assert any(p.suffix == ".png" for p in out.iterdir())  # the Android QR code
    text = (out / "config-v1.1.xml").read_text()
    assert "healthy.mail.test" in text and "<socketType>SSL</socketType>" in text
    assert CANARY not in child.before and all(CANARY not in p.read_text(errors="ignore")
                                              for p in out.iterdir() if p.is_file())


def test_german_pop3_flow_with_untrusted_source(lab, out):
    lab.mail("healthy")
    child = spawn(lab, "wizard", "--out", str(out), lang="de_DE.UTF-8")
    answer(child, "Language / Sprache", ENTER)           # Deutsch from the locale
    answer(child, "E-Mail-Adresse", "alice@pop-lab.test" + ENTER)
    child.expect("POP-LAB.TEST")                         # the domain, large and in full
    answer(child, "wirklich zu Ihrem", "y")
    answer(child, "Geräten", UP + ENTER)                 # only this one
    answer(child, "Internetseite", "n")                  # webmail: no
    answer(child, "Speicherplatz", "y")                  # space is small
    child.expect("POP3")
    answer(child, "möchten Sie verwenden", ENTER)        # POP3 (recommended)
    answer(child, "Kopie", ENTER)                        # keep a copy: yes
    answer(child, "Stimmt das so", ENTER)
    answer(child, "Ihr Passwort", CANARY + ENTER)
    child.expect("Anmeldung klappt")
    answer(child, "Wo möchten Sie", ENTER)               # Thunderbird
    child.expect("Fertig")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    config = (out / "config-v1.1.xml").read_text()
    assert 'type="pop3"' in config and "leaveMessagesOnServer" in config


def test_wrong_password_then_retry(lab, out):
    lab.mail("healthy")
    child = spawn(lab, "wizard", "--out", str(out), "--lang", "en", "--protocol", "imap")
    answer(child, "e-mail address", "alice@lab.test" + ENTER)
    answer(child, "Is this right", ENTER)
    answer(child, "Your password", "not-the-password" + ENTER)
    child.expect("Username or password is wrong")
    answer(child, "What now", ENTER)                     # type the password again
    answer(child, "Your password", CANARY + ENTER)
    child.expect("Sign-in works")
    answer(child, "Where do you want to read", ENTER)
    child.expect("All done")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_bad_address_is_explained_and_asked_again(lab, out):
    child = spawn(lab, "wizard", "--out", str(out), "--lang", "en")
    answer(child, "e-mail address", "alice-at-lab.test")
    child.expect("alice-at-lab.test")
    child.send(ENTER)
    child.expect("needs an @ sign")
    child.send("\x15")  # clear the line
    child.send("\x03")
    child.expect("Stopped")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before


def test_ctrl_c_ends_cleanly(lab, out):
    child = spawn(lab, "wizard", "--out", str(out))
    child.expect("Language / Sprache")
    child.send("\x03")
    child.expect("Stopped")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert not out.exists()


def test_no_arguments_on_a_terminal_starts_the_wizard():
    child = pexpect.spawn(sys.executable, ["-m", "setupwizard"], encoding="utf-8",
                          timeout=30, env={**os.environ, "TERM": "xterm", "LANG": "C.UTF-8"})
    child.expect("Language / Sprache")
    child.send("\x03")
    child.expect(pexpect.EOF)


# -- scripted, no terminal ---------------------------------------------------------

def run_scripted(lab, *args, stdin=None, env=None):
    """The wizard with no terminal (standard input is a pipe or nothing)."""
    return run_main("wizard", *args, *lab.cli_args, "--timeout", "3", stdin=stdin, env=env,
                   timeout=90)


def test_scripted_flow_end_to_end(lab, out):
    lab.mail("healthy")
    proc = run_scripted(lab, "--address", "alice@lab.test", "--protocol", "imap",
                        "--password-stdin", "--devices", "thunderbird,apple,android,other",
                        "--out", str(out), "--yes", "--lang", "de", stdin=CANARY + "\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = {p.name for p in out.iterdir()}
    assert "config-v1.1.xml" in names
    assert any(n.endswith(".mobileconfig") for n in names)
    assert any(n.endswith(".html") for n in names)
    assert "Anmeldung klappt" in proc.stdout
    assert CANARY not in proc.stdout + proc.stderr


def test_scripted_missing_answer_names_the_flag(lab, out):
    proc = run_scripted(lab, "--out", str(out))
    assert proc.returncode == 2
    assert "--address" in proc.stderr and "Traceback" not in proc.stderr
    lab.mail("healthy")
    proc = run_scripted(lab, "--address", "alice@lab.test", "--protocol", "imap",
                        "--out", str(out))
    assert proc.returncode == 2 and "--password-stdin" in proc.stderr
    proc = run_scripted(lab, "--address", "alice@lab.test", "--protocol", "imap",
                        "--no-login", "--out", str(out))
    assert proc.returncode == 2 and "--devices" in proc.stderr


def test_scripted_wrong_password_stops_with_the_reason(lab, out):
    lab.mail("healthy")
    proc = run_scripted(lab, "--address", "alice@lab.test", "--protocol", "imap",
                        "--password-stdin", "--devices", "thunderbird", "--out", str(out),
                        stdin="wrong\n")
    assert proc.returncode == 1
    assert "Username or password is wrong" in proc.stdout
    assert not out.exists()


def test_scripted_untrusted_needs_yes(lab, out):
    proc = run_scripted(lab, "--address", "alice@pop-lab.test", "--protocol", "pop3",
                        "--no-login", "--devices", "thunderbird", "--out", str(out))
    assert proc.returncode == 2 and "--yes" in proc.stderr
    assert "POP-LAB.TEST" in proc.stdout


def test_explain_command():
    for topic in ("imap-vs-pop3", "encryption", "app-passwords", "oauth2", "ports",
                  "findings", "login.app-password"):
        en = run_main("explain", topic)
        de = run_main("explain", topic, "--lang", "de", "--markdown")
        assert en.returncode == de.returncode == 0
        assert en.stdout.strip() and de.stdout.startswith("#")
        assert en.stdout != de.stdout
    bad = run_main("explain", "nonsense")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_oauth2_provider_skips_the_password_test(lab, out):
    proc = run_scripted(lab, "--address", "someone@outlook.com", "--protocol", "imap",
                        "--devices", "thunderbird", "--out", str(out), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OAuth2" in proc.stdout and "password" in proc.stdout
    assert (out / "config-v1.1.xml").exists()
    assert "<authentication>OAuth2</authentication>" in (out / "config-v1.1.xml").read_text()


def test_failed_test_then_edit_a_setting(lab, out):
    lab.mail("healthy")
    host = lab.mail("healthy").host
    child = spawn(lab, "wizard", "--out", str(out), "--lang", "en", "--address",
                  "alice@lab.test", "--imap", f"{host}:995/tls", "--smtp", host)
    answer(child, "Is this right", ENTER)
    answer(child, "Your password", CANARY + ENTER)
    child.expect("makes no sense")                              # a POP3 port for IMAP
    answer(child, "What now", ENTER)                  # change a setting: the default here
    answer(child, "Which setting", ENTER)                         # the incoming server
    answer(child, "Incoming mail server", ENTER)                  # the name stays
    answer(child, "Encryption", ENTER)                            # SSL/TLS stays
    answer(child, "Port", "\x15" + "993" + ENTER)                 # clear 995, type 993
    child.expect("Sign-in works")
    answer(child, "Where do you want to read", ENTER)
    child.expect("All done")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    config = (out / "config-v1.1.xml").read_text()
    assert "<port>993</port>" in config and "<port>995</port>" not in config


def test_the_wizard_says_the_network_is_down_instead_of_asking_for_servers(lab, tmp_path):
    """Issue 10, honest network errors: with no DNS server answering, the
    wizard neither claims "no settings found" nor asks for server names."""
    ip, port = lab.dns_server("dns-silent")
    proc = run_main("wizard", "--address", "alice@example.test", "--no-login",
                   "--devices", "thunderbird", "--out", str(tmp_path / "out"),
                   "--dns-server", f"{ip}:{port}", "--timeout", "1")
    assert_clean(proc)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "The name service (DNS) did not answer" in proc.stdout
    assert "No settings were found" not in proc.stdout
    assert "internet" in proc.stderr
    assert not (tmp_path / "out").exists()
