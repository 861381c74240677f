"""Bytes that are not valid UTF-8 on the command line, in standard input or
in SETUPWIZARD_PASSWORD (issue 9, item 10): a clear message and exit status
2, never a traceback or "internal error", and the password never shown.
Real subprocesses with raw bytes; explicit servers or --offline, so no
network is needed (diagnose is refused before anything connects)."""

from __future__ import annotations

import json
import os

import pytest

from tests.support import run_cli_bytes

BAD_ADDRESS = b"b\xffob@example.test"
SERVERS = [b"--imap", b"imap.example.test", b"--smtp", b"smtp.example.test:587"]
BAD_PASSWORD = b"Canary-\xff\xfe-Pw-91c3"
NOT_TEXT = b"not valid text (UTF-8)"


def _clean(proc) -> None:
    assert b"Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert b"internal error" not in proc.stderr
    assert b"\xff" not in proc.stdout + proc.stderr  # nothing raw echoed back
    assert b"\xff\xfe-Pw" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("args", [
    [b"discover", b"--offline", BAD_ADDRESS],
    [b"discover", b"--offline", b"--json", BAD_ADDRESS],
    [b"diagnose", BAD_ADDRESS, *SERVERS, b"--no-login"],
    [b"diagnose", BAD_ADDRESS, *SERVERS, b"--no-login", b"--markdown"],
    [b"export", BAD_ADDRESS, *SERVERS, b"--format", b"thunderbird"],
    [b"wizard", b"--address", BAD_ADDRESS, *SERVERS, b"--no-login", b"--devices",
     b"other", b"--yes"],
    [b"export", b"bob@example.test", *SERVERS, b"--format", b"thunderbird", b"--name",
     b"B\xe4rbel"],
], ids=["discover", "discover-json", "diagnose", "diagnose-markdown", "export", "wizard",
        "export-name"])
def test_undecodable_argument_is_a_usage_error(tmp_path, args):
    proc = run_cli_bytes(*args, cwd=tmp_path)
    _clean(proc)
    assert proc.returncode == 2, proc.stderr
    assert NOT_TEXT in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_undecodable_line_on_standard_input_is_a_usage_error_for_that_line():
    proc = run_cli_bytes("discover", "--offline", "--json", "-",
                         stdin=b"alice@gmx.de\n" + BAD_ADDRESS + b"\nbob@web.de\n")
    _clean(proc)
    assert proc.returncode == 2
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [bool(line["incoming"]) for line in lines] == [True, False, True]
    assert "not valid text (UTF-8)" in lines[1]["error"]
    assert lines[1]["address"] == "b\ufffdob@example.test"


def test_undecodable_line_in_text_output():
    proc = run_cli_bytes("discover", "--offline", "-", stdin=BAD_ADDRESS + b"\n")
    _clean(proc)
    assert proc.returncode == 2
    assert b"the address contains bytes that are not valid text (UTF-8)" in proc.stderr


@pytest.mark.parametrize("args", [
    [b"diagnose", b"bob@example.test", *SERVERS, b"--password-stdin"],
    [b"export", b"bob@example.test", *SERVERS, b"--format", b"apple",
     b"--include-password", b"--password-stdin"],
    [b"wizard", b"--address", b"bob@example.test", *SERVERS, b"--password-stdin",
     b"--devices", b"other", b"--yes"],
], ids=["diagnose", "export", "wizard"])
def test_undecodable_password_on_standard_input(tmp_path, args):
    proc = run_cli_bytes(*args, stdin=BAD_PASSWORD + b"\n", cwd=tmp_path)
    _clean(proc)
    assert proc.returncode == 2, proc.stderr
    assert b"standard input contains bytes that are not valid text (UTF-8)" in proc.stderr
    assert b"Canary" not in proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_undecodable_password_in_the_environment(tmp_path):
    proc = run_cli_bytes("export", "bob@example.test", *SERVERS, "--format", "apple",
                         "--include-password", cwd=tmp_path,
                         env={"SETUPWIZARD_PASSWORD": os.fsdecode(BAD_PASSWORD)})
    _clean(proc)
    assert proc.returncode == 2
    assert b"SETUPWIZARD_PASSWORD contains bytes" in proc.stderr
    assert b"Canary" not in proc.stdout + proc.stderr


def test_german_message():
    proc = run_cli_bytes("discover", "--offline", BAD_ADDRESS, "--lang", "de")
    _clean(proc)
    assert proc.returncode == 2
    assert "kein gültiger Text (UTF-8)".encode() in proc.stderr
