"""The command line of setupwizard, on top of the library.

``main`` (``cli/main.py``) is the one place where exceptions become exit
statuses (``entry`` there is the console script ``setupwizard``: main, then
a quick process exit); ``parser`` holds every flag and
help text; ``options`` the typed options built once from argv; ``secrets``
reads passwords; one module per command (``discover``, ``diagnose``,
``export``, ``check_domain``, ``providers``, ``wizard``, ``explain``).
Nothing here is imported by the core.
"""

from ..i18n import Translator
from .main import main
from .parser import build_parser, pick_language
from .status import ExitStatus

__all__ = ["main", "ExitStatus", "build_parser", "pick_language", "Translator"]
