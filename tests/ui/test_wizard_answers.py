"""Issue 11, "The flow": the wizard asks instead of naming flags, offers a
way back, says what happens before it happens, and ends on a screen that
shows the QR code whole beside its instruction.

Driven in a pseudo-terminal of 80x24 read through a terminal emulator
(pyte) that also answers the cursor-position question a real terminal
answers, against the lab's servers."""

from __future__ import annotations

import os
import re
import sys
import time

import pexpect
import pyte

from setupwizard.models import Hint
from setupwizard.ui.wizard import hints_for, without_flags
from tests.support import run_cli
from tests.ui.pty import answer as _answer, terminal_env

DOWN, ENTER, SPACE, CTRL_C, CLEAR = "\x1b[B", "\r", " ", "\x03", "\x15"
QR_GLYPHS = "█▀▄ "
#: a command-line flag, as the interactive screens must never show one
FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]+")


class Terminal:
    """A terminal of ``rows`` x ``columns``: what it shows now, and what
    scrolled away (pyte's history). Like a real terminal it answers the
    cursor-position request (ESC [ 6 n) that prompt_toolkit sends."""

    def __init__(self, rows: int, columns: int) -> None:
        self.screen = pyte.HistoryScreen(columns, rows, history=5000)
        self.stream = pyte.Stream(self.screen)
        self.raw: list[str] = []
        self.child: pexpect.spawn | None = None

    def write(self, data: str) -> None:
        self.raw.append(data)
        for part in re.split(r"(\x1b\[6n)", data):
            if part == "\x1b[6n":
                if self.child is not None:
                    cursor = self.screen.cursor
                    self.child.send(f"\x1b[{cursor.y + 1};{cursor.x + 1}R")
            elif part:
                self.stream.feed(part)

    def flush(self) -> None:
        pass

    def display(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def lines(self) -> list[str]:
        columns = self.screen.columns
        history = ["".join(line[x].data for x in range(columns)).rstrip()
                   for line in self.screen.history.top]
        return history + self.display()

    def drawn(self) -> str:
        """Everything ever drawn, erased questions included, without escapes."""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", "".join(self.raw))


def spawn(lab, *args, lang="de_DE.UTF-8", rows=24, columns=80):
    env = terminal_env(lang)
    child = pexpect.spawn(sys.executable, ["-m", "setupwizard", "wizard", *args,
                                           *lab.cli_args, "--timeout", "3"],
                          env=env, encoding="utf-8", timeout=30, dimensions=(rows, columns))
    terminal = Terminal(rows, columns)
    terminal.child = child
    child.logfile_read = terminal
    return child, terminal


def answer(child, prompt: str, keys: str) -> None:
    _answer(child, prompt, keys, settle=0.3)


def stop(child) -> None:
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()


def joined(terminal: Terminal) -> str:
    return " ".join(" ".join(terminal.lines()).split())


def test_manual_entry_asks_name_encryption_and_port_for_pop3_and_smtp(lab, tmp_path):
    """No "Name:Port/Verschlüsselung" syntax: three questions per server,
    with defaults that follow the answers, and an empty answer explained."""
    lab.mail("healthy")
    child, terminal = spawn(lab, "--lang", "de", "--name", "Anna Schmidt",
                            "--address", "alice@pop-lab.test",
                            "--out", str(tmp_path / "files"))
    answer(child, r"\(j/N\)", "n")                        # not the provider's: type them
    answer(child, "E-Mails empfangen", DOWN + ENTER)      # POP3
    answer(child, "Posteingangsserver", ENTER)            # empty
    child.expect("zum Beispiel pop.example.com")
    answer(child, "Posteingangsserver", "healthy.mail.test" + ENTER)
    answer(child, "Verschlüsselung", ENTER)               # SSL/TLS (recommended)
    answer(child, "Port", CLEAR + ENTER)                  # emptied: explained
    child.expect("als Zahl, zum Beispiel 995")
    answer(child, "Port", ENTER)                          # 995, the usual one
    answer(child, "Postausgangsserver", "healthy.mail.test" + ENTER)
    answer(child, "Verschlüsselung", DOWN + ENTER)        # STARTTLS
    child.expect("Port")
    child.expect("587")                                   # the port follows the encryption
    time.sleep(0.3)
    child.send(ENTER)
    answer(child, "Kopie", ENTER)                         # POP3: keep a copy
    child.expect("Stimmt das so")
    time.sleep(0.3)
    text = joined(terminal)
    assert "Empfangen (POP3): healthy.mail.test, Port 995" in text
    assert "Senden (SMTP): healthy.mail.test, Port 587, STARTTLS" in text
    stop(child)
    drawn = terminal.drawn()
    assert "Name:Port" not in drawn and "/Verschlüsselung" not in drawn
    assert not FLAG.search(drawn), FLAG.search(drawn)
    assert "ms)" not in drawn                             # no timings without --verbose


def test_the_address_and_imap_or_pop3_can_be_changed_without_starting_over(lab, tmp_path):
    lab.mail("healthy")
    child, terminal = spawn(lab, "--lang", "en", "--out", str(tmp_path / "files"),
                            lang="C.UTF-8")
    answer(child, "Your name", "Alice Example" + ENTER)
    answer(child, "e-mail address", "alice@pop-lab.test" + ENTER)
    answer(child, r"\(y/N\)", "y")                        # the unconfirmed servers: yes
    answer(child, "how many devices", ENTER)              # several
    answer(child, "Which one do you want", ENTER)         # IMAP
    answer(child, "Is this right", DOWN + ENTER)          # change the address
    child.expect("e-mail address")
    child.expect("alice@pop-lab.test")                    # offered again, to correct
    time.sleep(0.3)
    child.send(CLEAR + "alice@lab.test" + ENTER)
    child.expect("Looking up the settings for lab.test")
    answer(child, "how many devices", ENTER)
    answer(child, "Which one do you want", ENTER)         # IMAP
    child.expect("Your settings for alice@lab.test")
    child.expect("Receiving \\(IMAP\\)")
    answer(child, "Is this right", DOWN + DOWN + ENTER)   # IMAP or POP3 again
    answer(child, "how many devices", "\x1b[A" + ENTER)   # only this one
    answer(child, "webmail", "n")
    answer(child, "storage space", "y")
    answer(child, "Which one do you want", ENTER)         # POP3 (recommended now)
    answer(child, "Leave a copy", ENTER)
    child.expect("Receiving \\(POP3\\)")
    answer(child, "Is this right", ENTER)                 # go on
    child.expect("Your password goes only to healthy.mail.test")
    child.expect("Your password")
    stop(child)
    assert child.exitstatus == 130
    assert not FLAG.search(terminal.drawn())


def test_end_screen_shows_the_qr_code_whole_beside_its_instruction(lab, tmp_path):
    """At 80x24 the code and its instruction are on the last screen together;
    the folder is absolute; Thunderbird's own lookup is mentioned (ISPDB)."""
    lab.mail("healthy")
    out = tmp_path / "files"
    child, terminal = spawn(lab, "--lang", "de", "--name", "Anna",
                            "--address", "alice@lab.test", "--protocol", "imap", "--no-login",
                            "--devices", "thunderbird,android", "--out", str(out))
    answer(child, "Stimmt das so", ENTER)
    child.expect("gelesen hat")
    child.expect(re.escape("\x1b[6n"))     # the wait for Enter begins: the code is all out
    time.sleep(0.5)
    screen = [line for line in terminal.display() if line]
    rows = [i for i, line in enumerate(screen) if line[:1] in "█▀▄"]
    assert rows and rows == list(range(rows[0], len(screen)))   # the code ends the screen
    width = len(screen[-1])                                     # its last line: code only
    code = [screen[i][:width] for i in rows]
    # the whole code: its top and bottom edges (the painted quiet zone) are on screen
    assert set(code[0]) <= set("█▀") and set(code[-1]) <= set("█▄"), code
    beside = " ".join(screen[i][width:] for i in rows)
    assert "Scannen Sie diesen Code" in beside and "gelesen hat" in beside
    child.send(ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = joined(terminal)
    assert f"Ihre Dateien liegen im Ordner {out}{os.sep}" in text
    assert "Thunderbird findet diese Einstellungen meist von selbst" in text
    assert "Anmeldung wurde nicht getestet" in " ".join(terminal.display()[-4:])


def test_a_window_too_short_for_the_code_is_told_and_the_steps_come_once(lab, tmp_path):
    lab.mail("healthy")
    out = tmp_path / "files"
    child, terminal = spawn(lab, "--name", "Anna", "--address", "alice@lab.test",
                            "--protocol", "imap", "--no-login", "--devices", "android",
                            "--out", str(out), "--lang", "en", lang="C.UTF-8", rows=20)
    answer(child, "Is this right", ENTER)
    child.expect("needs a window of")
    answer(child, "Press Enter to go on", ENTER)
    child.expect(pexpect.EOF)
    child.close()
    text = joined(terminal)
    assert text.count("Install Thunderbird on the Android phone") == 1  # PNG and SVG: once
    assert "ms)" not in text


def test_verbose_names_the_sources_and_their_timings(lab, tmp_path):
    lab.mail("healthy")
    args = ("--address", "alice@lab.test", "--protocol", "imap", "--no-login",
            "--devices", "thunderbird", "--lang", "en", *lab.cli_args, "--timeout", "3")
    plain = run_cli("wizard", *args, "--out", str(tmp_path / "a"), timeout=90)
    verbose = run_cli("wizard", *args, "--verbose", "--out", str(tmp_path / "b"), timeout=90)
    assert plain.returncode == verbose.returncode == 0, plain.stderr + verbose.stderr
    assert "Found: Thunderbird's list of providers" in plain.stdout
    assert " ms)" not in plain.stdout and "ispdb " not in plain.stdout
    assert re.search(r"ispdb +found \(\d+ ms\)", verbose.stdout), verbose.stdout


def test_scripted_run_without_an_outgoing_server_names_its_flag(lab, tmp_path):
    host = lab.mail("healthy").host
    proc = run_cli("wizard", "--address", "alice@lab.test", "--imap", f"{host}:993/tls",
                   "--no-login", "--devices", "thunderbird", "--out", str(tmp_path / "x"),
                   *lab.cli_args, "--timeout", "3", timeout=90)
    assert proc.returncode == 2
    assert "--smtp" in proc.stderr and "Traceback" not in proc.stderr


def test_hints_follow_the_chosen_protocol():
    pop_off = Hint("pop-off", {"en": "POP is switched off at first. If you want POP "
                                     "instead of IMAP, switch it on."})
    both = Hint("enable", {"en": "Switch on POP3/IMAP access in the settings."})
    imap_only = Hint("folders", {"en": "With IMAP, the folders are shared."})
    assert hints_for("imap", (pop_off, both, imap_only)) == (both, imap_only)
    assert hints_for("pop3", (pop_off, both, imap_only)) == (pop_off, both)


def test_texts_that_name_a_flag_lose_that_sentence_in_the_wizard():
    assert without_flags("Ask your provider. Only an administrator can say whether to "
                         "trust it (with --ca-file).") == \
        "Ask your provider. Only an administrator can say whether to trust it."
    assert without_flags("Use an encrypted setting. To test anyway, add "
                         "--allow-insecure-password (not recommended).") == \
        "Use an encrypted setting."
    assert without_flags("Fragen Sie Ihren Anbieter (mit --ca-file).") == \
        "Fragen Sie Ihren Anbieter."
