"""setupwizard: find, test, explain and export e-mail account settings.

The library never prompts or prints; ``setupwizard.cli`` and
``setupwizard.ui`` do. Importing this package has no side effects.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "discover"]


def discover(address, **kwargs):
    """Discover settings for ``address``; see setupwizard.discovery.discover."""
    from .discovery import discover as _discover
    return _discover(address, **kwargs)
