"""The registrable ("base") domain of a host name, by the Public Suffix
List: used by the mx source and by every rule that asks "is this redirect
still the same site?" (autodiscover, ispdb)."""

from __future__ import annotations

import threading

_PSL = None
_PSL_LOCK = threading.Lock()


def _psl():
    # Built once (about 60 ms). A lock: the wizard may warm it up in the
    # background while the loop's sources already ask.
    global _PSL
    if _PSL is None:
        with _PSL_LOCK:
            if _PSL is None:
                from publicsuffixlist import PublicSuffixList
                _PSL = PublicSuffixList()
    return _PSL


def registrable_domain(host: str) -> str | None:
    """The registrable ("base") domain of ``host`` by the Public Suffix List,
    e.g. mx01.mail.example.co.uk -> example.co.uk; None for a bare suffix."""
    return _psl().privatesuffix(host.lower().rstrip("."))
