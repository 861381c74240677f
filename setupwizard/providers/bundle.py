"""Where the provider files are and how they are read: the folder, its TOML
files, and ``_bundle.json``, the verified parse bundle.

Loading runs on every start, and parsing TOML is most of its cost. So the
folder also holds ``_bundle.json`` (written by ``scripts/providers_bundle.py``,
see :func:`bundle_text`): each file's parsed data together with the SHA-256
of the file's bytes. :func:`read_data` takes a file's data from the bundle
only when that hash matches the file as it is now, and parses the TOML
otherwise, so an out-of-date or missing bundle costs time, never
correctness. Hashing bytes is cheap; the checks of
:func:`~setupwizard.providers.validation.build` run either way. Nothing is
ever written at run time.

The lowest layer of the package: it knows files and bytes, not providers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol as TypingProtocol

from ..errors import ProviderDataError

__all__ = ["BUNDLE_NAME", "default_location", "bundle_text", "read_bundle", "read_data",
           "folder_of", "toml_files", "Readable", "Unreadable", "Bundle"]

#: The pre-parsed copy of the TOML files, in the same folder.
BUNDLE_NAME = "_bundle.json"
_BUNDLE_FORMAT = 1


class Readable(TypingProtocol):
    """What we need of a file: pathlib.Path and importlib Traversable both fit."""

    name: str

    def read_bytes(self) -> bytes: ...


def default_location() -> Any:
    """The bundled provider folder: ``providers/`` next to the package in a
    source checkout, else the ``setupwizard.provider_data`` package of an
    installed wheel. Returns a Path or an importlib Traversable.
    Raises ProviderDataError when neither exists."""
    checkout = Path(__file__).resolve().parents[2] / "providers"
    if checkout.is_dir() and (checkout.parent / "pyproject.toml").is_file():
        return checkout
    try:
        from importlib.resources import files
        bundled = files("setupwizard.provider_data")
    except (ImportError, TypeError, ValueError) as exc:  # not installed with the data
        raise ProviderDataError(f"the provider database is missing ({exc})",
                                path=str(checkout)) from None
    if not bundled.is_dir():
        raise ProviderDataError("the provider database is missing", path=str(checkout))
    return bundled


def folder_of(path: str | Path | None) -> Any:
    """The folder ``path`` names, or :func:`default_location` for None.
    Raises ProviderDataError when it is not a folder."""
    if path is None:
        return default_location()
    folder = Path(path)
    if not folder.is_dir():
        raise ProviderDataError("not a folder of provider files", path=str(folder))
    return folder


def toml_files(folder: Any) -> list[Readable]:
    """The provider files in ``folder`` (``*.toml``, no hidden ones), in name
    order: the order that decides which file wins a domain two files claim.
    Raises ProviderDataError when the folder cannot be listed."""
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise ProviderDataError(f"cannot list the folder ({exc.strerror or exc})",
                                path=str(folder)) from None
    return sorted((e for e in entries if e.name.endswith(".toml") and not e.name.startswith(".")),
                  key=lambda e: e.name)


class Unreadable(Exception):
    """A file could not be read as TOML; the message says why."""


#: file name -> (SHA-256 of its bytes, its parsed data)
Bundle = dict[str, tuple[str, dict]]


def read_data(file: Readable, bundle: Bundle | None = None) -> dict:
    """The TOML data of ``file``: from ``bundle`` when it holds this file
    with the hash of its current bytes, else parsed. Raises Unreadable."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot read the file ({exc.strerror or exc})") from None
    if bundle:
        entry = bundle.get(file.name)
        if entry is not None:
            import hashlib
            if hashlib.sha256(raw).hexdigest() == entry[0]:
                return entry[1]
    return _parse(raw)


def _parse(raw: bytes) -> dict:
    import tomllib  # only for a file newer than the bundle, or no bundle at all
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unreadable(f"not valid TOML: {exc}") from None


def read_bundle(folder: Any) -> Bundle:
    """The bundle in ``folder``; empty when there is none or it is unusable
    (the files are then parsed: slower, never wrong)."""
    import json
    try:
        data = json.loads(folder.joinpath(BUNDLE_NAME).read_bytes())
    except (OSError, ValueError, KeyError):  # missing, unreadable, not JSON
        return {}
    if not isinstance(data, dict) or data.get("format") != _BUNDLE_FORMAT \
            or not isinstance(data.get("files"), dict):
        return {}
    return {name: (entry[0], entry[1]) for name, entry in data["files"].items()
            if type(entry) is list and len(entry) == 2 and type(entry[0]) is str
            and type(entry[1]) is dict}


def bundle_text(path: str | Path | None = None) -> str:
    """The content ``_bundle.json`` should have for the TOML files in
    ``path`` (default: the bundled database): for each file that parses,
    the SHA-256 of its bytes and its data. The text depends only on the
    files, so a test can compare it with the committed bundle. A file whose
    data JSON cannot carry exactly (a TOML date or time, nan) or that does
    not parse is left out: the loader parses it itself.
    Raises ProviderDataError when the folder cannot be read."""
    import hashlib
    import json

    folder = folder_of(path)
    entries = []
    for file in toml_files(folder):
        try:
            raw = file.read_bytes()
            data = _parse(raw)
        except (OSError, Unreadable):
            continue
        try:
            text = json.dumps([hashlib.sha256(raw).hexdigest(), data], ensure_ascii=False,
                              separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            continue
        if json.loads(text)[1] != data:
            continue
        entries.append(f"{json.dumps(file.name, ensure_ascii=False)}:{text}")
    head = (f'{{"format":{_BUNDLE_FORMAT},"about":"Parsed copy of the provider files; '
            f'written by scripts/providers_bundle.py, do not edit.","files":{{')
    return head + "\n" + ",\n".join(entries) + "\n}}\n"

