"""The wizard as a reader meets it (issue 11): a real pseudo-terminal of
80x24 read through a terminal emulator (pyte), the lab's servers counting
every sign-in, and the scripted flow's messages."""

from __future__ import annotations

import json
import os
import re
import sys
import time

import pexpect
import pyte
import pytest

from tests.support import run_cli
from tests.ui.pty import answer as _answer, terminal_env

CANARY = "Canary-Pw-7f3a9c"
DOWN, UP, ENTER, SPACE, CTRL_C = "\x1b[B", "\x1b[A", "\r", " ", "\x03"

#: what questionary says by itself, in English, unless told otherwise
LIBRARY_ENGLISH = ("Use arrow keys", "(Y/n)", "(y/N)", "done (", "selections",
                   "<space> to select", "to toggle", "to invert", "Cancelled by user",
                   "Use shortcuts")


class Screen:
    """What a terminal of ``rows`` x ``columns`` shows, with everything
    scrolled away kept (pyte's history)."""

    def __init__(self, rows: int = 24, columns: int = 80) -> None:
        self.screen = pyte.HistoryScreen(columns, rows, history=5000)
        self.stream = pyte.Stream(self.screen)
        self.raw: list[str] = []

    # pexpect's logfile_read interface
    def write(self, data: str) -> None:
        self.raw.append(data)
        self.stream.feed(data)

    def flush(self) -> None:
        pass

    def lines(self) -> list[str]:
        columns = self.screen.columns
        history = ["".join(line[x].data for x in range(columns)).rstrip()
                   for line in self.screen.history.top]
        return history + [line.rstrip() for line in self.screen.display]


def spawn(lab, *args, lang="de_DE.UTF-8", rows=24, columns=80):
    env = terminal_env(lang)
    child = pexpect.spawn(sys.executable, ["-m", "setupwizard", *args], env=env,
                          encoding="utf-8", timeout=30, dimensions=(rows, columns))
    screen = Screen(rows, columns)
    child.logfile_read = screen
    return child, screen


def answer(child, prompt: str, keys: str) -> None:
    _answer(child, prompt, keys, settle=0.2)


def failed_logins(server) -> int:
    """Sign-ins Dovecot refused so far (it writes them within half a second)."""
    time.sleep(0.8)
    return server.log().count("Password mismatch")


def broken_words(lines: list[str], columns: int) -> list[tuple[str, str]]:
    """Pairs of lines where a word runs over the edge: the first line fills
    the last column with a letter and the next goes on with one."""
    return [(a, b) for a, b in zip(lines, lines[1:])
            if len(a) >= columns and a[columns - 1].isalnum() and b[:1].isalnum()]


def test_german_flow_at_80x24_speaks_german_wraps_words_and_is_honest(lab, tmp_path):
    """Wrong answers on the way: a bad address, an empty password, a wrong
    one, the full report, "continue anyway"; then every screen is checked."""
    server = lab.mail("healthy")
    out = tmp_path / "files"
    child, screen = spawn(lab, "wizard", *lab.cli_args, "--timeout", "3", "--out", str(out))
    answer(child, "Language / Sprache", ENTER)                # Deutsch, from the locale
    answer(child, "Ihr Name", "Anna Schmidt" + ENTER)
    answer(child, "E-Mail-Adresse", "alice-at-lab.test" + ENTER)
    child.expect("name@example.com")                          # the reason, in full
    child.send("\x15" + "alice@pop-lab.test" + ENTER)
    answer(child, r"\(j/N\)", "j")                            # German "ja" works
    child.expect("Ja")                                        # ... and is echoed in German
    answer(child, "Geräten", ENTER)                           # several
    answer(child, "möchten Sie verwenden", ENTER)             # IMAP (recommended)
    answer(child, "Stimmt das so", ENTER)
    answer(child, "Ihr Passwort", ENTER)                      # empty
    child.expect("Passwort ist leer")
    before = failed_logins(server)
    answer(child, "Ihr Passwort", "wrong-password" + ENTER)
    child.expect("Benutzername oder Passwort ist falsch")
    after_test = failed_logins(server)
    assert after_test > before                                # the wrong password was tried
    answer(child, "weitermachen", DOWN + DOWN + ENTER)        # show the full report
    child.expect("Prüfbericht anzeigen")                      # asked again afterwards
    assert failed_logins(server) == after_test                # ... without signing in again
    child.send(DOWN + DOWN + DOWN + ENTER)                    # continue anyway
    answer(child, "Wo möchten Sie", DOWN + DOWN + DOWN + SPACE + ENTER)  # + Android
    answer(child, "gelesen hat|weiterzumachen", ENTER)         # the QR code, or its room
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert failed_logins(server) == after_test

    lines = screen.lines()
    text = "\n".join(lines)
    joined = " ".join(" ".join(lines).split())
    # everything ever drawn, questions erased after their answer included
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", "".join(screen.raw))
    for english in LIBRARY_ENGLISH:
        assert english not in drawn, english
    assert not re.search(r"\b(Yes|No)\b", drawn)
    assert "Pfeiltasten" in drawn and "Leertaste" in drawn and "(j/N)" in drawn
    assert not broken_words(lines, 80), broken_words(lines, 80)
    assert all(len(line) < 80 for line in lines)   # the wizard leaves the last column free
    # the validation error is there in full, not cut at the edge
    assert "braucht ein @-Zeichen, zum Beispiel name@example.com." in joined
    # the two chosen devices are echoed by name, in German
    assert "Thunderbird (Windows, Mac, Linux), Android-Handy (Thunderbird-App)" in joined
    # the end says the truth: files yes, sign-in no
    assert "Viel Freude" not in text
    assert "Anmeldung hat im Test nicht geklappt" in joined


def test_show_report_never_signs_in_again(lab, tmp_path):
    """Bug 3: each look at the report used to send the wrong password once
    more to both servers (a lockout risk)."""
    server = lab.hostile("provider-errors")
    host = server.host
    child, _ = spawn(lab, "wizard", *lab.cli_args, "--timeout", "3", "--lang", "en",
                     "--name", "Alice", "--address", "alice@lab.test",
                     "--imap", f"{host}:993/tls",
                     "--smtp", f"{host}:465/tls", "--out", str(tmp_path / "files"),
                     lang="C.UTF-8", rows=50, columns=140)
    server.clear_received()
    answer(child, "Is this right", ENTER)
    answer(child, "Your password", "wrong-password" + ENTER)
    answer(child, "What now", DOWN + DOWN + ENTER)             # show the full diagnosis
    answer(child, "What now", DOWN + DOWN + ENTER)             # ... and once more
    child.expect("What now")
    time.sleep(1)
    logins = [data for _, data in server.connections if b"wrong-password" in data
              or b"AUTH" in data.upper()]
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    services = [service for service, data in server.connections]
    assert len(logins) == 2, services                          # one IMAP, one SMTP: the test
    assert child.exitstatus == 130
    assert "Cancelled by user" not in (child.before or "")


def test_lang_flag_alone_on_a_terminal_starts_the_wizard_in_that_language():
    """Bug 5: `setupwizard --lang de` printed the German help and exited 2."""
    child, screen = _spawn_plain("--lang", "de")
    child.expect("Ihr Name")                                   # no language question: given
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Aufruf" not in "".join(screen.raw)                 # not the help


def _spawn_plain(*args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "SETUPWIZARD"))}
    env.update({"LANG": "C.UTF-8", "TERM": "xterm"})
    child = pexpect.spawn(sys.executable, ["-m", "setupwizard", *args], env=env,
                          encoding="utf-8", timeout=30, dimensions=(24, 80))
    screen = Screen()
    child.logfile_read = screen
    return child, screen


# -- scripted, no terminal ---------------------------------------------------------

def run_scripted(lab, *args, stdin=None):
    return run_cli("wizard", *args, *lab.cli_args, "--timeout", "3", stdin=stdin,
                   timeout=90)


def test_scripted_run_names_every_missing_answer_at_once(lab, tmp_path):
    """Bug 7: each run named one missing flag, the next run the next one."""
    out = tmp_path / "files"
    lab.mail("healthy")
    proc = run_scripted(lab, "--address", "alice@lab.test", "--out", str(out))
    assert proc.returncode == 2
    for flag in ("--protocol", "--password-stdin", "--devices"):
        assert flag in proc.stderr, proc.stderr
    assert not out.exists()
    proc = run_scripted(lab, "--out", str(out))
    assert proc.returncode == 2
    for flag in ("--address", "--protocol", "--password-stdin", "--devices"):
        assert flag in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_no_login_does_not_claim_all_is_done(lab, tmp_path):
    """Bug 4: with --no-login nothing was confirmed, yet the end said "All done"."""
    lab.mail("healthy")
    proc = run_scripted(lab, "--address", "alice@lab.test", "--protocol", "imap",
                        "--no-login", "--devices", "thunderbird",
                        "--out", str(tmp_path / "files"))
    assert proc.returncode == 0, proc.stderr
    assert "All done" not in proc.stdout and "Enjoy" not in proc.stdout
    assert "not tested" in proc.stdout


def test_microsoft_basic_auth_off_is_one_explanation_for_both_servers(lab):
    """Bug 8: IMAP said "user name or password is wrong" while SMTP said
    "password sign-in is switched off, so your password is not wrong"."""
    host = lab.hostile("provider-errors").host
    proc = run_cli("diagnose", "ms-basic@lab.test", "--imap", f"{host}:993/tls",
                   "--smtp", f"{host}:465/tls", "--password-stdin", "--json",
                   *lab.cli_args, "--timeout", "3", stdin="whatever\n")
    data = json.loads(proc.stdout)
    failed = {c["server"].split(":")[0]: c["id"] for c in data["checks"]
              if c["status"] == "fail" and c["id"].startswith("login.")}
    assert failed == {"imap": "login.oauth2-required", "smtp": "login.oauth2-required"}, \
        failed


@pytest.mark.parametrize("lang, keys, echo", [("de", "j", "Ja"), ("de", "n", "Nein"),
                                              ("en", "y", "Yes")])
def test_yes_no_question_takes_the_keys_of_the_language(lab, tmp_path, lang, keys, echo):
    child, screen = spawn(lab, "wizard", *lab.cli_args, "--timeout", "3", "--lang", lang,
                          "--name", "Alice", "--address", "alice@pop-lab.test", "--no-login",
                          "--out", str(tmp_path / "files"))
    answer(child, r"\((J/n|j/N|Y/n|y/N)\)", keys)
    child.expect(echo)
    answer(child, r"devices|Geräten|E-Mails empfangen", CTRL_C)  # the next question
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Cancelled by user" not in "".join(screen.raw)
