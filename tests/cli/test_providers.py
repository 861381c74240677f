"""`setupwizard providers` end to end (the real command in a subprocess, the
lab ISPDB and DNS for compare and MX lookups), and the pre-parsed bundle
that keeps loading the database fast."""

from __future__ import annotations

import functools

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from setupwizard.providers import bundle as providers_module
from setupwizard.providers import BUNDLE_NAME, ProviderDatabase, bundle_text
from tests.lab.scenarios.providers_compare import GOOGLE_HOSTED, MAILBOX_ORG_ISPDB_IMAP
from tests.support import assert_clean, run_cli, run_main

from tests.paths import REPO as ROOT  # noqa: E402
PROVIDERS = ROOT / "providers"
TOML_FILES = sorted(PROVIDERS.glob("*.toml"))


sw = functools.partial(run_main, timeout=120, cwd=ROOT)


@pytest.fixture
def lab_args(lab):
    return [*lab.cli_args, "--timeout", "3"]


#: a small provider with an international domain, for --folder
IDN_PROVIDER = """\
id = 'buecher'
name = 'Bücher Mail'
status = 'ready'
auth = ['password']
domains = ['bücher.example', 'books.example']

[[incoming]]
protocol = 'imap'
host = 'imap.books.example'
port = 993
security = 'tls'

[[outgoing]]
protocol = 'smtp'
host = 'smtp.books.example'
port = 465
security = 'tls'

[[hints]]
id = 'enable-access'
kind = 'action'
en = 'Switch on IMAP first.'
de = 'Schalten Sie zuerst IMAP ein.'

[[sources]]
url = 'https://help.books.example/servers'
what = 'servers and ports'
checked = '2026-11-27'
"""


# --------------------------------------------------------------------------
# list

def test_list_json_has_one_entry_per_file():
    proc = sw("providers", "list", "--json")
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data) == len(TOML_FILES)
    assert sorted(p["id"] + ".toml" for p in data) == [f.name for f in TOML_FILES]
    gmx = next(p for p in data if p["id"] == "gmx")
    assert {"id", "name", "short_name", "status", "auth", "domains", "mx_patterns"} <= set(gmx)
    assert "gmx.de" in gmx["domains"]


def test_list_text_shows_every_provider_and_the_totals():
    proc = sw("providers", "list")
    assert_clean(proc)
    assert proc.returncode == 0
    lines = proc.stdout.strip().splitlines()
    db = ProviderDatabase.load()
    assert lines[-1] == (f"Providers: {len(TOML_FILES)}, "
                         f"domains: {sum(len(p.domains) for p in db)}")
    ids = {line.split()[0] for line in lines[1:-2]}
    assert ids == {f.stem for f in TOML_FILES}
    assert "\x1b[" not in proc.stdout


# --------------------------------------------------------------------------
# show

def test_show_by_id():
    proc = sw("providers", "show", "gmx")
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("GMX (gmx)")
    for words in ("needs preparation", "gmx.de", "imap.gmx.net", "993", "mail.gmx.net",
                  "Before you start", "Sources", "checked November 27, 2026"):
        assert words in out, words
    german = sw("providers", "show", "gmx", "--lang", "de").stdout
    assert "geprüft am 27. November 2026" in german and "2026-11-27" not in german


def test_show_by_domain_and_by_address_in_json():
    by_domain = json.loads(sw("providers", "show", "GoogleMail.com.", "--json").stdout)
    by_address = json.loads(sw("providers", "show", "jo@gmail.com", "--json").stdout)
    assert by_domain == by_address
    assert by_domain["id"] == "gmail"
    assert by_domain["incoming"][0]["host"] == "imap.gmail.com"
    assert by_domain["outgoing"][0]["protocol"] == "smtp"
    assert by_domain["sources"] and all(s["checked"] for s in by_domain["sources"])
    assert {h["id"] for h in by_domain["hints"]} >= {"app-password"}


def test_show_gives_hints_in_the_chosen_language():
    en = json.loads(sw("providers", "show", "gmx", "--json").stdout)
    de = json.loads(sw("providers", "show", "gmx", "--json", "--lang", "de").stdout)
    assert [h["id"] for h in en["hints"]] == [h["id"] for h in de["hints"]]
    assert en["hints"][0]["text"] != de["hints"][0]["text"]
    text = sw("providers", "show", "gmx", "--lang", "de").stdout
    assert de["hints"][0]["text"] in text


@pytest.mark.parametrize("name", ["bücher.example", "xn--bcher-kva.example",
                                  "BÜCHER.example", "anna@bücher.example", "buecher"])
def test_show_by_idn_domain(tmp_path, name):
    (tmp_path / "buecher.toml").write_text(IDN_PROVIDER, encoding="utf-8")
    proc = sw("providers", "show", name, "--folder", str(tmp_path), "--json")
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["id"] == "buecher"
    assert data["domains"] == ["bücher.example", "books.example"]
    assert data["domains_ascii"] == ["xn--bcher-kva.example", "books.example"]


@pytest.mark.parametrize("name", ["no-such-provider", "unknown.example", "x@nowhere.test",
                                  "\x1b[2Jbad"])
def test_unknown_provider_exits_1_with_a_message(name):
    proc = sw("providers", "show", name)
    assert_clean(proc)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "no provider has the id or domain" in proc.stderr
    assert "\x1b" not in proc.stderr


def test_no_action_and_a_missing_folder_are_usage_errors(tmp_path):
    proc = sw("providers")
    assert proc.returncode == 2 and "list, show, validate or compare" in proc.stderr
    proc = sw("providers", "show", "gmx", "--folder", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr


# --------------------------------------------------------------------------
# validate

def test_validate_the_bundled_data():
    proc = sw("providers", "validate")
    assert_clean(proc)
    assert proc.returncode == 0, proc.stdout
    assert "No problems found" in proc.stdout


def test_validate_a_folder_with_a_broken_file(tmp_path):
    shutil.copy(PROVIDERS / "posteo.toml", tmp_path)
    (tmp_path / "buecher.toml").write_text(IDN_PROVIDER, encoding="utf-8")
    broken = IDN_PROVIDER.replace("id = 'buecher'", "id = 'broken'") \
        .replace("'bücher.example', 'books.example'", "'posteo.de'") \
        .replace("port = 993", "port = 99999") \
        .replace("host = 'smtp.books.example'", "host = 'smtp books'") \
        .replace("de = 'Schalten Sie zuerst IMAP ein.'\n", "")
    (tmp_path / "broken.toml").write_text(broken, encoding="utf-8")
    proc = sw("providers", "validate", str(tmp_path))
    assert_clean(proc)
    assert proc.returncode == 1
    out = proc.stdout
    assert f"Problems in {tmp_path}" in out
    problems = [line for line in out.splitlines() if line.startswith("  - ")]
    assert problems and all("broken.toml" in p for p in problems)
    for words in ("99999", "'smtp books' is not a host name", "no German text",
                  "'posteo.de' is also listed"):
        assert any(words in p for p in problems), words
    data = json.loads(sw("providers", "validate", str(tmp_path), "--json").stdout)
    assert data["ok"] is False and len(data["problems"]) == len(problems)


def test_validate_a_file_that_is_not_toml(tmp_path):
    (tmp_path / "bad.toml").write_text("id = 'bad\n", encoding="utf-8")
    proc = sw("providers", "validate", str(tmp_path))
    assert proc.returncode == 1
    assert "bad.toml: not valid TOML" in proc.stdout


def test_validate_a_missing_folder_is_a_usage_error(tmp_path):
    proc = sw("providers", "validate", str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert "is not a folder" in proc.stderr


# --------------------------------------------------------------------------
# compare (lab ISPDB: tests/lab/scenarios/providers_compare.py)

def test_compare_with_the_lab_ispdb(lab_args):
    proc = sw("providers", "compare", "--json", *lab_args)
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr  # a difference was found
    data = json.loads(proc.stdout)
    by_domain = {d["domain"]: d for d in data["domains"]}
    db = ProviderDatabase.load()
    assert len(by_domain) == sum(len(p.domains) for p in db)
    assert by_domain["posteo.de"]["status"] == "same"
    assert by_domain["disroot.org"]["status"] == "same"  # SMTP order differs only
    mailbox = by_domain["mailbox.org"]
    assert mailbox["status"] == "differs"
    assert mailbox["differences"] == [{"protocol": "imap", "field": "host",
                                       "ours": "imap.mailbox.org",
                                       "ispdb": MAILBOX_ORG_ISPDB_IMAP}]
    others = [d for name, d in by_domain.items()
              if name not in ("posteo.de", "disroot.org", "mailbox.org")]
    assert {d["status"] for d in others} == {"only-ours"}
    assert data["counts"] == {"same": 2, "differs": 1, "only-ours": len(others), "error": 0}


def test_compare_text_names_the_difference(lab_args):
    proc = sw("providers", "compare", *lab_args)
    assert_clean(proc)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    first = lines[1].split()
    assert first == ["mailbox.org", "mailbox.org", "differs"]
    assert lines[2].strip() == (f"IMAP server name: ours imap.mailbox.org, "
                                f"ISPDB {MAILBOX_ORG_ISPDB_IMAP}")
    assert lines[-1].startswith("Same: 2, differs: 1, only ours: ")


def test_compare_gives_up_at_once_when_the_ispdb_cannot_be_reached(lab, lab_args):
    proc = sw("providers", "compare", *lab_args, "--ispdb-url",
              "https://no-ispdb-here.test/v1.1/")
    assert_clean(proc)
    assert proc.returncode == 1
    assert "cannot ask the ISPDB at https://no-ispdb-here.test/v1.1/" in proc.stderr
    # at once: said once, not once per domain of the database
    assert proc.stderr.count("cannot ask the ISPDB") == 1, proc.stderr


def test_compare_refuses_a_bad_ispdb_url():
    proc = sw("providers", "compare", "--ispdb-url", "ftp://x.test/")
    assert proc.returncode == 2
    assert "--ispdb-url" in proc.stderr


# --------------------------------------------------------------------------
# Lookups by MX pattern, against the lab DNS

def test_discover_recognises_google_workspace_by_its_mx(lab_args):
    proc = sw("discover", f"info@{GOOGLE_HOSTED}", "--only", "mx", "--json", *lab_args)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["provider"]["id"] == "google-workspace"
    assert data["incoming"][0]["host"] == "imap.gmail.com"
    assert data["incoming"][0]["source"] == "mx"
    assert data["incoming"][0]["username"] == f"info@{GOOGLE_HOSTED}"


# --------------------------------------------------------------------------
# The bundle and the time it takes to load

def test_the_bundle_is_up_to_date():
    committed = (PROVIDERS / BUNDLE_NAME).read_text(encoding="utf-8")
    assert committed == bundle_text(PROVIDERS), \
        "providers/_bundle.json is stale: run python scripts/providers_bundle.py"


def test_the_bundle_is_shipped_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert BUNDLE_NAME in config["tool"]["setuptools"]["package-data"][
        "setupwizard.provider_data"]


def test_loading_uses_the_bundle_for_every_file(monkeypatch):
    def no_parsing(raw: bytes) -> dict:
        raise AssertionError("a file was parsed although the bundle holds it")
    monkeypatch.setattr(providers_module, "_parse", no_parsing)
    db = ProviderDatabase.load()
    assert len(db) == len(TOML_FILES)


def test_a_changed_file_is_read_from_the_file_not_the_bundle(tmp_path):
    for file in (*TOML_FILES, PROVIDERS / BUNDLE_NAME):
        shutil.copy(file, tmp_path)
    gmx = tmp_path / "gmx.toml"
    gmx.write_text(gmx.read_text(encoding="utf-8").replace("name = 'GMX'", "name = 'GMX 2'"),
                   encoding="utf-8")
    (tmp_path / "zz-new.toml").write_text(IDN_PROVIDER.replace("'buecher'", "'zz-new'"),
                                          encoding="utf-8")
    (tmp_path / "web.de.toml").unlink()
    db = ProviderDatabase.load(tmp_path)
    assert db.by_id("gmx").name == "GMX 2"
    assert db.by_id("zz-new") is not None and db.by_id("web.de") is None
    assert db.by_id("posteo") == ProviderDatabase.load().by_id("posteo")


@pytest.mark.parametrize("content", [b"", b"not json", b'{"format": 99, "files": {}}',
                                     b'{"format": 1, "files": {"gmx.toml": ["x"]}}',
                                     b'[1, 2]'])
def test_an_unusable_bundle_only_costs_time(tmp_path, content):
    for file in TOML_FILES:
        shutil.copy(file, tmp_path)
    (tmp_path / BUNDLE_NAME).write_bytes(content)
    db = ProviderDatabase.load(tmp_path)
    assert len(db) == len(TOML_FILES)
    assert db.by_id("gmx").name == ProviderDatabase.load().by_id("gmx").name


def test_broken_files_are_refused_with_or_without_a_bundle(tmp_path):
    for file in (PROVIDERS / "gmx.toml", PROVIDERS / BUNDLE_NAME):
        shutil.copy(file, tmp_path)
    (tmp_path / "gmx.toml").write_text("id = 'gmx\n", encoding="utf-8")
    with pytest.raises(providers_module.ProviderDataError, match="not valid TOML"):
        ProviderDatabase.load(tmp_path)


# the 50 ms load in a fresh process is a speed target: bench/providers_load.py
