"""The bundled provider database (providers/*.toml) and setupwizard.providers."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from setupwizard.errors import ProviderDataError, SetupWizardError
from setupwizard.models import AccountConfig, EmailAddress, Hint, ProviderRef, to_ascii_domain
from setupwizard.providers import (STATUSES, Provider, ProviderDatabase, ServerTemplate,
                                   default_location, validate)

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = ROOT / "providers"


@pytest.fixture(scope="module")
def db() -> ProviderDatabase:
    return ProviderDatabase.load()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


#: A small, complete provider file; tests change parts of it.
EXAMPLE = """\
id = 'example'
name = 'Example Mail'
status = 'ready'
auth = ['password']
domains = ['example.com', 'bücher.example']
subdomains = true
mx_patterns = ['*.mx.example.net', 'mx.example.org']

[[incoming]]
protocol = 'imap'
host = 'imap.%EMAILDOMAIN%'
port = 993
security = 'tls'

[[incoming]]
protocol = 'pop3'
host = 'pop.example.com'
port = 995
security = 'tls'
username = '%EMAILLOCALPART%'
leave_on_server = true

[[outgoing]]
protocol = 'smtp'
host = 'smtp.example.com'
port = 587
security = 'starttls'
auth = ['OAuth2', 'password-cleartext']

[[hints]]
id = 'enable-access'
kind = 'action'
en = 'Switch on IMAP first.'
de = 'Schalten Sie zuerst IMAP ein.'
url = 'https://help.example.com/imap'

[[sources]]
url = 'https://help.example.com/servers'
what = 'servers and ports'
checked = '2026-11-27'
"""


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    write(tmp_path, "example.toml", EXAMPLE)
    return tmp_path


# --------------------------------------------------------------------------
# The bundled data

def test_every_bundled_file_validates():
    assert validate() == []
    assert validate(PROVIDERS) == []


def test_the_database_is_big_enough(db):
    assert len(db) >= 80
    assert sum(len(p.domains) for p in db) >= 300


def test_file_names_match_ids():
    for path in PROVIDERS.glob("*.toml"):
        assert re.search(rf"^id = ['\"]{re.escape(path.stem)}['\"]$",
                         path.read_text(encoding="utf-8"), re.M), path.name


def test_no_domain_or_mx_pattern_belongs_to_two_providers(db):
    owners: dict[str, str] = {}
    patterns: dict[str, str] = {}
    for provider in db:
        for domain in provider.domains:
            assert domain not in owners, f"{domain}: {owners.get(domain)} and {provider.id}"
            owners[domain] = provider.id
        for pattern in provider.mx_patterns:
            assert pattern not in patterns, f"{pattern}: {patterns[pattern]} and {provider.id}"
            patterns[pattern] = provider.id


def test_every_provider_is_complete_enough_to_show(db):
    for provider in db:
        assert provider.status in STATUSES
        assert provider.sources, provider.id
        if provider.status == "unusable":
            assert not provider.incoming and not provider.outgoing, provider.id
            assert any(h.kind == "warning" for h in provider.hints), provider.id
        else:
            assert provider.incoming and provider.outgoing, provider.id
        if provider.status == "needs-preparation":
            assert any(h.kind in ("action", "warning") for h in provider.hints), provider.id
        for hint in provider.hints:
            assert hint.text.get("en") and hint.text.get("de"), (provider.id, hint.id)


def test_german_hints_address_the_reader_with_sie(db):
    informal = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.I)
    for provider in db:
        for hint in provider.hints:
            assert not informal.search(hint.text["de"]), (provider.id, hint.id)
            if hint.kind == "action":
                assert "Sie" in hint.text["de"], (provider.id, hint.id)


def test_sources_are_public_https_pages_with_a_check_date(db):
    for provider in db:
        for source in provider.sources:
            assert source.url.startswith("https://"), provider.id
            assert source.what, provider.id
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.checked), provider.id


def test_servers_are_listed_best_first(db):
    rank = {"tls": 0, "starttls": 1, "plain": 2}
    for provider in db:
        incoming = [(s.protocol != "imap", rank[s.security]) for s in provider.incoming]
        assert incoming == sorted(incoming), provider.id
        outgoing = [rank[s.security] for s in provider.outgoing]
        assert outgoing == sorted(outgoing), provider.id


def test_oauth2_only_providers_say_so(db):
    for provider in db:
        if provider.auth == ("oauth2",):
            for server in provider.incoming + provider.outgoing:
                assert server.auth == ("OAuth2",), provider.id
            assert any(h.kind == "warning" for h in provider.hints), provider.id


# --------------------------------------------------------------------------
# Looking up

@pytest.mark.parametrize("domain, provider_id", [
    ("gmx.de", "gmx"), ("gmx.net", "gmx"), ("gmx.at", "gmx"), ("gmx.ch", "gmx"),
    ("gmx.com", "gmx.com"), ("gmx.fr", "gmx.com"),
    ("web.de", "web.de"), ("t-online.de", "t-online"), ("freenet.de", "freenet"),
    ("online.de", "1und1"), ("posteo.de", "posteo"), ("mailbox.org", "mailbox.org"),
    ("arcor.de", "vodafone"), ("bluewin.ch", "bluewin"), ("aon.at", "a1"),
    ("gmail.com", "gmail"), ("googlemail.com", "gmail"),
    ("outlook.com", "outlook"), ("hotmail.de", "outlook"), ("live.com", "outlook"),
    ("msn.com", "outlook"),
    ("yahoo.com", "yahoo"), ("yahoo.de", "yahoo"), ("ymail.com", "yahoo"),
    ("icloud.com", "icloud"), ("me.com", "icloud"), ("mac.com", "icloud"),
    ("aol.com", "aol"), ("fastmail.com", "fastmail"), ("zoho.com", "zoho"),
    ("mail.com", "mail.com"), ("email.com", "mail.com"),
    ("proton.me", "proton"), ("protonmail.com", "proton"), ("tutanota.de", "tuta"),
    ("yandex.ru", "yandex"), ("mail.ru", "mail.ru"), ("libero.it", "libero"),
    ("orange.fr", "orange"), ("free.fr", "free"), ("laposte.net", "laposte"),
    ("seznam.cz", "seznam"), ("wp.pl", "wp"), ("onet.pl", "onet"),
    ("interia.pl", "interia"), ("o2.pl", "o2.pl"), ("virgilio.it", "virgilio"),
])
def test_by_domain_finds_known_domains(db, domain, provider_id):
    provider = db.by_domain(domain)
    assert provider is not None, domain
    assert provider.id == provider_id


def test_by_domain_ignores_case_and_a_trailing_dot(db):
    assert db.by_domain("GMX.DE").id == "gmx"
    assert db.by_domain("gmail.com.").id == "gmail"


@pytest.mark.parametrize("domain", ["example.com", "gmx", "", ".", "mail.gmx.de",
                                    "gmx.de.evil.example", "xgmx.de", "com"])
def test_by_domain_misses(db, domain):
    assert db.by_domain(domain) is None


def test_by_domain_with_subdomains(db):
    assert db.by_domain("contoso.onmicrosoft.com").id == "microsoft-365"
    assert db.by_domain("mail.contoso.onmicrosoft.com").id == "microsoft-365"
    assert db.by_domain("onmicrosoft.com").id == "microsoft-365"
    # gmx.de does not claim its subdomains
    assert db.by_domain("shop.gmx.de") is None


def test_by_domain_matches_idn_domains_in_either_form(example_dir):
    db = ProviderDatabase.load(example_dir)
    punycode = to_ascii_domain("bücher.example")
    assert punycode == "xn--bcher-kva.example"
    assert db.by_domain(punycode).id == "example"
    assert db.by_domain("bücher.example").id == "example"
    assert db.by_domain("BÜCHER.example").id == "example"
    assert db.by_domain("shop.xn--bcher-kva.example").id == "example"  # subdomains = true
    assert db.by_id("example").domains_as_written == ("example.com", "bücher.example")


def test_the_nearest_listed_parent_decides(tmp_path):
    write(tmp_path, "example.toml", EXAMPLE)   # example.com, subdomains = true
    write(tmp_path, "shop.toml", EXAMPLE.replace("id = 'example'", "id = 'shop'")
          .replace("['example.com', 'bücher.example']", "['shop.example.com']")
          .replace("subdomains = true", "subdomains = false")
          .replace("mx_patterns = ['*.mx.example.net', 'mx.example.org']", "mx_patterns = []"))
    db = ProviderDatabase.load(tmp_path)
    assert db.by_domain("a.example.com").id == "example"
    assert db.by_domain("shop.example.com").id == "shop"
    assert db.by_domain("a.shop.example.com") is None


@pytest.mark.parametrize("mx_host, provider_id", [
    ("aspmx.l.google.com", "google-workspace"),
    ("alt1.aspmx.l.google.com", "google-workspace"),
    ("smtp.google.com", "google-workspace"),
    ("aspmx2.googlemail.com", "google-workspace"),
    ("contoso-com.mail.protection.outlook.com", "microsoft-365"),
    ("outlook-com.olc.protection.outlook.com", "outlook"),
    ("mx00.kundenserver.de", "ionos"),
    ("mx01.ionos.co.uk", "ionos-uk"),
    ("smtpin.rzone.de", "strato"),
    ("mx00.emig.gmx.net", "gmx"),
    ("mxext1.mailbox.org", "mailbox.org"),
    ("in1-smtp.messagingengine.com", "fastmail"),
    ("mx.zoho.com", "zoho-workplace"),
    ("mx.zoho.eu", "zoho-workplace-eu"),
    ("mail.protonmail.ch", "proton"),
    ("mail.tutanota.de", "tuta"),
    ("mx.yandex.net", "yandex"),
    ("www123.your-server.de", "hetzner"),
    ("mx1.mail.ovh.net", "ovh"),
    ("MX00.KUNDENSERVER.DE.", "ionos"),
])
def test_by_mx_finds_hosting_providers(db, mx_host, provider_id):
    provider = db.by_mx(mx_host)
    assert provider is not None, mx_host
    assert provider.id == provider_id


@pytest.mark.parametrize("mx_host", ["google.com", "evilgoogle.com", "google.com.evil.example",
                                     "mx.example.org", "", "tutanota.de", "yandex.net",
                                     "protection.outlook.com"])
def test_by_mx_misses(db, mx_host):
    assert db.by_mx(mx_host) is None


def test_by_mx_prefers_exact_patterns_then_the_longest_wildcard(tmp_path):
    write(tmp_path, "wide.toml", EXAMPLE.replace("id = 'example'", "id = 'wide'")
          .replace("mx_patterns = ['*.mx.example.net', 'mx.example.org']",
                   "mx_patterns = ['*.example.net']"))
    write(tmp_path, "narrow.toml", EXAMPLE.replace("id = 'example'", "id = 'narrow'")
          .replace("['example.com', 'bücher.example']", "['narrow.example']")
          .replace("mx_patterns = ['*.mx.example.net', 'mx.example.org']",
                   "mx_patterns = ['*.mx.example.net', 'special.example.net']"))
    db = ProviderDatabase.load(tmp_path)
    assert db.by_mx("a.mx.example.net").id == "narrow"
    assert db.by_mx("a.b.mx.example.net").id == "narrow"
    assert db.by_mx("other.example.net").id == "wide"
    assert db.by_mx("special.example.net").id == "narrow"
    assert db.by_mx("x.special.example.net").id == "wide"
    assert db.by_mx("mx.example.net").id == "wide"
    assert db.by_mx("example.net") is None


def test_by_id_iteration_and_length(db):
    assert db.by_id("gmail").name == "Gmail"
    assert db.by_id("no-such-provider") is None
    assert "gmail" in db and "no-such-provider" not in db
    ids = [p.id for p in db]
    assert len(ids) == len(db) == len(set(ids))
    assert ids == sorted(ids, key=lambda i: i + ".toml")  # file name order
    assert all(isinstance(p, Provider) for p in db)


def test_providers_are_value_objects(db):
    gmail = db.by_id("gmail")
    assert gmail == ProviderDatabase.load().by_id("gmail")
    assert {gmail: 1}[gmail] == 1
    with pytest.raises(AttributeError):
        gmail.name = "x"  # type: ignore[misc]
    assert isinstance(gmail.incoming[0], ServerTemplate)


# --------------------------------------------------------------------------
# config_for

def test_config_for_fills_in_the_address(db):
    address = EmailAddress.parse("Max.Mustermann@GMX.de")
    config = db.by_domain(address.ascii_domain).config_for(address)
    assert isinstance(config, AccountConfig)
    assert config.provider == ProviderRef("gmx", "GMX")
    assert config.source == "providers" and config.trusted
    assert config.origin == "providers/gmx.toml"
    assert [(s.protocol, s.host, s.port, s.security) for s in config.incoming][:2] == [
        ("imap", "imap.gmx.net", 993, "tls"), ("imap", "imap.gmx.net", 143, "starttls")]
    assert config.outgoing[0].url == "smtp://mail.gmx.net:465"
    for server in config.incoming + config.outgoing:
        assert server.username == "Max.Mustermann@gmx.de"
        assert server.source == "providers" and server.trusted
        assert server.auth == ("password-cleartext",)
    assert config.notes == ()
    hint = config.hints[0]
    assert isinstance(hint, Hint) and hint.kind == "action"
    assert set(hint.text) == {"en", "de"}
    assert "POP3" in hint.in_lang("de") and hint.url.startswith("https://")


def test_config_for_passes_source_and_trust_through(db):
    address = EmailAddress.parse("someone@gmail.com")
    config = db.by_id("gmail").config_for(address, source="test", trusted=False)
    assert config.source == "test" and not config.trusted
    assert all(s.source == "test" and not s.trusted for s in config.incoming + config.outgoing)
    assert config.incoming[0].auth == ("OAuth2", "password-cleartext")


def test_config_for_uses_each_servers_own_user_name(db):
    address = EmailAddress.parse("johnny@icloud.com")
    config = db.by_id("icloud").config_for(address)
    assert config.incoming[0].username == "johnny"
    assert config.outgoing[0].username == "johnny@icloud.com"


def test_config_for_an_unusable_provider_explains_instead(db):
    config = db.by_id("proton").config_for(EmailAddress.parse("x@proton.me"))
    assert config.empty
    assert {h.kind for h in config.hints} >= {"warning"}
    assert "Bridge" in " ".join(h.in_lang("en") for h in config.hints)


def test_config_for_fills_in_host_name_templates(db):
    config = db.by_domain("inbox.eu").config_for(EmailAddress.parse("ilze@inbox.eu"))
    assert {s.host for s in config.incoming + config.outgoing} == {"mail.inbox.eu"}
    pop3 = config.incoming[1]
    assert pop3.protocol == "pop3" and dict(pop3.extra) == {"leave_messages_on_server": True}
    assert pop3.to_json()["leave_messages_on_server"] is True


def test_config_for_expands_host_names_to_idna(example_dir):
    db = ProviderDatabase.load(example_dir)
    address = EmailAddress.parse("anna@bücher.example")
    config = db.by_domain(address.ascii_domain).config_for(address)
    imap, pop3 = config.incoming
    assert imap.host == "imap.xn--bcher-kva.example"
    assert imap.username == "anna@bücher.example"
    assert pop3.username == "anna"
    assert dict(pop3.extra) == {"leave_messages_on_server": True}
    assert config.outgoing[0].auth == ("OAuth2", "password-cleartext")


def test_config_for_repairs_malformed_placeholders_and_says_so(tmp_path):
    write(tmp_path, "example.toml", EXAMPLE.replace(
        "username = '%EMAILLOCALPART%'", "username = '%EMAILADDRESS'"))
    problems = validate(tmp_path)
    assert any("placeholder '%EMAILADDRESS'" in p for p in problems), problems
    db = ProviderDatabase.load(tmp_path)  # a quality problem, not a broken file
    config = db.by_id("example").config_for(EmailAddress.parse("anna@example.com"))
    assert config.incoming[1].username == "anna@example.com"
    assert len(config.notes) == 1
    assert "malformed placeholder" in str(config.notes[0])


# --------------------------------------------------------------------------
# Where the data lives

def test_the_default_location_is_the_checkout_folder(db):
    assert Path(db.location) == PROVIDERS
    assert Path(default_location()) == PROVIDERS


def test_an_installed_wheel_reads_the_data_package(tmp_path, monkeypatch):
    """Outside a source checkout the files come from setupwizard.provider_data."""
    import importlib.util
    import sys

    from setupwizard.providers import bundle as module
    package = tmp_path / "site-packages" / "setupwizard" / "provider_data"
    package.mkdir(parents=True)
    write(package, "__init__.py", "")
    write(package, "example.toml", EXAMPLE)
    spec = importlib.util.spec_from_file_location(
        "setupwizard.provider_data", package / "__init__.py",
        submodule_search_locations=[str(package)])
    data_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(data_module)
    monkeypatch.setitem(sys.modules, "setupwizard.provider_data", data_module)
    monkeypatch.setattr(module, "__file__", str(package.parent / "providers.py"))
    db = ProviderDatabase.load()
    assert [p.id for p in db] == ["example"]
    assert validate() == []


def test_no_data_anywhere_is_a_provider_data_error(tmp_path, monkeypatch):
    import sys

    from setupwizard.providers import bundle as module
    monkeypatch.setattr(module, "__file__", str(tmp_path / "setupwizard" / "providers.py"))
    monkeypatch.setitem(sys.modules, "setupwizard.provider_data", None)  # import fails
    with pytest.raises(ProviderDataError, match="provider database is missing"):
        ProviderDatabase.load()
    assert validate() != []


# --------------------------------------------------------------------------
# Broken files

@pytest.mark.parametrize("change, message", [
    (("port = 993", "port = '993'"), "incoming[0].port must be a whole number"),
    (("port = 993", "port = 70000"), "not between 1 and 65535"),
    (("port = 993", "port = 0"), "not between 1 and 65535"),
    (("port = 993", "port = true"), "whole number"),
    (("security = 'tls'", "security = 'ssl'"), "security 'ssl' is not one of"),
    (("protocol = 'imap'", "protocol = 'smtp'"), "incoming[0].protocol 'smtp'"),
    (("host = 'pop.example.com'", "host = 'pop example.com'"), "is not a host name"),
    (("host = 'pop.example.com'", "host = 'pop.%EMAILDOMAIN'"), "malformed placeholder"),
    (("host = 'pop.example.com'", "host = 'pop.%SERVER%'"), "unknown placeholder"),
    (("host = 'pop.example.com'", "host = 12"), "host must be a string"),
    (("name = 'Example Mail'", "name = ['Example']"), "name must be a string"),
    (("name = 'Example Mail'\n", ""), "name is missing"),
    (("status = 'ready'", "status = 'fine'"), "status 'fine' is not one of"),
    (("auth = ['password']", "auth = 'password'"), "auth must be a list of strings"),
    (("auth = ['password']", "auth = ['token']"), "auth 'token' is not one of"),
    (("domains = ['example.com', 'bücher.example']", "domains = ['not a domain']"),
     "not a valid domain name"),
    (("subdomains = true", "subdomains = 'yes'"), "subdomains must be true or false"),
    (("'*.mx.example.net'", "'mx.*.example.net'"), "only use * as the whole leftmost label"),
    (("'*.mx.example.net'", "'*.net'"), "at least two labels"),
    (("leave_on_server = true", "leave_on_server = 'yes'"), "must be true or false"),
    (("kind = 'action'", "kind = 'urgent'"), "kind 'urgent' is not one of"),
    (("status = 'ready'", "status = 'ready'\nweb = 5"), "web must be a string"),
    (("status = 'ready'", "status = 'ready'\ndomains = 'example.com'"), "not valid TOML"),
])
def test_load_refuses_unusable_values(tmp_path, change, message):
    old, new = change
    assert old in EXAMPLE
    path = write(tmp_path, "example.toml", EXAMPLE.replace(old, new, 1))
    with pytest.raises(ProviderDataError) as caught:
        ProviderDatabase.load(tmp_path)
    assert caught.value.path == str(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    # validate() reports the same problem instead of raising
    assert any(message in problem for problem in validate(tmp_path))


def test_servers_must_be_tables(tmp_path):
    top = EXAMPLE[:EXAMPLE.index("[[incoming]]")]
    rest = EXAMPLE[EXAMPLE.index("[[outgoing]]"):]
    path = write(tmp_path, "example.toml",
                 top.replace("status = 'ready'", "status = 'ready'\nincoming = ['imap.example.com']")
                 + rest)
    with pytest.raises(ProviderDataError, match="incoming must be an array of tables") as caught:
        ProviderDatabase.load(tmp_path)
    assert caught.value.path == str(path)


def test_broken_toml_gives_provider_data_error(tmp_path):
    path = write(tmp_path, "example.toml", EXAMPLE + "\nthis is = = not toml\n")
    with pytest.raises(ProviderDataError) as caught:
        ProviderDatabase.load(tmp_path)
    assert isinstance(caught.value, SetupWizardError)
    assert caught.value.path == str(path)
    assert "not valid TOML" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    problems = validate(tmp_path)
    assert len(problems) == 1 and problems[0].startswith("example.toml: not valid TOML")


def test_a_file_that_is_not_utf8_gives_provider_data_error(tmp_path):
    (tmp_path / "example.toml").write_bytes(EXAMPLE.encode("latin-1"))
    with pytest.raises(ProviderDataError, match="not UTF-8"):
        ProviderDatabase.load(tmp_path)


def test_a_missing_folder_gives_provider_data_error(tmp_path):
    with pytest.raises(ProviderDataError) as caught:
        ProviderDatabase.load(tmp_path / "nowhere")
    assert caught.value.path == str(tmp_path / "nowhere")
    assert validate(tmp_path / "nowhere") != []


def test_an_empty_folder_is_an_empty_database(tmp_path):
    db = ProviderDatabase.load(tmp_path)
    assert len(db) == 0 and db.by_domain("gmail.com") is None and db.by_mx("x.y.z") is None


def test_other_files_in_the_folder_are_ignored(example_dir):
    write(example_dir, "README.md", "# notes")
    write(example_dir, ".hidden.toml", "broken = = =")
    assert len(ProviderDatabase.load(example_dir)) == 1


# --------------------------------------------------------------------------
# What only validate() complains about

def _problems_with(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in EXAMPLE
    write(tmp_path, "example.toml", EXAMPLE.replace(old, new, 1))
    ProviderDatabase.load(tmp_path)  # loads fine
    return validate(tmp_path)


def test_the_example_itself_is_clean(example_dir):
    assert validate(example_dir) == []


@pytest.mark.parametrize("old, new, message", [
    ("status = 'ready'", "status = 'ready'\nnickname = 'x'", "unknown key 'nickname'"),
    ("security = 'tls'", "security = 'tls'\nsocket = 'x'", "incoming[0]: unknown key 'socket'"),
    ("de = 'Schalten Sie zuerst IMAP ein.'\n", "", "has no German text"),
    ("en = 'Switch on IMAP first.'", "en = ''", "has no English text"),
    ("[[sources]]\nurl = 'https://help.example.com/servers'\nwhat = 'servers and ports'\n"
     "checked = '2026-11-27'\n", "", "no [[sources]]"),
    ("checked = '2026-11-27'", "checked = 'last week'", "checked must be the date"),
    ("checked = '2026-11-27'", "checked = '2026-02-30'", "is not a real date"),
    ("url = 'https://help.example.com/servers'", "url = 'http://help.example.com/servers'",
     "sources[0].url must be an https://"),
    ("protocol = 'imap'\nhost = 'imap.%EMAILDOMAIN%'\nport = 993\nsecurity = 'tls'",
     "protocol = 'imap'\nhost = 'imap.%EMAILDOMAIN%'\nport = 143\nsecurity = 'starttls'\n\n"
     "[[incoming]]\nprotocol = 'imap'\nhost = 'imap.%EMAILDOMAIN%'\nport = 993\n"
     "security = 'tls'", "incoming[1] should come before incoming[0]"),
    ("domains = ['example.com', 'bücher.example']",
     "domains = ['example.com', 'EXAMPLE.com']", "listed twice"),
    ("id = 'example'", "id = 'other'", "should be called other.toml"),
])
def test_validate_reports_quality_problems(tmp_path, old, new, message):
    problems = _problems_with(tmp_path, old, new)
    assert any(message in p for p in problems), problems
    assert all(p.startswith("example.toml: ") for p in problems)


def test_validate_reports_oauth2_without_an_oauth2_server(tmp_path):
    write(tmp_path, "example.toml", EXAMPLE
          .replace("auth = ['password']", "auth = ['oauth2']")
          .replace("auth = ['OAuth2', 'password-cleartext']", "auth = ['password-cleartext']"))
    assert validate(tmp_path) == ["example.toml: auth says oauth2, but no server lists OAuth2"]


def test_validate_reports_domains_and_patterns_claimed_twice(example_dir):
    write(example_dir, "copy.toml", EXAMPLE.replace("id = 'example'", "id = 'copy'"))
    problems = validate(example_dir)
    # copy.toml sorts first, so example.toml is the one that repeats
    assert "example.toml: domain 'example.com' is also listed in copy.toml" in problems
    assert "example.toml: domain 'xn--bcher-kva.example' is also listed in copy.toml" in problems
    assert "example.toml: MX pattern '*.mx.example.net' is also listed in copy.toml" in problems
    db = ProviderDatabase.load(example_dir)  # still loads; the first file wins
    assert db.by_domain("example.com").id == "copy"
    assert len(db) == 2


def test_validate_reports_a_ready_provider_without_servers(tmp_path):
    text = EXAMPLE[:EXAMPLE.index("[[outgoing]]")] + EXAMPLE[EXAMPLE.index("[[hints]]"):]
    write(tmp_path, "example.toml", text)
    assert "example.toml: no outgoing server, but status is 'ready'" in validate(tmp_path)


def test_the_readme_example_is_valid(tmp_path):
    readme = (PROVIDERS / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    write(tmp_path, "example.toml", example)
    assert validate(tmp_path) == []
    db = ProviderDatabase.load(tmp_path)
    assert db.by_domain("xn--bcher-kva.example").id == "example"


def test_the_readme_documents_every_key():
    from setupwizard.providers import validation as module
    readme = (PROVIDERS / "README.md").read_text(encoding="utf-8")
    keys = (module._TOP_KEYS | module._SERVER_KEYS | set(module._POP3_KEYS)
            | module._HINT_KEYS | module._SOURCE_KEYS)
    for key in keys:
        assert f"`{key}`" in readme or f"`[[{key}]]`" in readme, key
    for value in STATUSES + module.USER_AUTH + module.SERVER_AUTH + module.HINT_KINDS:
        assert f'"{value}"' in readme, value


# --------------------------------------------------------------------------
# Lookups (the 50 ms load target is measured by bench/providers_load.py)

class _NoScan(list):
    def __iter__(self):
        raise AssertionError("a lookup walked the whole provider list")


def test_lookups_do_not_scan(db):
    """Lookups by domain and MX use the indexes built once, never a walk
    over every provider."""
    expected = (db.by_domain("mail.contoso.onmicrosoft.com"), db.by_mx("alt1.aspmx.l.google.com"))
    db._providers = _NoScan(db._providers)
    assert (db.by_domain("mail.contoso.onmicrosoft.com"),
            db.by_mx("alt1.aspmx.l.google.com")) == expected
    assert db.by_domain("unknown.example") is None
    assert db.by_mx("mx.unknown.example") is None


# --------------------------------------------------------------------------
# compare with the lab ISPDB, in-process (tests/lab/scenarios/providers_compare.py)

def test_compare_with_ispdb_in_process(lab):
    from setupwizard.providers import compare_with_ispdb
    from tests.lab.scenarios.providers_compare import MAILBOX_ORG_ISPDB_IMAP
    db = ProviderDatabase.load()
    with lab.network(timeout=2) as network:
        results = compare_with_ispdb(db, lab.ispdb_url, network=network, workers=4)
    by_domain = {r.domain: r for r in results}
    assert [r.domain for r in results] == [d for p in db for d in p.domains]
    assert by_domain["posteo.de"].status == "same"
    assert by_domain["disroot.org"].status == "same"
    mailbox = by_domain["mailbox.org"]
    assert mailbox.status == "differs"
    assert [(d.protocol, d.field, d.ours, d.ispdb) for d in mailbox.differences] == [
        ("imap", "host", "imap.mailbox.org", MAILBOX_ORG_ISPDB_IMAP)]
    others = {r.status for r in results
              if r.domain not in ("posteo.de", "disroot.org", "mailbox.org")}
    assert others == {"only-ours"}


def test_compare_gives_up_at_once_without_an_ispdb(lab):
    from setupwizard.errors import NetworkError
    from setupwizard.providers import compare_with_ispdb
    with lab.network(timeout=2) as network:
        with pytest.raises(NetworkError, match="cannot ask the ISPDB at"):
            compare_with_ispdb(ProviderDatabase.load(), "https://no-ispdb-here.test/v1.1/",
                               network=network)
        # one question, not one per domain
        assert not lab.requests_seen(host="no-ispdb-here.test")
