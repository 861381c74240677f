#!/usr/bin/env python3
"""Keep the message catalogues in step with the code.

    python scripts/catalogue.py check     list texts missing from a catalogue
    python scripts/catalogue.py compile   .po -> .mo (run after editing a .po)
    python scripts/catalogue.py stub      append empty entries for missing texts

Texts are found by reading the source: the first argument of _(), N_(),
msg() and ngettext() when it is a string literal. Needs polib (test extras).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "setupwizard"
LOCALE = PACKAGE / "locale"
LANGS = ("de",)
MARKERS = {"_", "N_", "msg", "tr", "ngettext", "gettext"}
FIELD = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)[^{}]*\}")


def extract() -> dict[str, list[str]]:
    """Return {text: [file:line, ...]} for every marked text in the package."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            if name not in MARKERS:
                continue
            texts = [a for a in node.args[:2 if name == "ngettext" else 1]
                     if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            for arg in texts:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(arg.value, []).append(where)
    return found


def fields(text: str) -> set[str]:
    return set(FIELD.findall(text))


def problems(lang: str) -> list[str]:
    """Every way the catalogue for ``lang`` falls short of the code."""
    import polib
    po = polib.pofile(str(LOCALE / f"{lang}.po"))
    entries = {e.msgid: e for e in po if not e.obsolete}
    out = []
    for text, places in extract().items():
        entry = entries.get(text)
        if entry is None:
            out.append(f"missing: {text!r} ({places[0]})")
        elif not entry.msgstr.strip() and not entry.msgstr_plural:
            out.append(f"untranslated: {text!r} ({places[0]})")
        elif "fuzzy" in entry.flags:
            out.append(f"fuzzy: {text!r}")
        elif entry.msgstr and fields(entry.msgstr) != fields(text):
            out.append(f"fields differ: {text!r} -> {entry.msgstr!r}")
    return out


def compile_all() -> None:
    import polib
    for lang in LANGS:
        po = polib.pofile(str(LOCALE / f"{lang}.po"))
        target = LOCALE / lang / "LC_MESSAGES" / "setupwizard.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        po.save_as_mofile(str(target))


def stub() -> None:
    import polib
    for lang in LANGS:
        path = LOCALE / f"{lang}.po"
        po = polib.pofile(str(path))
        known = {e.msgid for e in po}
        for text, places in extract().items():
            if text not in known:
                po.append(polib.POEntry(msgid=text, msgstr="", occurrences=[
                    tuple(p.rsplit(":", 1)) for p in places[:1]]))
        po.save(str(path))


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "compile":
        compile_all()
        return 0
    if command == "stub":
        stub()
        return 0
    failed = False
    for lang in LANGS:
        for line in problems(lang):
            print(f"{lang}: {line}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
