"""The bundled provider database (the data itself is the package
``setupwizard.provider_data``, the top-level ``providers/`` folder)."""

from .database import *  # noqa: F403
from .database import __all__  # noqa: F401
