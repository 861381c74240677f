"""One term per idea: no catalogue text and no provider hint uses a variant
the glossary forbids (setupwizard/explain/glossary.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import polib
import pytest

from setupwizard.explain.glossary import TERMS
from setupwizard.providers import ProviderDatabase

ROOT = Path(__file__).resolve().parents[2]
FIELD = re.compile(r"\{[^{}]*\}|--[\w-]+|%\w+%|\b[a-z]+\.[a-z][\w-]+")


def _extract() -> dict[str, list[str]]:
    spec = importlib.util.spec_from_file_location("catalogue", ROOT / "scripts" /
                                                  "catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.extract()


def _patterns(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for term in TERMS:
        for variant in (term.not_en if lang == "en" else term.not_de):
            preferred = term.en if lang == "en" else term.de
            out.append((preferred, re.compile(r"(?<![\w-])" + variant, re.IGNORECASE)))
    return out


def forbidden_variants(text: str, lang: str) -> list[str]:
    """Each forbidden variant found in ``text`` as 'found -> preferred'."""
    plain = FIELD.sub(" ", text)
    return [f"{m.group(0)!r} -> {preferred!r}"
            for preferred, pattern in _patterns(lang)
            for m in pattern.finditer(plain)]


def _catalogue_texts() -> list[tuple[str, str, str]]:
    po = {e.msgid: e for e in polib.pofile(str(ROOT / "setupwizard" / "locale" /
                                                "de.po")) if not e.obsolete}
    out = []
    for text, places in _extract().items():
        out.append(("en", places[0], text))
        entry = po.get(text)
        if entry is not None:
            for german in [entry.msgstr, *entry.msgstr_plural.values()]:
                out.append(("de", places[0], german))
    return out


def _provider_texts() -> list[tuple[str, str, str]]:
    out = []
    for provider in ProviderDatabase.load(ROOT / "providers"):
        for hint in provider.hints:
            for lang in ("en", "de"):
                out.append((lang, f"{provider.id} hint {hint.id}", hint.text.get(lang, "")))
        for source in provider.sources:
            out.append(("en", f"{provider.id} source", source.what))
            out.append(("de", f"{provider.id} source", source.what_de))
    return out


def test_the_check_finds_variants():
    assert forbidden_variants("Sign in to the GMX web mail", "en")
    assert forbidden_variants("im Webmailer von GMX", "de")
    assert forbidden_variants("Zwei-Faktor-Authentifizierung", "de")
    assert not forbidden_variants("the {web_mail} field, --user-name", "en")
    assert not forbidden_variants("Bestätigung in zwei Schritten", "de")


@pytest.mark.parametrize("where", ["catalogue", "providers"])
def test_no_text_uses_a_forbidden_variant(where):
    texts = _catalogue_texts() if where == "catalogue" else _provider_texts()
    problems = [f"{lang} {place}: {found}"
                for lang, place, text in texts
                for found in forbidden_variants(text, lang)]
    assert problems == [], "\n".join(problems)
