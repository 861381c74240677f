"""`setupwizard discover` end to end: the real command in a subprocess,
against the lab."""

from __future__ import annotations

import functools

import json

import pytest
from tests.support import assert_clean, run_cli, run_main

KEYS = {"address", "domain", "incoming", "outgoing", "provider", "sources", "warnings",
        "error"}
SERVER_KEYS = {"protocol", "host", "port", "security", "username", "auth", "source",
               "trusted"}


sw = functools.partial(run_main, timeout=60)

@pytest.fixture
def lab_args(lab):
    return [*lab.cli_args, "--timeout", "2"]



def test_json_for_a_found_address(lab_args):
    proc = sw("discover", "alice@ac-good.test", "--json", *lab_args)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert KEYS <= set(data)
    assert data["address"] == "alice@ac-good.test" and data["domain"] == "ac-good.test"
    assert data["error"] is None
    first = data["incoming"][0]
    assert SERVER_KEYS <= set(first)
    assert (first["protocol"], first["host"], first["port"], first["security"]) == \
        ("imap", "imap.ac-good.test", 993, "tls")
    assert first["source"] == "autoconfig" and first["trusted"] is True
    assert first["username"] == "alice@ac-good.test"
    assert data["outgoing"][0]["protocol"] == "smtp"
    names = [s["name"] for s in data["sources"]]
    assert names[:4] == ["providers", "autoconfig", "well-known", "ispdb"]
    for source in data["sources"]:
        assert source["status"] in {"found", "not-found", "error", "timeout", "skipped",
                                    "cancelled"}
        assert isinstance(source["elapsed_ms"], int)


def test_not_found_exits_1(lab_args):
    proc = sw("discover", "x@nothing-here.test", "--json", *lab_args)
    assert_clean(proc)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["incoming"] == [] and data["error"]


@pytest.mark.parametrize("address", ["no-at-sign", "a@b@c.test", "@x.test", "x@",
                                     "with space@x.test", "ctl\x01@x.test",
                                     "x" * 300 + "@x.test", "x@-bad-.test"])
def test_malformed_address_is_usage_error(address):
    proc = sw("discover", address, "--offline")
    assert_clean(proc)
    assert proc.returncode == 2
    assert "not a usable e-mail address" in proc.stderr


def test_stdin_batch_keeps_order_and_reports_bad_lines(lab_args):
    lines = ["alice@ac-good.test", "not an address", "dora@ispdb-good.test",
             "x@nothing-here.test", "", "# comment"]
    proc = sw("discover", "-", "--json", *lab_args, stdin="\n".join(lines) + "\n")
    assert_clean(proc)
    out = [json.loads(l) for l in proc.stdout.strip().splitlines()]
    assert [o["address"] for o in out] == ["alice@ac-good.test", "not an address",
                                           "dora@ispdb-good.test", "x@nothing-here.test"]
    assert out[1]["error"] and out[1]["incoming"] == []
    assert out[2]["incoming"][0]["source"] == "ispdb"
    assert proc.returncode == 2


def test_only_restricts_to_named_sources(lab_args):
    proc = sw("discover", "alice@ac-good.test", "--json", "--only", "ispdb,srv", *lab_args)
    data = json.loads(proc.stdout)
    assert [s["name"] for s in data["sources"]] == ["ispdb", "srv"]
    assert proc.returncode == 1


def test_unknown_source_is_usage_error():
    proc = sw("discover", "a@b.test", "--only", "nonsense")
    assert_clean(proc)
    assert proc.returncode == 2 and "nonsense" in proc.stderr


@pytest.mark.parametrize("args, words", [
    (["--dns-server", "not-an-ip"], "DNS server"),
    (["--dns-server", "127.0.0.1:99999"], "port"),
    (["--ca-file", "/nonexistent.pem"], "CA file"),
    (["--timeout", "-1"], "timeout"),
    (["--ispdb-url", "ftp://x"], "ispdb-url"),
])
def test_bad_flag_values(args, words):
    proc = sw("discover", "a@b.test", *args)
    assert_clean(proc)
    assert proc.returncode == 2
    assert words in proc.stderr


def test_offline_uses_only_the_database():
    proc = sw("discover", "--offline", "--json", "alice@gmx.de")  # its speed: bench/cold.py
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["provider"]["name"]
    assert data["incoming"][0]["source"] == "providers"
    statuses = {s["name"]: s["status"] for s in data["sources"]}
    assert statuses["providers"] == "found"
    assert all(v == "skipped" for k, v in statuses.items() if k != "providers")


def test_human_output_english_and_german(lab_args):
    en = sw("discover", "alice@ac-good.test", *lab_args)
    de = sw("discover", "alice@ac-good.test", "--lang", "de", *lab_args)
    assert en.returncode == de.returncode == 0
    assert "Incoming mail (IMAP)" in en.stdout and "imap.ac-good.test" in en.stdout
    assert "Posteingang" in de.stdout or "Eingehende" in de.stdout
    assert "imap.ac-good.test" in de.stdout
    assert "\x1b[" not in en.stdout  # NO_COLOR


def test_language_from_locale(lab_args):
    de = sw("discover", "x@nothing-here.test", *lab_args, env={"LANG": "de_DE.UTF-8"})
    assert "Keine" in de.stdout or "keine" in de.stdout


def test_colour_only_when_allowed(lab_args):
    coloured = sw("discover", "--offline", "alice@gmx.de",
                  env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.stdout
    plain = sw("discover", "--offline", "alice@gmx.de", env={"FORCE_COLOR": "1",
                                                             "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout


def test_untrusted_result_is_flagged(lab_args):
    proc = sw("discover", "carol@http-only.test", "--json", *lab_args)
    data = json.loads(proc.stdout)
    assert data["incoming"][0]["source"] == "autoconfig-http"
    assert data["incoming"][0]["trusted"] is False
    assert any("http-only.test" in w for w in data["warnings"])


def test_help_and_version():
    proc = sw("--help")
    assert proc.returncode == 0 and "discover" in proc.stdout
    proc = sw("discover", "--help", "--lang", "de")
    assert proc.returncode == 0 and "Exit" in proc.stdout or "Rückgabe" in proc.stdout
    proc = sw("--version")
    assert proc.returncode == 0 and "setupwizard" in proc.stdout


def test_idn_address_is_converted(lab_args):
    proc = sw("discover", "jörg@bücher.test", "--json", *lab_args)
    assert_clean(proc)
    data = json.loads(proc.stdout)
    assert data["domain"] == "bücher.test"
    assert proc.returncode == 1
