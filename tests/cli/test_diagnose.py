"""`setupwizard diagnose` against real Dovecot variants and hostile servers.

Every test runs the real command in a subprocess and checks statuses, exit
codes and that the canary password never appears anywhere.
"""

from __future__ import annotations

import functools

import json

import pytest
from tests.support import run_cli, run_main

CANARY = "Canary-Pw-7f3a9c"
USER = "alice@lab.test"


sw = functools.partial(run_main, timeout=90)

@pytest.fixture
def run(lab):
    """Run diagnose with JSON output; return (proc, data)."""
    def go(*args, password=CANARY, user=USER, timeout="3", extra_env=None):
        secret = ["--password-stdin"] if password is not None else ["--no-login"]
        proc = sw("diagnose", user, *args, *secret, "--json", "--transcript",
                  *lab.cli_args, "--timeout", timeout,
                  stdin=(password + "\n") if password is not None else None, env=extra_env)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert CANARY not in proc.stdout + proc.stderr
        data = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else None
        return proc, data
    return go


def ids(data, status=None, server=None):
    return [c["id"] for c in data["checks"]
            if (status is None or c["status"] == status)
            and (server is None or c["server"].startswith(server))]


def servers_for(host):
    return ["--imap", host, "--pop3", host, "--smtp", host]


def test_healthy_implicit_tls_everything_passes(lab, run):
    host = lab.mail("healthy").host
    proc, data = run(*servers_for(host))
    assert proc.returncode == 0
    assert data["verdict"] == "ok"
    assert ids(data, "fail") == [] and ids(data, "warn") == []
    assert ids(data, "pass", "imap").count("login.ok") == 1
    assert "login.ok" in ids(data, "pass", "pop3") and "login.ok" in ids(data, "pass", "smtp")
    mailbox = next(c for c in data["checks"] if c["id"] == "mailbox.ok")
    assert mailbox["details"]["messages"] == 3 and mailbox["details"]["folders"] >= 4
    pop = next(c for c in data["checks"] if c["id"] == "mailbox.pop3")
    assert pop["details"]["messages"] == 3
    cert = next(c for c in data["checks"] if c["id"] == "certificate.ok")
    assert {"subject", "issuer", "not_after", "not_before"} <= set(cert["details"])
    assert {s["protocol"] for s in data["servers"]} == {"imap", "pop3", "smtp"}
    assert all(s["addresses"] for s in data["servers"])
    for check in data["checks"]:
        assert check["category"] in {"dns", "connect", "greeting", "tls", "certificate",
                                     "starttls", "capabilities", "auth", "login", "mailbox"}
        assert check["title"] and check["explanation"]
    transcript = json.dumps(data["transcript"])
    assert "AUTHENTICATE PLAIN ***" in transcript or "AUTH PLAIN ***" in transcript


def test_healthy_starttls_ports(lab, run):
    host = lab.mail("healthy").host
    proc, data = run("--imap", f"{host}:143", "--pop3", f"{host}:110", "--smtp",
                     f"{host}:587")
    assert proc.returncode == 0, ids(data, "fail")
    assert ids(data).count("starttls.ok") == 3
    caps = [c for c in data["checks"] if c["id"] == "capabilities.ok"
            and c["server"].startswith("imap")][0]
    assert "STARTTLS" in caps["details"]["before_tls"]
    assert "STARTTLS" not in caps["details"]["after_tls"]


def test_wrong_password(lab, run):
    host = lab.mail("healthy").host
    proc, data = run("--imap", host, "--smtp", host, password="wrong-password-123")
    assert proc.returncode == 1
    assert data["verdict"] == "problem"
    assert "login.wrong-password" in ids(data, "fail", "imap")
    assert "login.wrong-password" in ids(data, "fail", "smtp")
    check = next(c for c in data["checks"] if c["id"] == "login.wrong-password")
    assert check["fix"]
    assert "wrong-password-123" not in proc.stdout


def test_disabled_account(lab, run):
    host = lab.mail("healthy").host
    proc, data = run("--imap", host, user="disabled@lab.test")
    assert proc.returncode == 1
    failed = ids(data, "fail")
    assert failed and failed[0].startswith("login.")
    assert failed[0] != "login.failed"


@pytest.mark.parametrize("variant, finding", [
    ("expired", "certificate.expired"),
    ("wrongname", "certificate.hostname-mismatch"),
    ("selfsigned", "certificate.self-signed"),
])
def test_certificate_problems_stop_before_the_password(lab, run, variant, finding):
    host = lab.mail(variant).host
    proc, data = run("--imap", host, "--smtp", f"{host}:587")
    assert proc.returncode == 1
    assert ids(data, "fail", "imap") == [finding]
    assert ids(data, "fail", "smtp") == [finding]
    assert "login.skipped-unsafe" in ids(data, "skip")
    assert "login.ok" not in ids(data)
    check = next(c for c in data["checks"] if c["id"] == finding)
    assert check["details"].get("subject") and check["details"].get("not_after")
    if variant == "wrongname":
        assert "invalid-name.test" in check["details"]["names"]
    assert not any(l["direction"] == "C" and ("LOGIN" in l["line"] or "AUTH PLAIN" in
                                              l["line"] or "AUTHENTICATE" in l["line"])
                   for l in data["transcript"])


def test_no_starttls_offered(lab, run):
    host = lab.mail("nostarttls").host
    proc, data = run("--imap", f"{host}:143", "--smtp", f"{host}:587")
    assert proc.returncode == 1
    assert "starttls.not-offered" in ids(data, "fail", "imap")
    assert "login.skipped-unsafe" in ids(data, "skip")


def test_plaintext_needs_explicit_consent(lab, run):
    host = lab.mail("plaintext").host
    proc, data = run("--imap", f"{host}:143/plain", "--smtp", f"{host}:587/plain")
    assert proc.returncode == 0  # usable, with warnings: nothing failed, login skipped
    assert "tls.plain" in ids(data, "warn")
    assert ids(data, "skip").count("login.skipped-insecure") == 2
    proc, data = run("--imap", f"{host}:143/plain", "--smtp", f"{host}:587/plain",
                     "--allow-insecure-password")
    assert proc.returncode == 0
    assert data["verdict"] == "warning"
    assert "login.insecure-sent" in ids(data, "warn", "imap")
    assert "login.ok" in ids(data, "pass", "imap")


def test_oauth2_token(lab):
    host = lab.mail("oauth2").host
    base = ["diagnose", USER, "--imap", host, "--smtp", host, "--json",
            "--oauth2-token-stdin", *lab.cli_args, "--timeout", "3"]
    good = sw(*base, stdin="lab-valid-token\n")
    data = json.loads(good.stdout)
    assert good.returncode == 0, [c for c in data["checks"] if c["status"] == "fail"]
    mechs = [c["details"]["mechanism"] for c in data["checks"] if c["id"] == "login.ok"]
    assert set(mechs) <= {"OAUTHBEARER", "XOAUTH2"} and mechs
    bad = sw(*base, stdin="not-a-valid-token\n")
    assert bad.returncode == 1
    assert "not-a-valid-token" not in bad.stdout


def test_dual_stack_tests_every_address_and_logs_in_once(lab, run):
    server = lab.mail("dual")
    port = server.ports["imaps"]
    proc, data = run("--imap", f"{server.host}:{port}")
    assert proc.returncode == 0
    addresses = {c["address"] for c in data["checks"] if c["address"]}
    assert "::1" in addresses and server.ip in addresses
    assert ids(data).count("login.ok") == 1
    assert ids(data).count("login.skipped-other-address") == 1
    assert ids(data).count("connect.ok") == 2


def test_dead_refused_and_missing_servers(lab, run):
    proc, data = run("--imap", "blackhole.lab.test", "--pop3", "refused.lab.test",
                     "--smtp", "no-such-host.mail.test", timeout="1")
    assert proc.returncode == 1
    assert "greeting.timeout" in ids(data, "fail", "imap") or \
        "tls.failed" in ids(data, "fail", "imap")
    assert "connect.refused" in ids(data, "fail", "pop3")
    assert "dns.nxdomain" in ids(data, "fail", "smtp")
    # as reported: a dead host costs one timeout, and the probes run at once
    assert data["elapsed_ms"] < 2 * 1000, data["elapsed_ms"]


@pytest.mark.parametrize("kind, port, finding", [
    ("garbage", "143/starttls", "greeting.garbage"),
    ("endless", "143/starttls", "greeting.too-long"),
    ("drip", "143/starttls", "greeting.timeout"),
    ("inject", "143/starttls", "starttls.injection"),
    ("preauth", "143/starttls", "greeting.preauth"),
    ("reset", "993/tls", "tls.failed"),
])
def test_hostile_servers(lab, run, kind, port, finding):
    server = lab.hostile(kind)
    proc, data = run("--imap", f"{server.host}:{port}", timeout="2")
    assert proc.returncode == 1
    assert finding in ids(data, "fail"), ids(data)
    assert CANARY.encode() not in server.received


@pytest.mark.parametrize("protocol, port", [("pop3", "110/starttls"),
                                            ("smtp", "587/starttls")])
def test_injection_on_pop3_and_smtp(lab, run, protocol, port):
    server = lab.hostile("inject")
    proc, data = run(f"--{protocol}", f"{server.host}:{port}", timeout="2")
    assert "starttls.injection" in ids(data, "fail"), ids(data)
    assert CANARY.encode() not in server.received


def test_escape_sequences_are_removed(lab):
    server = lab.hostile("escape")
    proc = sw("diagnose", USER, "--imap", f"{server.host}:143/starttls", "--no-login",
              *lab.cli_args, "--timeout", "2", "--transcript")
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    proc = sw("diagnose", USER, "--imap", f"{server.host}:143/starttls", "--no-login",
              *lab.cli_args, "--timeout", "2", "--markdown", "--transcript")
    assert "\x1b" not in proc.stdout


@pytest.mark.parametrize("user, protocol, finding", [
    ("gmail-app@lab.test", "imap", "login.app-password"),
    ("gmail-app@lab.test", "smtp", "login.app-password"),
    ("ms-basic@lab.test", "smtp", "login.oauth2-required"),
    ("yahoo@lab.test", "imap", "login.wrong-password"),
    ("yahoo@lab.test", "smtp", "login.too-many-attempts"),
    ("expired@lab.test", "imap", "login.password-expired"),
    ("inuse@lab.test", "pop3", "login.in-use"),
    ("logindelay@lab.test", "pop3", "login.too-soon"),
    ("sys-temp@lab.test", "pop3", "login.temporary"),
])
def test_provider_error_texts_are_translated(lab, run, user, protocol, finding):
    server = lab.hostile("provider-errors")
    proc, data = run(f"--{protocol}", server.host, user=user)
    assert proc.returncode == 1
    assert finding in ids(data, "fail"), ids(data)


def test_alert_is_shown(lab, run):
    server = lab.hostile("provider-errors")
    proc, data = run("--imap", server.host, user="gmail-app@lab.test")
    assert "login.alert" in ids(data, "warn")


def test_markdown_and_german_reports(lab):
    host = lab.mail("healthy").host
    md = sw("diagnose", USER, "--imap", host, "--smtp", host, "--markdown",
            "--password-stdin", *lab.cli_args, stdin="wrong-password\n")
    assert md.returncode == 1
    assert md.stdout.startswith("## ") and "| ✗ |" in md.stdout
    de = sw("diagnose", USER, "--imap", host, "--smtp", host, "--lang", "de",
            "--password-stdin", *lab.cli_args, stdin=CANARY + "\n")
    assert de.returncode == 0
    assert "Anmeldung" in de.stdout or "Posteingang" in de.stdout
    assert CANARY not in de.stdout


def test_password_from_environment_never_leaks(lab):
    host = lab.mail("healthy").host
    proc = sw("diagnose", USER, "--imap", host, "--transcript", "--json", *lab.cli_args,
              env={"SETUPWIZARD_PASSWORD": CANARY})
    assert proc.returncode == 0
    assert CANARY not in proc.stdout + proc.stderr


def test_without_flags_discovers_first(lab, run):
    # guess.test has only guessable names pointing at the healthy Dovecot
    proc, data = run(password=None, user="alice@guess.test")
    assert data is not None
    assert {s["source"] for s in data["servers"]} == {"guess"}
    assert proc.returncode == 0, ids(data, "fail")


def test_bad_usage(lab):
    for args in (["--imap", "host:99999"], ["--imap", "h/weird"]):
        proc = sw("diagnose", USER, *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = sw("diagnose", "not-an-address")
    assert proc.returncode == 2
    proc = sw("diagnose", USER, "--imap", "x.test", "--password-stdin", stdin="")
    assert proc.returncode == 2


def test_certificate_expiring_soon_is_a_warning(lab, run):
    host = lab.mail("expiring").host
    proc, data = run("--imap", host)
    assert proc.returncode == 0
    assert data["verdict"] == "warning"
    check = next(c for c in data["checks"] if c["id"] == "certificate.expiring")
    assert check["status"] == "warn" and 3 <= check["details"]["days"] <= 5
    assert "UTC" not in check["explanation"] and "days" not in check["explanation"]
    assert "login.ok" in ids(data, "pass")


@pytest.mark.parametrize("server, kind", [("dns-servfail", "servfail"),
                                          ("dns-refused", "refused")])
def test_failing_dns_server_is_not_a_missing_name(lab, server, kind):
    ip, port = lab.dns_server(server)
    proc = sw("diagnose", USER, "--imap", "healthy.mail.test", "--no-login", "--json",
              "--dns-server", f"{ip}:{port}", "--ca-file", lab.ca_file, "--timeout", "2")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    check = data["checks"][0]
    assert check["id"] == "dns.failure" and check["details"]["kind"] == kind
    assert "DNS" in check["explanation"]
