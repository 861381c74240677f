"""The documented exit statuses (README, "Exit status").

Apart from ``main.py`` so that the command modules can return them without
importing the boundary that imports them.
"""

from __future__ import annotations

import enum

__all__ = ["ExitStatus"]


class ExitStatus(enum.IntEnum):
    """Documented exit statuses (README, "Exit status")."""

    OK = 0
    #: discover: no settings for at least one address; export: nothing found, or a
    #: requested format could not be written; check-domain: something published is
    #: broken, or nothing is published
    NOT_FOUND = 1
    #: bad flags, a malformed address
    USAGE = 2
    #: Ctrl-C
    INTERRUPTED = 130
