"""`setupwizard export` end to end: the real command in a subprocess, with
explicit servers (no network) and against the lab (discovery)."""

from __future__ import annotations

import functools

import importlib.util
import plistlib
import shutil
import stat
import subprocess

import pytest

from setupwizard.formats.autodiscover import parse_response
from setupwizard.formats.clientconfig import parse as parse_clientconfig
from setupwizard.i18n import Translator
from tests.support import assert_clean, run_cli, run_main

SERVERS = ["--imap", "imap.example.test", "--smtp", "smtp.example.test:587"]
MY_FILES = {"config-v1.1.xml", "autodiscover-example.test.xml",
            "outlook-classic-example.test.reg", "outlook-manual-setup.txt",
            "apple-mail-bob@example.test.mobileconfig"}


sw = functools.partial(run_main, timeout=60)


@pytest.fixture
def lab_args(lab):
    return [*lab.cli_args, "--timeout", "2"]


def test_explicit_servers_write_every_format(tmp_path):
    out = tmp_path / "out"
    proc = sw("export", "bob@example.test", *SERVERS, "--format", "all", "--out", str(out))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    written = {p.name for p in out.iterdir()}
    assert MY_FILES <= written
    # next steps: every file is named with its title and numbered steps
    for name in MY_FILES:
        assert name in proc.stdout
    assert "Settings file for Thunderbird (desktop)" in proc.stdout
    assert "    1. " in proc.stdout and "C:\\setupwizard" in proc.stdout
    assert "Unsigned" in proc.stdout
    config = parse_clientconfig((out / "config-v1.1.xml").read_bytes())
    assert config.incoming[0].host == "imap.example.test"
    assert config.outgoing[0].port == 587 and config.outgoing[0].security == "starttls"
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_default_folder_is_named_after_the_address(tmp_path):
    proc = sw("export", "bob@example.test", *SERVERS, "--format", "thunderbird",
              cwd=tmp_path)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "setupwizard-bob@example.test" / "config-v1.1.xml").is_file()


def test_discovered_settings_are_exported(lab_args, tmp_path):
    proc = sw("export", "alice@ac-good.test", "--format", "thunderbird,outlook,apple",
              "--out", str(tmp_path), *lab_args)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    config = parse_clientconfig((tmp_path / "config-v1.1.xml").read_bytes())
    assert config.incoming[0].host == "imap.ac-good.test"
    assert config.incoming[0].username == "alice@ac-good.test"
    answer = parse_response((tmp_path / "autodiscover-ac-good.test.xml").read_bytes())
    assert [s.host for s in answer.servers] == ["imap.ac-good.test", "smtp.ac-good.test"]
    profile = plistlib.loads(
        (tmp_path / "apple-mail-alice@ac-good.test.mobileconfig").read_bytes())
    assert profile["PayloadContent"][0]["OutgoingMailServerHostName"] == "smtp.ac-good.test"
    assert "autoconfig" in proc.stdout  # where the settings came from


def test_discovered_pop3_when_asked(lab_args, tmp_path):
    proc = sw("export", "alice@ac-good.test", "--format", "thunderbird", "--protocol",
              "pop3", "--out", str(tmp_path), *lab_args)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    (pop,) = parse_clientconfig((tmp_path / "config-v1.1.xml").read_bytes()).incoming
    assert (pop.protocol, pop.host) == ("pop3", "pop.ac-good.test")
    assert dict(pop.extra)["leave_messages_on_server"] is True


def test_nothing_found_exits_1(lab_args, tmp_path):
    proc = sw("export", "x@nothing-here.test", "--format", "all", "--out",
              str(tmp_path / "out"), *lab_args)
    assert_clean(proc)
    assert proc.returncode == 1
    assert "No settings found" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_only_a_pop3_server_exports_pop3(tmp_path):
    proc = sw("export", "bob@example.test", "--pop3", "pop.example.test", "--smtp",
              "smtp.example.test", "--format", "thunderbird,outlook,apple", "--out",
              str(tmp_path))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    root = (tmp_path / "config-v1.1.xml").read_text()
    assert 'type="pop3"' in root and "<leaveMessagesOnServer>true" in root
    profile = plistlib.loads(
        (tmp_path / "apple-mail-bob@example.test.mobileconfig").read_bytes())
    assert profile["PayloadContent"][0]["EmailAccountType"] == "EmailTypePOP"
    answer = parse_response((tmp_path / "autodiscover-example.test.xml").read_bytes())
    assert answer.servers[0].protocol == "pop3" and answer.servers[0].port == 995
    assert "Thunderbird for Android ignores POP3" in proc.stdout


def test_hostile_name_is_written_and_shown_safely(tmp_path):
    name = "Bob \"The <Builder>\" & Söhne ]]>"
    proc = sw("export", "bob@example.test", *SERVERS, "--name", name, "--out",
              str(tmp_path), "--format", "apple,outlook")
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    profile = plistlib.loads(
        (tmp_path / "apple-mail-bob@example.test.mobileconfig").read_bytes())
    assert profile["PayloadContent"][0]["EmailAccountName"] == name
    from lxml import etree
    root = etree.fromstring((tmp_path / "autodiscover-example.test.xml").read_bytes())
    assert root.xpath("string(//*[local-name()='DisplayName'])") == name


@pytest.mark.parametrize("args,words", [
    (["no-at-sign", "--format", "all"], "not a usable e-mail address"),
    (["bob@example.test"], "--format"),
    (["bob@example.test", "--format", "pdf"], "unknown format"),
    (["bob@example.test", "--format", "all", "--imap", "imap.example.test"], "--smtp"),
    (["bob@example.test", "--format", "all", "--imap", "imap.example.test:99999",
      "--smtp", "s.example.test"], "must be a number from 1 to 65535"),
    (["bob@example.test", "--format", "all", "--protocol", "pop3", *SERVERS], "--pop3"),
    (["bob@example.test", "--format", "all", "--password-stdin", *SERVERS],
     "--include-password"),
    (["bob@example.test", "--format", "all", "--include-password", *SERVERS],
     "--password-stdin"),
    (["bob@example.test", "--format", "all", "--sign-cert", "x.pem", *SERVERS],
     "--sign-key"),
    (["bob@example.test", "--format", "thunderbird", "--sign-cert", "x.pem", "--sign-key",
      "y.pem", *SERVERS], "apple"),
    (["bob@example.test", "--format", "apple", "--sign-cert", "/nonexistent/x.pem",
      "--sign-key", "/nonexistent/y.pem", *SERVERS], "cannot read"),
    (["bob@example.test", "--format", "all", "--name", "evil\x1b[2J", *SERVERS],
     "control characters"),
    (["bob@example.test", "--format", "all", "--name", "x" * 500, *SERVERS],
     "longer than"),
    (["--format", "all", *SERVERS], "--domain"),
    (["--domain", "not a domain", *SERVERS], "not a domain"),
    (["bob@other.test", "--domain", "example.test", *SERVERS], "not at"),
    (["--domain", "example.test", "--format", "all", *SERVERS], "--format"),
    (["--domain", "example.test", "--include-password", "--password-stdin", *SERVERS],
     "--domain"),
    (["--domain", "example.test", "--username", "fixed", *SERVERS], "template"),
    (["bob@example.test", "--format", "all", "--web-host", "w.example.test", *SERVERS],
     "--domain"),
])
def test_usage_errors_exit_2(tmp_path, args, words):
    proc = sw("export", *args, "--out", str(tmp_path / "out"), stdin="")
    assert_clean(proc)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert words in proc.stderr
    assert not (tmp_path / "out").exists()


def test_out_must_be_a_folder(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    proc = sw("export", "bob@example.test", *SERVERS, "--format", "all", "--out",
              str(target))
    assert_clean(proc)
    assert proc.returncode == 2 and "not a folder" in proc.stderr


def test_unencrypted_server(tmp_path):
    plain = ["--imap", "imap.example.test:143/plain", "--smtp", "smtp.example.test:587"]
    proc = sw("export", "bob@example.test", *plain, "--format", "thunderbird", "--out",
              str(tmp_path / "tb"))
    assert_clean(proc)
    assert proc.returncode == 1
    assert "unencrypted" in proc.stderr and "Thunderbird" in proc.stderr
    assert not (tmp_path / "tb" / "config-v1.1.xml").exists()

    proc = sw("export", "bob@example.test", *plain, "--format", "apple,outlook", "--out",
              str(tmp_path / "apple"))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert "Warning:" in proc.stderr and "no encryption" in proc.stderr
    profile = plistlib.loads(
        (tmp_path / "apple" / "apple-mail-bob@example.test.mobileconfig").read_bytes())
    assert profile["PayloadContent"][0]["IncomingMailServerUseSSL"] is False


@pytest.mark.parametrize("how", ["stdin", "env"])
def test_include_password(tmp_path, how):
    secret = "Pa$$ w0rd \"<&>\""
    args = ["export", "bob@example.test", *SERVERS, "--format", "apple,thunderbird",
            "--include-password", "--out", str(tmp_path)]
    if how == "stdin":
        proc = sw(*args, "--password-stdin", stdin=secret + "\n")
    else:
        proc = sw(*args, env={"SETUPWIZARD_PASSWORD": secret})
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    profile_path = tmp_path / "apple-mail-bob@example.test.mobileconfig"
    assert stat.S_IMODE(profile_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "config-v1.1.xml").stat().st_mode) == 0o644
    mail = plistlib.loads(profile_path.read_bytes())["PayloadContent"][0]
    assert mail["IncomingPassword"] == mail["OutgoingPassword"] == secret
    assert "contains the password" in proc.stderr and profile_path.name in proc.stderr
    assert secret not in proc.stdout and secret not in proc.stderr
    assert secret.encode() not in (tmp_path / "config-v1.1.xml").read_bytes()


def test_empty_password_on_stdin_is_a_usage_error(tmp_path):
    proc = sw("export", "bob@example.test", *SERVERS, "--format", "apple",
              "--include-password", "--password-stdin", "--out", str(tmp_path / "o"),
              stdin="\n")
    assert_clean(proc)
    assert proc.returncode == 2 and "standard input is empty" in proc.stderr


def test_signed_profile(tmp_path):
    trustme = pytest.importorskip("trustme")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    ca = trustme.CA()
    leaf = ca.issue_cert("profiles.example.test")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    out = tmp_path / "out"
    proc = sw("export", "bob@example.test", *SERVERS, "--format", "apple", "--out", str(out),
              "--sign-cert", str(tmp_path / "cert.pem"), "--sign-key",
              str(tmp_path / "key.pem"))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert "signed by" in proc.stdout
    profile = out / "apple-mail-bob@example.test.mobileconfig"
    verify = subprocess.run(["openssl", "smime", "-verify", "-inform", "DER", "-CAfile",
                             str(tmp_path / "ca.pem"), "-purpose", "any", "-in", str(profile),
                             "-out", str(tmp_path / "content")],
                            capture_output=True, text=True, timeout=30)
    assert verify.returncode == 0, verify.stderr
    assert plistlib.loads((tmp_path / "content").read_bytes())["PayloadType"] == \
        "Configuration"


def test_domain_kit_with_explicit_servers(tmp_path):
    import dns.zone
    proc = sw("export", "--domain", "example.test", "--imap", "imap.example.test",
              "--pop3", "pop.example.test:110", "--smtp", "smtp.example.test:465",
              "--web-host", "www.example.test", "--name", "Example & Co", "--out",
              str(tmp_path))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in tmp_path.iterdir()} == {
        "config-v1.1.xml", "autodiscover.xml", "dns-records.zone", "README.txt"}
    config = (tmp_path / "config-v1.1.xml").read_text()
    assert "<username>%EMAILADDRESS%</username>" in config
    assert "<displayName>Example &amp; Co</displayName>" in config
    zone = dns.zone.from_text((tmp_path / "dns-records.zone").read_text(),
                              origin="example.test.", relativize=False, check_origin=False)
    srv = {name.to_text(): [r.to_text() for r in rdataset]
           for name, rdataset in zone.iterate_rdatasets("SRV")}
    assert srv["_imaps._tcp.example.test."] == ["0 1 993 imap.example.test."]
    assert srv["_pop3._tcp.example.test."] == ["10 1 110 pop.example.test."]
    assert srv["_submissions._tcp.example.test."] == ["0 1 465 smtp.example.test."]
    assert srv["_autodiscover._tcp.example.test."] == ["0 1 443 www.example.test."]
    cname = {name.to_text(): [r.to_text() for r in rdataset]
             for name, rdataset in zone.iterate_rdatasets("CNAME")}
    assert cname["autoconfig.example.test."] == ["www.example.test."]
    assert "README.txt" in proc.stdout and "%EMAILADDRESS%" in proc.stdout


def test_domain_kit_from_discovery(lab_args, tmp_path):
    proc = sw("export", "--domain", "ac-good.test", "--out", str(tmp_path), *lab_args)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    config = parse_clientconfig((tmp_path / "config-v1.1.xml").read_bytes())
    assert [s.username for s in config.incoming] == ["%EMAILADDRESS%"] * 2
    assert config.incoming[0].host == "imap.ac-good.test"
    assert "_imaps._tcp.ac-good.test." in (tmp_path / "dns-records.zone").read_text()


def test_domain_kit_refuses_plain(tmp_path):
    proc = sw("export", "--domain", "example.test", "--imap", "imap.example.test:143/plain",
              "--smtp", "smtp.example.test", "--out", str(tmp_path / "kit"))
    assert_clean(proc)
    assert proc.returncode == 1 and "unencrypted" in proc.stderr


def test_a_format_that_is_not_installed(tmp_path):
    present = importlib.util.find_spec("setupwizard.export.android") is not None
    proc = sw("export", "bob@example.test", *SERVERS, "--format", "android", "--out",
              str(tmp_path))
    assert_clean(proc)
    if present and importlib.util.find_spec("segno") is not None:
        assert proc.returncode == 0, proc.stderr
    else:
        assert proc.returncode == 1 and "not available" in proc.stderr


def test_next_steps_in_english_and_german(tmp_path):
    english = sw("export", "bob@example.test", *SERVERS, "--format", "outlook", "--out",
                 str(tmp_path / "en"), "--lang", "en")
    assert_clean(english)
    assert english.returncode == 0, english.stderr
    assert "Registry file that points classic Outlook at the autodiscover file" in \
        english.stdout
    text = (tmp_path / "en" / "outlook-manual-setup.txt").read_text(encoding="utf-8")
    assert "New Outlook for Windows" in text

    german = sw("export", "bob@example.test", *SERVERS, "--format", "outlook", "--out",
                str(tmp_path / "de"), "--lang", "de")
    assert_clean(german)
    assert german.returncode == 0, german.stderr
    # texts German already has prove the language reaches this command
    from setupwizard.i18n import msg
    incoming = msg("Incoming mail ({protocol})", protocol="IMAP").render(Translator("de"))
    assert incoming != "Incoming mail (IMAP)" and incoming in german.stdout
    title = "Registry file that points classic Outlook at the autodiscover file"
    translated = Translator("de").gettext(title)
    if translated == title:
        pytest.skip("the German catalogue does not have the export texts yet")
    assert translated in german.stdout and title not in german.stdout
    heading = Translator("de").gettext("New Outlook for Windows")
    assert heading in (tmp_path / "de" / "outlook-manual-setup.txt").read_text(
        encoding="utf-8")
