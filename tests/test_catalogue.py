"""Every text the code marks for translation has its German form, the
fields match, and the compiled catalogue is up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def _catalogue_script():
    spec = importlib.util.spec_from_file_location("catalogue", ROOT / "scripts" /
                                                  "catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_text_has_a_german_translation():
    problems = _catalogue_script().problems("de")
    assert problems == [], "\n".join(problems[:40]) + \
        "\n(run: python scripts/catalogue.py stub, translate, then compile)"


def test_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(ROOT / "setupwizard" / "locale" / "de.po"))
    mo = polib.mofile(str(ROOT / "setupwizard" / "locale" / "de" / "LC_MESSAGES" /
                          "setupwizard.mo"))
    want = {e.msgid: e.msgstr for e in po if e.msgstr and not e.obsolete
            and "fuzzy" not in e.flags}
    have = {e.msgid: e.msgstr for e in mo if e.msgid}
    assert want == have, "run: python scripts/catalogue.py compile"


def test_german_is_used_at_runtime():
    from setupwizard.i18n import Translator, detect_language
    assert Translator("de").gettext("Password not sent: no encryption") != \
        "Password not sent: no encryption"
    assert detect_language({"LANG": "de_DE.UTF-8"}) == "de"
    assert detect_language({"LANGUAGE": "de:en", "LANG": "en_US.UTF-8"}) == "de"
    assert detect_language({"LC_ALL": "C"}) == "en"
    assert detect_language({}) == "en"
