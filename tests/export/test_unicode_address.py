"""Issue 11, bug 2: an address with letters beyond ASCII (älice@läb.test).

Thunderbird for Android cannot take such an address, so its QR code cannot
be made. Before, the wizard then ended with exit 2 after five files were
written and listed none of them; the sheet was named
``lice@xn--lb-via.test-settings.html`` (the ä dropped); user names were
shown in punycode. Now only the QR code is skipped, with the reason in the
user's language, every written file is listed, no letter is dropped from a
file name and user names are shown as the user knows the address.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from setupwizard.export import Account
from setupwizard.export.sheet import render as render_sheet
from setupwizard.i18n import Translator
from setupwizard.models import EmailAddress, Server
from setupwizard.ui.discovery_view import server_lines
from setupwizard.ui.terminal import Style
from tests.support import assert_clean, run_main as run_cli

ADDRESS = "älice@läb.test"
PUNYCODE_LOGIN = "älice@xn--lb-via.test"
SERVERS = ("--imap", "imap.läb.test", "--smtp", "smtp.läb.test")
REASON = {"en": "Thunderbird for Android accepts only e-mail addresses",
          "de": "Thunderbird für Android nimmt nur E-Mail-Adressen an"}


def assert_written_and_listed(folder: Path, stdout: str) -> list[str]:
    names = sorted(p.name for p in folder.iterdir())
    assert names, "no file was written"
    for name in names:
        assert name in stdout, f"{name} was written but not listed"
        # the local part is kept whole: no letter of "älice" is dropped
        if "lice" in name:
            assert "älice" in name, name
    assert "älice@läb.test-settings.html" in names
    assert not any("android" in n for n in names)
    return names


@pytest.mark.parametrize("lang", ["en", "de"])
def test_wizard_skips_only_the_qr_code_and_lists_every_file(tmp_path, lang):
    out = tmp_path / "files"
    proc = run_cli("wizard", "--lang", lang, "--address", ADDRESS, *SERVERS,
                   "--protocol", "imap", "--no-login",
                   "--devices", "thunderbird,outlook,apple,android,other",
                   "--out", str(out), "--yes")
    assert_clean(proc)
    # as with `export`: one chosen device got no file (1), but no usage error (2)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    names = assert_written_and_listed(out, proc.stdout)
    assert len(names) == 6
    assert REASON[lang] in proc.stdout + proc.stderr


@pytest.mark.parametrize("lang", ["en", "de"])
def test_export_all_skips_only_the_qr_code_and_lists_every_file(tmp_path, lang):
    out = tmp_path / "files"
    proc = run_cli("export", ADDRESS, *SERVERS, "--format", "all", "--out", str(out),
                   "--lang", lang, "--username", PUNYCODE_LOGIN)
    assert_clean(proc)
    assert proc.returncode == 1  # documented: a format could not be written
    assert_written_and_listed(out, proc.stdout)
    assert REASON[lang] in proc.stderr
    # the user name on screen and on the printed sheet as the user knows it
    assert "xn--" not in "".join(line for line in proc.stdout.splitlines()
                                 if "älice" in line)
    assert ADDRESS in proc.stdout
    sheet = (out / "älice@läb.test-settings.html").read_text(encoding="utf-8")
    assert PUNYCODE_LOGIN not in sheet and ADDRESS in sheet
    # the files themselves keep the login exactly as given
    assert PUNYCODE_LOGIN in (out / "config-v1.1.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_discovered_punycode_login_is_shown_in_unicode(lang):
    # SRV and guessing give the login with the domain in punycode
    servers = (Server("imap", "imap.xn--lb-via.test", 993, "tls", username=PUNYCODE_LOGIN),)
    text = "\n".join(server_lines(servers, Translator(lang), Style(False), "incoming"))
    assert ADDRESS in text and "xn--lb-via" not in text.split("imap.xn--lb-via.test")[1]

    account = Account(address=EmailAddress.parse(ADDRESS), incoming=servers,
                      outgoing=(Server("smtp", "smtp.xn--lb-via.test", 465, "tls",
                                       username=PUNYCODE_LOGIN),))
    sheet = render_sheet(account, lang=lang)
    assert PUNYCODE_LOGIN not in sheet and ADDRESS in sheet
