"""Issue 11, bug 9: `providers show ... --lang de` printed the source notes
(what each cited page says) in English. They now come from the provider
files in both languages (`what` and `what_de`), as the hints do."""

from __future__ import annotations

import io
import json

import pytest

from setupwizard.cli import main
from setupwizard.providers import ProviderDatabase, validate
from setupwizard.ui.terminal import Environment
from tests.paths import REPO

PROVIDERS = REPO / "providers"


def run(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), env=Environment(stdin=io.StringIO(), stdout=out, stderr=err,
                                              environ={"NO_COLOR": "1",
                                                       "LANG": "C.UTF-8"}))
    assert status == 0, err.getvalue()
    return out.getvalue()


def sources_part(text: str, heading: str) -> str:
    return text[text.index(f"\n{heading}\n"):]


def test_posteo_sources_in_german_and_english():
    german = sources_part(run("providers", "show", "someone@posteo.de", "--lang", "de"),
                          "Quellen")
    assert "Servername posteo.de für IMAP, POP3 und SMTP" in german
    assert "server name posteo.de" not in german and "user name" not in german
    english = sources_part(run("providers", "show", "someone@posteo.de", "--lang", "en"),
                           "Sources")
    assert "server name posteo.de for IMAP, POP3 and SMTP" in english
    assert "für" not in english


@pytest.mark.parametrize("lang", ["en", "de"])
def test_json_sources_follow_the_language(lang):
    data = json.loads(run("providers", "show", "posteo", "--json", "--lang", lang))
    what = data["sources"][0]["what"]
    assert ("Servername" in what) == (lang == "de")


def test_every_bundled_source_has_german_that_the_german_output_shows():
    database = ProviderDatabase.load()
    for provider in database:
        for source in provider.sources:
            assert source.what_de, f"{provider.id}: {source.url} has no what_de"
            assert source.what_in("de") == source.what_de
            assert source.what_in("en") == source.what
    german = run("providers", "show", "gmx", "--lang", "de")
    for source in database.by_id("gmx").sources:
        assert source.what_de in german
        assert source.what not in german


def test_what_de_is_optional_and_valid(tmp_path):
    """A file without `what_de` still loads (German output then shows the
    English note); an unknown key next to it is still reported."""
    text = (PROVIDERS / "posteo.toml").read_text(encoding="utf-8")
    plain = "\n".join(line for line in text.splitlines() if not line.startswith("what_de"))
    (tmp_path / "posteo.toml").write_text(plain, encoding="utf-8")
    assert validate(tmp_path) == []
    source = ProviderDatabase.load(tmp_path).by_id("posteo").sources[0]
    assert source.what_in("de") == source.what
    (tmp_path / "posteo.toml").write_text(text.replace("what_de", "what_fr"),
                                          encoding="utf-8")
    assert any("what_fr" in problem for problem in validate(tmp_path))
