"""The printable settings sheet, looked at in a real browser: headless
Chromium from Debian prints it to PDF (one A4 page) and takes screenshots
whose QR code zxing-cpp must read. The HTML is parsed to prove that hostile
values stay text. Chromium runs are few: each costs a second or two."""

from __future__ import annotations

import dataclasses
import datetime
import re
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from setupwizard.export import Account, android, sheet
from setupwizard.i18n import Translator
from setupwizard.models import EmailAddress, Hint, ProviderRef, Server

CHROMIUM = Path("/usr/bin/chromium")
A4_POINTS = (595.28, 841.89)
TODAY = datetime.date(2026, 11, 27)
PASSWORD = "Geheim-Passwort-42"
HOSTILE = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>&amp;"


def gmx_account(**changes) -> Account:
    address = EmailAddress.parse("anna.beispiel@gmx.de")
    user = address.text
    account = Account(
        address=address,
        incoming=(Server("imap", "imap.gmx.net", 993, "tls", username=user),
                  Server("imap", "imap.gmx.net", 143, "starttls", username=user),
                  Server("pop3", "pop.gmx.net", 995, "tls", username=user)),
        outgoing=(Server("smtp", "mail.gmx.net", 465, "tls", username=user),
                  Server("smtp", "mail.gmx.net", 587, "starttls", username=user)),
        display_name="Anna Beispiel",
        provider=ProviderRef("gmx.net", "GMX"),
        hints=(Hint("enable-access", {
                   "en": "GMX lets e-mail programs in only after you allow it once. Sign in "
                         "to the GMX web mail and switch on POP3/IMAP access in the settings.",
                   "de": "GMX lässt E-Mail-Programme erst zu, wenn Sie es einmal erlauben."},
                   url="https://hilfe.gmx.net/pop-imap/einschalten.html", kind="action"),
               Hint("two-factor", {"en": "With two-factor authentication switched on, your "
                                         "e-mail program needs an app password of its own."})),
        password=PASSWORD)
    return dataclasses.replace(account, **changes)


def hostile_account() -> Account:
    """Every field the sheet shows, filled with markup, quotes, ampersands,
    non-ASCII text and far too much of it."""
    flood = "Ü" * 3000
    bad_server = Server("imap", HOSTILE, 993, "tls", username=HOSTILE + flood,
                        auth=(HOSTILE,))
    others = tuple(Server("imap", f"imap{i}." + "sehr-langer-name-" * 4 + "example", 993, "tls")
                   for i in range(8))
    hints = tuple(
        Hint(f"h{i}", {"en": (HOSTILE + " Jürgen & Søren ") * 60,
                       "de": (HOSTILE + " Grüße ") * 60}, url=url, kind=kind)
        for i, (url, kind) in enumerate([
            ("javascript:alert(3)", "action"),
            ('https://x.example/"onmouseover="alert(4)', "warning"),
            ("data:text/html,<script>alert(5)</script>", "info"),
            ("https://" + "a" * 900 + ".example/", "info"),
            (None, "action"), ("https://ok.example/", "nonsense")]))
    return Account(
        address=EmailAddress.parse("o'brien&co+{x}@xn--mller-kva.de"),
        incoming=(bad_server,) + others,
        outgoing=(Server("smtp", "smtp.müller.de", 587, "starttls", username=None),) + others,
        display_name=HOSTILE + "\n" + flood, provider=ProviderRef("x", HOSTILE * 20),
        hints=hints, password=HOSTILE, leave_on_server=False)


# -- browser helpers -----------------------------------------------------------

@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium missing); "
                    "scripts/test.sh installs it with apt-get install chromium")
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(page: Path, *args: str) -> None:
        command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-quic", "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                   f"--user-data-dir={profile}", *args, page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=90,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr[-2000:]
    return run


def print_to_pdf(chromium, page: Path) -> bytes:
    target = page.with_suffix(".pdf")
    chromium(page, "--no-pdf-header-footer", f"--print-to-pdf={target}")
    return target.read_bytes()


def screenshot(chromium, page: Path, width: int, height: int):
    Image = pytest.importorskip("PIL.Image", reason="Pillow is a test extra")
    target = page.parent / f"{page.stem}-{width}x{height}.png"
    chromium(page, f"--screenshot={target}", f"--window-size={width},{height}")
    return Image.open(target).convert("L")


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """The size in points of every page of a PDF, read from its page objects
    (Chromium writes them uncompressed)."""
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z]).*?/MediaBox\s*\[([^\]]*)\]", data, re.S) \
        or re.findall(rb"/MediaBox\s*\[([^\]]*)\].*?/Type\s*/Page(?![a-zA-Z])", data, re.S)
    count = re.search(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", data, re.S)
    assert count, "no page tree found in the PDF"
    assert int(count.group(1)) == len(pages), "page objects and page count differ"
    sizes = []
    for box in pages:
        x0, y0, x1, y1 = (float(v) for v in box.split())
        sizes.append((x1 - x0, y1 - y0))
    return sizes


def assert_one_a4_page(data: bytes) -> None:
    sizes = pdf_pages(data)
    assert len(sizes) == 1, f"{len(sizes)} pages instead of one"
    width, height = sizes[0]
    assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, sizes[0]


def decode_qr(image) -> str:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a test extra")
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, f"expected one QR code on the page, found {len(results)}"
    return results[0].text


# -- the sheet in the browser --------------------------------------------------

@pytest.fixture(scope="module")
def english_sheet(tmp_path_factory):
    out = tmp_path_factory.mktemp("sheet-en")
    (exported,) = sheet.write(gmx_account(), out, lang="en", today=TODAY)
    return exported


def test_prints_on_exactly_one_a4_page(chromium, english_sheet):
    assert_one_a4_page(print_to_pdf(chromium, english_sheet.path))


def test_hostile_german_sheet_still_prints_on_one_page(chromium, tmp_path):
    (exported,) = sheet.write(hostile_account(), tmp_path, lang="de", today=TODAY)
    assert_one_a4_page(print_to_pdf(chromium, exported.path))


def test_qr_code_on_the_screen_decodes_without_password(chromium, english_sheet):
    image = screenshot(chromium, english_sheet.path, 1240, 1754)
    text = decode_qr(image)
    assert text == android.qr_payload(gmx_account(password=None))
    assert PASSWORD not in text
    assert _right_margin_is_blank(image)


def test_phone_width_renders_without_overflow(chromium, english_sheet):
    image = screenshot(chromium, english_sheet.path, 390, 844)
    assert image.size == (390, 844)
    dark = sum(image.histogram()[:128])
    assert dark > 2000, "the page looks empty"
    # content cut off at the right edge would leave dark pixels there
    assert _right_margin_is_blank(image)


def _right_margin_is_blank(image, width: int = 6) -> bool:
    strip = image.crop((image.width - width, 0, image.width, image.height))
    return strip.getextrema()[0] > 200


# -- the HTML itself -----------------------------------------------------------

class Page(HTMLParser):
    """Collects elements, attributes and text, the way a browser tokenizes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.texts: list[tuple[str, str]] = []  # (enclosing element, text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "hr", "path"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.texts.append((self.stack[-1] if self.stack else "", data))


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "header", "footer",
                "section", "article", "div", "p", "h1", "h2", "strong", "dl", "dt", "dd",
                "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "a", "figure",
                "figcaption", "svg", "path"}


def test_hostile_values_stay_text():
    page = sheet.render(hostile_account(), lang="en", today=TODAY)
    parsed = parse(page)
    tags = [tag for tag, _ in parsed.tags]
    assert set(tags) <= ALLOWED_TAGS, set(tags) - ALLOWED_TAGS
    assert "script" not in tags and "img" not in tags
    assert tags.count("style") == 1 and tags.count("title") == 1 and tags.count("body") == 1
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "src" not in attrs
        if tag == "a":
            assert attrs["href"].startswith("https://"), attrs["href"]
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert 'https://x.example/"onmouseover="alert(4)' in hrefs  # one value, quotes kept inside
    # the hostile text arrives as text, unchanged
    text = "".join(data for _, data in parsed.texts)
    assert "<script>alert(1)</script><img src=x onerror=alert(2)>&amp;" in text
    assert "o'brien&co+{x}@xn--mller-kva.de" in text
    assert "Jürgen & Søren" in text
    # no value runs on for ever, and the password is not there
    assert max(len(data) for tag, data in parsed.texts if tag != "style") < 700
    assert "<script" not in page and "<img" not in page


def test_no_external_resources_and_no_script():
    page = sheet.render(gmx_account(), lang="en", today=TODAY)
    parsed = parse(page)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base"}
    style = "".join(data for tag, data in parsed.texts if tag == "style")
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    metas = {attrs.get("name") or attrs.get("http-equiv"): attrs.get("content")
             for tag, attrs in parsed.tags if tag == "meta"}
    assert metas["viewport"].startswith("width=device-width")
    assert "default-src 'none'" in metas["Content-Security-Policy"]
    assert "@page { size: A4" in style


def test_sheet_content_and_no_password(tmp_path):
    account = gmx_account()
    (exported,) = sheet.write(account, tmp_path, lang="en", today=TODAY)
    assert not exported.secret and exported.steps
    assert stat.S_IMODE(exported.path.stat().st_mode) == 0o644
    page = exported.path.read_text(encoding="utf-8")
    assert PASSWORD not in page
    text = " ".join(data for tag, data in parse(page).texts if tag not in ("style",))
    for value in ("anna.beispiel@gmx.de", "imap.gmx.net", "993", "mail.gmx.net", "465",
                  "SSL/TLS", "STARTTLS", "pop.gmx.net", "IMAP", "POP3",
                  "https://hilfe.gmx.net/pop-imap/einschalten.html", "27 November 2026",
                  "Thunderbird for Android"):
        assert value in text, value
    assert "password is not on this sheet" in text
    assert '<html lang="en">' in page


def test_pop3_sheet_says_so():
    account = gmx_account(incoming=(Server("pop3", "pop.gmx.net", 995, "tls"),),
                          leave_on_server=True, hints=())
    text = " ".join(data for _, data in parse(sheet.render(account, lang="en")).texts)
    assert "These settings use POP3." in text and "A copy of every e-mail stays" in text


def test_every_text_goes_through_the_translator(monkeypatch):
    """Wrap every translated text in markers: whatever text on the page is not
    wrapped must be a value of the account or a technical name."""
    def wrapped(self, text):
        return f"\u27e6{text}\u27e7"
    monkeypatch.setattr(Translator, "gettext", wrapped)
    monkeypatch.setattr(Translator, "__call__", wrapped)
    account = gmx_account()
    page = sheet.render(account, lang="de", today=TODAY)
    assert '<html lang="de">' in page
    values = {"anna.beispiel@gmx.de", "Anna Beispiel", "imap.gmx.net", "993", "143", "995",
              "mail.gmx.net", "465", "587", "pop.gmx.net", "SSL/TLS", "STARTTLS", "IMAP",
              "POP3", "SMTP", "IMAP: ", "POP3: ", " ", "https://hilfe.gmx.net/pop-imap/"
              "einschalten.html"} | {h.in_lang("de") for h in account.hints}
    for tag, data in parse(page).texts:
        if tag == "style" or not data.strip():
            continue
        assert "\u27e6" in data or data in values or data.strip() in values, (tag, data)
