"""The bundled provider database (the data itself is the package
``setupwizard.provider_data``, the top-level ``providers/`` folder).

One module per job, arrows pointing down::

    compare.py    compare_with_ispdb(): our data against an ISPDB, asked
                  through discovery's ISPDB fetch (no network code here)
    database.py   ProviderDatabase: load(), lookups by id, domain and MX
    validate.py   the rules of a provider file: build() one, validate() all
    model.py      Provider, ServerTemplate, Citation (frozen values)
    bundle.py     the folder, its files, and the verified parse bundle

The public names are re-exported here, so
``from setupwizard.providers import ProviderDatabase`` is all a caller needs.
"""

from __future__ import annotations

from .bundle import BUNDLE_NAME, bundle_text, default_location
from .database import ProviderDatabase
from .model import Citation, Provider, ServerTemplate
from .validation import HINT_KINDS, SERVER_AUTH, STATUSES, USER_AUTH, validate

__all__ = ["Provider", "ServerTemplate", "Citation", "ProviderDatabase", "validate",
           "default_location", "bundle_text", "compare_with_ispdb", "compare_with_ispdb_async",
           "DomainComparison", "Difference", "BUNDLE_NAME", "STATUSES", "USER_AUTH",
           "SERVER_AUTH", "HINT_KINDS", "COMPARE_STATUSES", "COMPARED_FIELDS"]

#: compare.py asks the network through discovery: imported when first asked
#: for, so that loading the database (every command) stays light
_LAZY = {"COMPARE_STATUSES", "COMPARED_FIELDS", "Difference", "DomainComparison",
         "compare_with_ispdb", "compare_with_ispdb_async"}


def __getattr__(name: str):
    if name in _LAZY:
        from . import compare
        return getattr(compare, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
