"""Language choice and the message catalogues.

English is the source language: texts are written in English in the code,
marked with ``_()`` (translate now) or ``msg()`` (a value the UI translates
later), and translated through one gettext catalogue per language in
``setupwizard/locale/``. ``scripts/catalogue.py`` compiles the catalogues;
a test fails when a marked text lacks its German translation.
"""

from __future__ import annotations

import gettext as _gettext
import os

# Kept free of dataclasses, typing and pathlib: this module is on the path
# of `setupwizard --help`, which must start fast (README, "Speed").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

LANGUAGES = ("en", "de")
DOMAIN = "setupwizard"
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")


def detect_language(environ: Mapping[str, str] | None = None) -> str:
    """Pick 'de' or 'en' from LANGUAGE, LC_ALL, LC_MESSAGES and LANG, in the
    order gettext uses them; English when nothing says German."""
    environ = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "")
        if not value:
            continue
        for part in value.split(":"):
            code = part.split(".")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
            if code in ("c", "posix"):
                return "en"
        return "en"
    return "en"


def normalise_language(value: str | None) -> str | None:
    """'de_DE.UTF-8' -> 'de'; None for unknown languages."""
    if not value:
        return None
    code = value.split(".")[0].split("_")[0].split("-")[0].lower()
    return code if code in LANGUAGES else None


class Translator:
    """Translates English source texts into one language."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self._catalogue: _gettext.NullTranslations
        if self.lang == "en":
            self._catalogue = _gettext.NullTranslations()
        else:
            self._catalogue = _gettext.translation(
                DOMAIN, localedir=LOCALE_DIR, languages=[self.lang], fallback=True)

    def gettext(self, text: str) -> str:
        return self._catalogue.gettext(text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue.ngettext(singular, plural, n)

    __call__ = gettext

    def render(self, message: "Message | str") -> str:
        if isinstance(message, Message):
            return message.render(self)
        return self.gettext(message)


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Message:
    """A text to show later, in whatever language the UI uses.

    ``template`` is the English source text with ``{name}`` fields;
    ``params`` fill them (values are shown as they are, untranslated).
    Immutable and hashable (a hand-written value class rather than a
    dataclass, to keep the import cheap).
    """

    __slots__ = ("template", "params")

    def __init__(self, template: str, params: tuple = ()) -> None:
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "params", tuple(params))

    def __setattr__(self, name, value):
        raise AttributeError("Message is immutable")

    def __eq__(self, other) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.template, self.params) == (other.template, other.params)

    def __hash__(self) -> int:
        return hash((self.template, self.params))

    def __repr__(self) -> str:
        return f"Message(template={self.template!r}, params={self.params!r})"

    def render(self, translator: Translator | None = None) -> str:
        template = translator.gettext(self.template) if translator else self.template
        values = _Defaulting({k: (v.render(translator) if isinstance(v, Message) else v)
                              for k, v in self.params})
        return template.format_map(values)

    def __str__(self) -> str:
        return self.render(None)


def msg(template: str, **params: object) -> Message:
    """Mark ``template`` for translation and bind its fields."""
    return Message(template, tuple(params.items()))


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue without translating it now."""
    return text
