"""The bundled provider database: one TOML file per mail provider.

The files live in the top-level ``providers/`` folder of the source checkout
and are shipped in the wheel as the package ``setupwizard.provider_data``.
``providers/README.md`` describes the format for the people who maintain the
data. :class:`ProviderDatabase` reads the files (through the verified parse
bundle, ``bundle.py``), builds each one with the rules of ``validation.py``,
and indexes the providers by domain and MX host name; a
:class:`~setupwizard.providers.model.Provider` turns into an
:class:`~setupwizard.models.AccountConfig` for one address.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from ..errors import ProviderDataError
from .bundle import Unreadable, folder_of, read_bundle, read_data, toml_files
from .model import Provider, normal_domain
from .validation import build

__all__ = ["ProviderDatabase"]


class ProviderDatabase:
    """All providers, indexed by id, domain and MX pattern.

    Build it with :meth:`load`; the constructor takes ready Provider objects
    (tests use that to make small databases).
    """

    def __init__(self, providers: Iterable[Provider] = (), *, location: str | None = None) -> None:
        self.location = location
        self._providers: list[Provider] = []
        self._by_id: dict[str, Provider] = {}
        self._by_domain: dict[str, Provider] = {}
        self._mx_exact: dict[str, Provider] = {}
        self._mx_suffix: dict[str, Provider] = {}  # "*.google.com" -> "google.com"
        for provider in providers:
            if provider.id in self._by_id:
                continue  # validate() reports it; first one wins
            self._providers.append(provider)
            self._by_id[provider.id] = provider
            for domain in provider.domains:
                self._by_domain.setdefault(domain, provider)
            for pattern in provider.mx_patterns:
                if pattern.startswith("*."):
                    self._mx_suffix.setdefault(pattern[2:], provider)
                else:
                    self._mx_exact.setdefault(pattern, provider)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ProviderDatabase":
        """Read every ``*.toml`` file in ``path`` (default: the bundled
        database, see :func:`~.bundle.default_location`) and return the database.

        Raises ProviderDataError (``.path`` names the file) when a file cannot
        be read or parsed, or holds values of the wrong type or out of range.
        """
        folder = folder_of(path)
        files = toml_files(folder)
        bundle = read_bundle(folder)
        providers = []
        for file in files:
            try:
                data = read_data(file, bundle)
            except Unreadable as exc:
                raise ProviderDataError(str(exc), path=str(file)) from None
            provider, problems = build(data, file.name, path=str(file))
            fatal = [p.text for p in problems if p.fatal]
            if provider is None or fatal:
                raise ProviderDataError("; ".join(fatal) or "unusable provider file",
                                        path=str(file))
            providers.append(provider)
        return cls(providers, location=str(folder))

    def by_id(self, provider_id: str) -> Provider | None:
        """The provider with this id, or None."""
        return self._by_id.get(provider_id)

    def by_domain(self, ascii_domain: str) -> Provider | None:
        """The provider for the mail domain ``ascii_domain`` (IDNA form;
        Unicode is converted), or None.

        An exact entry wins. Otherwise the nearest parent domain that some
        provider lists decides: it matches only if that provider declares
        ``subdomains = true``.
        """
        domain = normal_domain(ascii_domain)
        if not domain:
            return None
        found = self._by_domain.get(domain)
        if found is not None:
            return found
        labels = domain.split(".")
        for start in range(1, len(labels) - 1):
            parent = ".".join(labels[start:])
            found = self._by_domain.get(parent)
            if found is not None:
                return found if found.subdomains else None
        return None

    def by_mx(self, mx_host: str) -> Provider | None:
        """The provider whose ``mx_patterns`` match the MX host name
        ``mx_host``, or None. An exact pattern wins over wildcards; among
        wildcards the longest (most specific) one wins."""
        host = normal_domain(mx_host)
        if not host:
            return None
        found = self._mx_exact.get(host)
        if found is not None:
            return found
        labels = host.split(".")
        for start in range(1, len(labels)):
            found = self._mx_suffix.get(".".join(labels[start:]))
            if found is not None:
                return found
        return None

    def __iter__(self) -> Iterator[Provider]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._by_id

    def __repr__(self) -> str:
        return f"<ProviderDatabase {len(self)} providers from {self.location}>"
