"""Scenario files: each module here declares module-level lists ``DNS``
(records from ``tests.lab.spec``) and ``HTTP`` (``Route`` values) for one
area of tests. :func:`collect` imports every module in this folder (names
starting with ``_`` are skipped) and gathers the lists; ``DNS`` and
``HTTP`` on this package are the same, computed on first use.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from ..spec import AAAA, CNAME, MX, SRV, TXT, A, Route

_RECORD_TYPES = (A, AAAA, CNAME, MX, SRV, TXT)


@dataclass(frozen=True)
class Scenarios:
    dns: tuple
    http: tuple
    #: the modules they came from, in import order
    modules: tuple[str, ...]


def module_names() -> list[str]:
    """The scenario modules in this folder, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.name.startswith("_"))


def collect(names: list[str] | None = None) -> Scenarios:
    """Import the scenario modules (all by default) and gather their lists.

    Raises TypeError naming the module when a list holds something that is
    not a record or a Route."""
    dns: list = []
    http: list = []
    names = module_names() if names is None else list(names)
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        for item in getattr(module, "DNS", ()):
            if not isinstance(item, _RECORD_TYPES):
                raise TypeError(f"{module.__name__}.DNS holds {item!r}, not a DNS record")
            dns.append(item)
        for item in getattr(module, "HTTP", ()):
            if not isinstance(item, Route):
                raise TypeError(f"{module.__name__}.HTTP holds {item!r}, not a Route")
            http.append(item)
    return Scenarios(dns=tuple(dns), http=tuple(http), modules=tuple(names))


def __getattr__(name: str):
    if name in ("DNS", "HTTP"):
        found = collect()
        globals().update(DNS=list(found.dns), HTTP=list(found.http))
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
