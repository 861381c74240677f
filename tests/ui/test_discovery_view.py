"""Issue 11, bug 1: each protocol under its own heading, every server shown.

`discover --offline someone@posteo.de` used to print POP3 port 995 as an
"alternative" under "Incoming mail (IMAP)" (a user could set up IMAP on port
995 from that), and a fourth server (POP3 port 110) was left out silently.
The real command runs in-process, in English and German; the JSON output of
the same lookup says which servers the text must show under which heading.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from setupwizard.cli import main
from setupwizard.ui.terminal import Environment

DOMAINS = ("posteo.de", "outlook.com", "gmx.de", "web.de", "t-online.de", "gmail.com")
HEADINGS = {
    "en": {"imap": "Incoming mail (IMAP)", "pop3": "Incoming mail (POP3)",
           "smtp": "Outgoing mail (SMTP)"},
    "de": {"imap": "Posteingangsserver (IMAP)", "pop3": "Posteingangsserver (POP3)",
           "smtp": "Postausgangsserver (SMTP)"},
}


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), env=Environment(stdin=io.StringIO(), stdout=out, stderr=err,
                                              environ={"NO_COLOR": "1",
                                                       "LANG": "C.UTF-8"}))
    return status, out.getvalue()


def sections(text: str) -> dict[str, list[int]]:
    """Heading (two-space indent) -> the ports listed under it."""
    found: dict[str, list[int]] = {}
    current = None
    for line in text.splitlines():
        if re.match(r"^  \S", line):
            current = line.strip()
            found.setdefault(current, [])
        elif current is not None and (m := re.match(r"^ {6}Port:\s+(\d+)$", line)):
            found[current].append(int(m.group(1)))
        elif not line.strip():
            current = None
    return found


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_server_under_its_own_protocol(domain, lang):
    address = f"someone@{domain}"
    status, raw = run("discover", "--offline", "--json", "--lang", lang, address)
    assert status == 0
    data = json.loads(raw)
    expected: dict[str, list[int]] = {}
    for server in data["incoming"] + data["outgoing"]:
        expected.setdefault(server["protocol"], []).append(server["port"])
    assert "pop3" in expected and "imap" in expected  # the case the bug was about

    status, text = run("discover", "--offline", "--lang", lang, address)
    assert status == 0
    shown = sections(text)
    for protocol, ports in expected.items():
        heading = HEADINGS[lang][protocol]
        assert shown.get(heading) == ports, (heading, text)
    # nothing else is listed as a server, and nothing is left out
    listed = sum(len(p) for h, p in shown.items() if h in HEADINGS[lang].values())
    assert listed == len(data["incoming"]) + len(data["outgoing"]), text
    assert text.count("Port:") == listed


@pytest.mark.parametrize("lang", ["en", "de"])
def test_posteo_pop3_is_no_imap_alternative(lang):
    _, text = run("discover", "--offline", "--lang", lang, "someone@posteo.de")
    shown = sections(text)
    assert 995 not in shown[HEADINGS[lang]["imap"]]
    assert 110 in shown[HEADINGS[lang]["pop3"]]  # the fourth server, hidden before
