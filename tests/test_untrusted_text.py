"""Text from servers reaching terminals, tickets and scripts (issue 9,
item 11): invisible characters that spoof a display are removed from
terminal text, the Markdown report renders server text literally (no
links, images, HTML or headings in a real GitHub-flavoured renderer), and
every JSON line stays one line for ``str.splitlines()``.

The peers are real and on loopback: a scripted IMAP server whose every
answer carries hostile text, and a plain-HTTP ISPDB serving a clientConfig
with such text (discover --ispdb-url). Only ``sanitize`` itself is tested
as a function too, for the legitimate text it must keep.
"""

from __future__ import annotations

import http.server
import json
import re
import socketserver
import threading

import pytest

from setupwizard.text import sanitize
from tests.support import assert_clean, run_main

PASSWORD = "Canary-Pw-0b7e22"
#: what a hostile server puts into every answer: Markdown and HTML that
#: would become links, images and headings, bidirectional and zero-width
#: characters, line separators a JSON reader splits on, a C1 control; and
#: legitimate text that must survive
HOSTILE = ("[click here](https://evil.example/x) ![t](https://evil.example/t.png) "
           "<img src=x onerror=alert(1)> <a href=https://evil.example/a>a</a> "
           "www.evil.example https://evil.example/raw `code` | cell | # head "
           "\u202egnp.exe\u202c \u2066iso\u2069 zero\u200bwidth\ufeff "
           "line\u2028sep para\u2029sep nel\x85x csi\x9b31m "
           "Grüße 日本 👨\u200d👩\u200d👧")
INVISIBLE = "\u202e\u202c\u2066\u2069\u200b\ufeff\u2028\u2029\x85\x9b"


class _IMAPHandler(socketserver.StreamRequestHandler):
    """IMAP as far as diagnose needs it; every answer carries HOSTILE."""

    def send(self, text: str) -> None:
        self.wfile.write(text.encode("utf-8") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.send(f"* OK {HOSTILE}")
        while line := self.rfile.readline():
            tag, _, rest = line.decode("utf-8", "replace").strip().partition(" ")
            command = rest.split(" ", 1)[0].upper()
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                self.send(f"{tag} OK done")
            elif command == "AUTHENTICATE":
                self.send("+ ")
                self.rfile.readline()
                self.send(f"{tag} NO {HOSTILE}")
            elif command == "LOGOUT":
                self.send(f"* BYE {HOSTILE}")
                self.send(f"{tag} OK bye")
                return
            else:
                self.send(f"{tag} NO {HOSTILE}")


CLIENTCONFIG = f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1"><emailProvider id="example.test">
<domain>example.test</domain>
<displayName>Evil \u202eliaM\u202c\x9b Corp</displayName>
<incomingServer type="imap"><hostname>imap.example.test</hostname><port>993</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username>
<authentication>password-cleartext</authentication></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.example.test</hostname><port>465</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username>
<authentication>password-cleartext</authentication></outgoingServer>
<enable visiturl="https://example.test/enable">
<instruction lang="en">Turn on IMAP {HOSTILE.replace("&", "&amp;").replace("<", "&lt;")}
</instruction></enable>
</emailProvider></clientConfig>""".encode("utf-8")


class _ISPDBHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(CLIENTCONFIG)))
        self.end_headers()
        self.wfile.write(CLIENTCONFIG)

    def log_message(self, *args) -> None:
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def imap():
    server = _serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), _IMAPHandler))
    server.daemon_threads = True
    yield ["--imap", f"127.0.0.1:{server.server_address[1]}/plain",
           "--allow-insecure-password", "--password-stdin", "--timeout", "5"]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def ispdb():
    server = _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ISPDBHandler))
    yield ["--only", "ispdb", "--ispdb-url", f"http://127.0.0.1:{server.server_address[1]}/",
           "--timeout", "5"]
    server.shutdown()
    server.server_close()


def _diagnose(imap, *args):
    proc = run_main("diagnose", "alice@example.test", *imap, "--transcript", *args,
                   stdin=PASSWORD + "\n")
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr  # the sign-in fails
    assert PASSWORD not in proc.stdout + proc.stderr
    return proc.stdout


def _no_invisible(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if c in INVISIBLE})
    assert not found, found


# -- terminals ------------------------------------------------------------------

def test_terminal_report_shows_no_invisible_characters(imap):
    out = _diagnose(imap)
    _no_invisible(out)
    assert "gnp.exe" in out and "zerowidth" in out
    # legitimate text stays: umlauts, CJK, an emoji family joined by ZWJ
    assert "Grüße 日本 👨\u200d👩\u200d👧" in out


def test_discover_text_shows_no_invisible_characters(ispdb):
    proc = run_main("discover", "alice@example.test", *ispdb)
    assert_clean(proc)
    assert "Turn on IMAP" in proc.stdout
    _no_invisible(proc.stdout + proc.stderr)


@pytest.mark.parametrize("text, shown", [
    ("Grüße, Jürgen", "Grüße, Jürgen"),
    ("日本語のメール", "日本語のメール"),
    ("ok 👍🏽 👩\u200d💻 🏳️\u200d🌈", "ok 👍🏽 👩\u200d💻 🏳️\u200d🌈"),
    ("\u202etxt.exe", "txt.exe"),
    ("a\u2066b\u2069c\u200ed\u200ff\u061cg", "abcdfg"),
    ("pay\u200bpal\u200c.com\u2060\ufeff", "paypal.com"),
    ("one\u2028two\u2029three\x85four", "onetwothreefour"),
    ("soft\xadhyphen", "softhyphen"),
    ("joiner\u200dalone", "joineralone"),  # a ZWJ between letters is no emoji
    ("bad\udcffbyte", "bad\ufffdbyte"),
])
def test_sanitize_keeps_text_and_removes_invisible_characters(text, shown):
    assert sanitize(text) == shown


# -- tickets (Markdown) ---------------------------------------------------------

def test_markdown_report_renders_server_text_literally(imap):
    cmarkgfm = pytest.importorskip("cmarkgfm")  # a test extra: GitHub's own renderer
    from cmarkgfm.cmark import Options
    markdown = _diagnose(imap, "--markdown")
    _no_invisible(markdown)
    # unsafe: raw HTML is passed through, as many ticket systems do
    html = cmarkgfm.github_flavored_markdown_to_html(markdown,
                                                     options=Options.CMARK_OPT_UNSAFE)
    assert "<img" not in html
    assert "onerror" not in html.replace("onerror=alert(1)&gt;", "")  # only as text
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', html)
    # the only link GitHub may still make is the user's own address as mailto
    assert all(href == f"mailto:{text}" for href, text in links), links
    assert "evil.example" not in "".join(href for href, _ in links)
    assert re.findall(r"<h(\d)>", html) == ["2", "3"]  # only our two headings
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        assert len(re.findall(r"<t[hd]\b", row)) == 4, row
    # and the server's words are there for the reader, as text
    assert "![t](https://evil.example/t.png)" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_markdown_code_span_and_fence_cannot_be_closed(imap):
    markdown = _diagnose(imap, "--markdown")
    # the transcript fence is longer than any backtick run inside it
    fence = re.search(r"^(`{3,})$", markdown, re.M).group(1)
    body = markdown.split(fence)[1]
    assert fence not in body and "`code`" in body


# -- scripts (JSON) -------------------------------------------------------------

def test_diagnose_json_is_one_line_and_keeps_the_text(imap):
    out = _diagnose(imap, "--json")
    assert len(out.splitlines()) == 1
    _no_invisible(out)
    data = json.loads(out)
    failed = next(c for c in data["checks"] if c["status"] == "fail")
    assert "gnp.exe" in failed["details"]["response"]
    assert any("Grüße 日本" in line["line"] for line in data["transcript"])


def test_discover_json_lines_stay_lines(ispdb):
    proc = run_main("discover", "alice@example.test", "-", "--json", *ispdb,
                   stdin="bob@example.test\n")
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    _no_invisible(proc.stdout)
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        data = json.loads(line)
        assert "\x9b" in data["provider"]["name"]
        assert "\u202e" in data["hints"][0]["text"]
