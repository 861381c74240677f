"""`setupwizard check-domain` end to end: the real command in a subprocess,
against the lab domains of tests/lab/scenarios/domaincheck.py."""

from __future__ import annotations

import functools

import json

import pytest

from tests.lab.scenarios import domaincheck as dc
from tests.support import assert_clean, run_cli, run_main

KEYS = {"domain", "verdict", "verdict_text", "sources", "servers", "agreement", "advice"}
SOURCE_KEYS = {"name", "status", "detail", "servers", "published"}
SERVER_KEYS = {"protocol", "host", "port", "security", "named_by", "status", "checks"}
ADVICE_KEYS = {"id", "severity", "title", "explanation", "fix", "records"}
SOURCES = ["providers", "autoconfig", "well-known", "ispdb", "mx", "srv", "autodiscover",
           "autoconfig-http"]


sw = functools.partial(run_main, timeout=90)


@pytest.fixture
def check(lab):
    """Run check-domain against the lab; return (proc, JSON or None)."""
    lab.mail("healthy")
    lab.mail("expired")

    def go(domain, *args, json_output=True):
        extra = ["--json"] if json_output else []
        proc = sw("check-domain", domain, *extra, *args, *lab.cli_args, "--timeout", "2")
        assert_clean(proc)
        data = json.loads(proc.stdout) if json_output and proc.stdout.strip() else None
        return proc, data
    return go


def advice_ids(data, severity=None):
    return [a["id"] for a in data["advice"] if severity is None or a["severity"] == severity]


def advice(data, advice_id):
    return next(a for a in data["advice"] if a["id"] == advice_id)


def source(data, name):
    return next(s for s in data["sources"] if s["name"] == name)


def test_consistent_domain_works(check):
    proc, data = check(dc.OK)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert KEYS <= set(data)
    assert data["domain"] == "mail.test" and data["verdict"] == "ok"
    assert [s["name"] for s in data["sources"]] == SOURCES
    for entry in data["sources"]:
        assert SOURCE_KEYS <= set(entry)
        assert entry["status"] in {"found", "not-found", "error", "timeout"}
    assert source(data, "providers")["published"] is False
    assert source(data, "autoconfig")["status"] == "found"
    assert source(data, "srv")["status"] == "found"
    assert {s["host"] for s in source(data, "srv")["servers"]} == {dc.HEALTHY}
    assert len(data["servers"]) == 3
    for server in data["servers"]:
        assert SERVER_KEYS <= set(server)
        assert server["host"] == dc.HEALTHY and server["status"] == "pass"
        assert server["named_by"] == ["autoconfig", "srv"]
        ids = [c["id"] for c in server["checks"]]
        assert "certificate.ok" in ids
        assert not any(i.startswith("login.") for i in ids)  # never signs in
    assert data["agreement"]["status"] == "agree"
    assert data["agreement"]["conflicts"] == []
    assert set(data["agreement"]["protocols"]) == {"imap", "pop3", "smtp"}
    # nothing to fix: only a suggestion, with the exact records
    assert advice_ids(data) == ["autodiscover.missing"]
    for item in data["advice"]:
        assert ADVICE_KEYS <= set(item)
        assert item["title"] and item["explanation"] and item["fix"]
    records = advice(data, "autodiscover.missing")["records"]
    assert "_autodiscover._tcp.mail.test." in records and "SRV" in records


def test_human_output_says_it_works_first(check):
    proc, _ = check(dc.OK, json_output=False)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "Mail settings published by mail.test"
    assert lines[1] == "mail.test publishes mail settings that work."
    assert "What to fix or add" in proc.stdout
    assert "autodiscover.mail.test." in proc.stdout
    assert "named by autoconfig, srv" in proc.stdout


def test_missing_srv_records_are_suggested_exactly(check):
    proc, data = check(dc.AC_ONLY)
    assert proc.returncode == 0
    assert data["verdict"] == "ok"
    assert data["agreement"]["status"] == "single"
    records = advice(data, "srv.missing")["records"].splitlines()
    wanted = {("_imaps._tcp.dc-aconly.test.", "993"),
              ("_pop3s._tcp.dc-aconly.test.", "995"),
              ("_submissions._tcp.dc-aconly.test.", "465")}
    found = {(line.split()[0], line.split()[-2]) for line in records}
    assert wanted <= found
    assert all(line.split()[-1] == "healthy.mail.test." for line in records)
    assert "setupwizard export --domain dc-aconly.test" in advice(data, "srv.missing")["fix"]
    text, _ = check(dc.AC_ONLY, json_output=False)
    assert "_imaps._tcp.dc-aconly.test." in text.stdout


def test_srv_outside_the_domain_is_a_warning(check):
    proc, data = check(dc.OUTSIDE)
    assert proc.returncode == 0
    assert data["verdict"] == "warning"
    assert data["agreement"]["status"] == "agree"
    item = advice(data, "srv.outside-domain")
    assert item["severity"] == "warning" and dc.HEALTHY in item["explanation"]
    assert advice_ids(data, "problem") == []


def test_conflicting_sources_are_a_warning_when_both_work(check):
    proc, data = check(dc.CONFLICT)
    assert proc.returncode == 0, proc.stdout
    assert data["verdict"] == "warning"
    agreement = data["agreement"]
    assert agreement["status"] == "disagree"
    assert agreement["conflicts"] == ["imap", "smtp"]
    hosts = {c["host"]: c["sources"] for c in agreement["protocols"]["imap"]}
    assert hosts == {dc.HEALTHY: ["autoconfig"], "imap.guess.test": ["srv"]}
    assert advice_ids(data).count("sources.disagree") == 2
    disagree = advice(data, "sources.disagree")
    assert dc.HEALTHY in disagree["explanation"] and "imap.guess.test" in disagree["explanation"]
    assert {s["status"] for s in data["servers"]} == {"pass"}
    assert len(data["servers"]) == 4


def test_srv_naming_a_dead_server_is_broken(check):
    proc, data = check(dc.SRV_DEAD)
    assert proc.returncode == 1
    assert data["verdict"] == "problem"
    dead = [s for s in data["servers"] if s["host"] == "refused.lab.test"]
    assert dead and all(s["status"] == "fail" and s["named_by"] == ["srv"] for s in dead)
    assert "connect.refused" in [c["id"] for c in dead[0]["checks"]]
    failed = [a for a in data["advice"] if a["id"] == "server.failed"]
    assert {a["server"] for a in failed} == {"imap://refused.lab.test:993",
                                             "smtp://refused.lab.test:465"}
    assert all(a["severity"] == "problem" for a in failed)
    assert "sources.disagree" in advice_ids(data)
    # the working servers autoconfig names are fine
    assert all(s["status"] == "pass" for s in data["servers"] if s["host"] == dc.HEALTHY)


def test_expired_certificate_is_broken(check):
    proc, data = check(dc.EXPIRED)
    assert proc.returncode == 1
    assert data["verdict"] == "problem"
    for server in data["servers"]:
        assert server["status"] == "fail"
        assert "certificate.expired" in [c["id"] for c in server["checks"]]
    item = advice(data, "server.failed")
    assert "expired" in item["explanation"]
    # no working server: no records to copy, but the way to make them
    assert advice(data, "srv.missing")["records"] is None
    assert "--imap HOST --smtp HOST" in advice(data, "srv.missing")["fix"]


def test_dead_and_silent_hosts_are_broken(check):
    proc, data = check(dc.DEAD)
    assert proc.returncode == 1
    status = {s["host"]: s for s in data["servers"]}
    assert status["refused.lab.test"]["status"] == "fail"
    assert "connect.refused" in [c["id"] for c in status["refused.lab.test"]["checks"]]
    assert status["blackhole.lab.test"]["status"] == "fail"
    assert data["elapsed_ms"] < 30000


def test_a_source_that_errors_is_broken(check):
    proc, data = check(dc.BROKEN)
    assert proc.returncode == 1
    assert data["verdict"] == "problem"
    assert source(data, "autoconfig")["status"] == "error"
    item = advice(data, "autoconfig.broken")
    assert item["severity"] == "problem" and "500" in item["explanation"]
    assert "https://autoconfig.dc-broken.test/mail/config-v1.1.xml" in item["fix"]
    assert "autoconfig.missing" not in advice_ids(data)  # fix it, do not add it
    assert {s["status"] for s in data["servers"]} == {"pass"}


def test_nothing_published(check):
    proc, data = check(dc.EMPTY)
    assert proc.returncode == 1
    assert data["verdict"] == "nothing"
    assert data["servers"] == [] and data["agreement"]["status"] == "none"
    ids = advice_ids(data)
    assert ids[0] == "nothing.published"
    assert {"autoconfig.missing", "srv.missing", "autodiscover.missing"} <= set(ids)
    assert all(a["severity"] == "suggestion" for a in data["advice"][1:])
    fix = advice(data, "autoconfig.missing")["fix"]
    assert "https://autoconfig.dc-empty.test/mail/config-v1.1.xml" in fix
    assert "setupwizard export --domain dc-empty.test --imap HOST --smtp HOST" in fix
    text, _ = check(dc.EMPTY, json_output=False)
    assert text.returncode == 1
    assert "dc-empty.test publishes no mail settings" in text.stdout


def test_german_output(check):
    from setupwizard.i18n import Translator
    proc, _ = check(dc.OK, "--lang", "de", json_output=False)
    assert proc.returncode == 0
    assert "gefunden" in proc.stdout  # source statuses are translated already
    german = Translator("de")
    for text in ("What to fix or add", "Where mail programs look",
                 "{domain} publishes mail settings that work."):
        if german.gettext(text) == text:
            pytest.skip("the German catalogue lacks the check-domain texts yet")
    assert "What to fix or add" not in proc.stdout
    assert "Where mail programs look" not in proc.stdout
    proc, data = check(dc.OK, "--lang", "de")
    assert data["verdict_text"] != "mail.test publishes mail settings that work."


@pytest.mark.parametrize("domain", ["not_a_domain", "nodot", "-bad-.test", "with space.test",
                                    "x" * 300 + ".test", "", "ctl\x01.test", "a..b.test"])
def test_bad_domain_is_a_usage_error(domain):
    proc = sw("check-domain", "--", domain)  # "--": "-bad-.test" is no option
    assert_clean(proc)
    assert proc.returncode == 2
    assert "is not a domain name" in proc.stderr


def test_an_address_is_a_usage_error_naming_the_domain():
    proc = sw("check-domain", "alice@example.com")
    assert_clean(proc)
    assert proc.returncode == 2
    assert "example.com" in proc.stderr and "address" in proc.stderr


@pytest.mark.parametrize("args", [[], ["example.com", "--timeout", "0"],
                                  ["example.com", "--ca-file", "/nonexistent.pem"],
                                  ["example.com", "--ispdb-url", "ftp://x"],
                                  ["example.com", "--bogus"]])
def test_bad_flags_are_usage_errors(args):
    proc = sw("check-domain", *args)
    assert_clean(proc)
    assert proc.returncode == 2


def test_help():
    proc = sw("check-domain", "--help")
    assert proc.returncode == 0
    assert "--json" in proc.stdout and "DOMAIN" in proc.stdout


@pytest.mark.parametrize("dns_server", ["dns-servfail", "dns-refused", "dns-silent"])
def test_a_broken_resolver_is_said_plainly_and_no_records_are_advised(lab, dns_server):
    """Issue 10, honest network errors: when our own DNS fails, the domain
    owner hears that the check could not look - never "publish records"."""
    ip, port = lab.dns_server(dns_server)
    proc = run_main("check-domain", "example.test", "--json", "--dns-server", f"{ip}:{port}",
                    "--timeout", "1")
    assert_clean(proc)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [a["id"] for a in data["advice"]] == ["network.down"], data["advice"]
    assert "could not be checked" in data["verdict_text"]
    text = run_main("check-domain", "example.test", "--lang", "de", "--dns-server",
                    f"{ip}:{port}", "--timeout", "1")
    assert "Namen lassen sich auf diesem Computer nicht auflösen" in text.stdout
    assert "Veröffentlichen" not in text.stdout
