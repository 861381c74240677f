"""Finding the format modules and running them.

Each format lives in ``setupwizard/export/<name>.py`` and is imported only
when asked for, by name: a format this installation lacks (or whose
library is missing) is reported as unavailable instead of breaking the
others. One format's failure never stops the next one.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Mapping, Sequence

from ..errors import SetupWizardError
from ..i18n import Message, msg
from . import FORMATS, Account, ExportedFile

__all__ = ["FormatResult", "load", "write_formats", "expand_names"]


@dataclass(frozen=True)
class FormatResult:
    """What one format did: the files it wrote, or why it wrote none
    (``available`` is False when the format is not installed)."""

    name: str
    files: tuple[ExportedFile, ...] = ()
    problem: Message | str | None = None
    available: bool = True

    @property
    def ok(self) -> bool:
        return self.problem is None


def expand_names(names: Sequence[str]) -> tuple[str, ...]:
    """``all`` becomes every format, in FORMATS order; duplicates go."""
    out: list[str] = []
    for name in names:
        for item in (FORMATS if name == "all" else (name,)):
            if item not in out:
                out.append(item)
    return tuple(out)


def load(name: str) -> ModuleType:
    """The module of format ``name``. Raises ImportError when this
    installation does not have it or cannot import what it needs, and
    ValueError for a name that is no format."""
    if name not in FORMATS:
        raise ValueError(f"unknown export format {name!r}")
    return importlib.import_module(f"{__package__}.{name}")


def write_formats(account: Account, names: Sequence[str], out_dir: Path, *, lang: str,
                  options: Mapping[str, Mapping[str, object]] | None = None,
                  ) -> list[FormatResult]:
    """Run each format of ``names`` for ``account`` into ``out_dir``.

    ``options`` holds extra keyword arguments per format (the signer for
    ``apple``). Returns one FormatResult per format, in order; never raises
    for a format's own trouble (unusable settings, unwritable files).
    """
    results: list[FormatResult] = []
    for name in names:
        try:
            module = load(name)
        except ImportError as exc:
            results.append(_unavailable(name, exc))
            continue
        try:
            files = module.write(account, out_dir, lang=lang, **dict((options or {})
                                                                     .get(name, {})))
        except ImportError as exc:  # a library the format imports only when writing
            results.append(_unavailable(name, exc))
        except SetupWizardError as exc:
            results.append(FormatResult(name, problem=exc.message))
        except OSError as exc:
            results.append(FormatResult(name, problem=msg(
                "cannot write the file {path}: {reason}", path=exc.filename or out_dir,
                reason=exc.strerror or str(exc))))
        else:
            results.append(FormatResult(name, files=tuple(files)))
    return results


def _unavailable(name: str, exc: ImportError) -> FormatResult:
    missing = getattr(exc, "name", None)
    problem = msg("this format is not available in this installation of setupwizard")
    if missing and missing != f"{__package__}.{name}":
        problem = msg("this format needs the Python package {package}, which is not "
                      "installed", package=missing.split(".")[0])
    return FormatResult(name, available=False, problem=problem)
