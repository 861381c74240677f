"""Where a password or token comes from, read in one place.

Standard input (``--password-stdin``, ``--oauth2-token-stdin``), the
environment variable ``SETUPWIZARD_PASSWORD`` or a hidden prompt on a
terminal; never the command line. Bytes that are not valid UTF-8 (kept as
lone surrogates, see ``ui.terminal.Environment``) are a usage error that
never shows the secret (issue 9).
"""

from __future__ import annotations

from ..errors import UsageError
from ..i18n import msg

TYPE_CHECKING = False  # typing stays off the --help path
if TYPE_CHECKING:
    from ..ui.terminal import Environment

__all__ = ["secret_source", "read_secret", "undecodable"]

#: the environment variable a password may come from
PASSWORD_VARIABLE = "SETUPWIZARD_PASSWORD"


def secret_source(*, from_stdin: bool, env: "Environment") -> str:
    """Where a password comes from: standard input when asked for, else the
    environment variable SETUPWIZARD_PASSWORD, else a hidden prompt on a
    terminal, else nowhere ("none"). Never from argv."""
    if from_stdin:
        return "stdin"
    if env.environ.get(PASSWORD_VARIABLE):
        return "env"
    if env.stdin_isatty:
        return "prompt"
    return "none"


def read_secret(source: str, env: "Environment", *, prompt: str, empty_stdin: str
                ) -> str | None:
    """The secret from ``source`` (see secret_source; "token-stdin" reads
    standard input too). Returns None for "none" and for an empty prompt;
    raises UsageError with ``empty_stdin`` when standard input is empty, and
    a UsageError that does not show the secret when it is not valid text."""
    if source in ("stdin", "token-stdin"):
        line = env.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError(empty_stdin)
        if undecodable(line):  # never show the line: it is a secret
            raise UsageError(msg("standard input contains bytes that are not valid text "
                                 "(UTF-8); save the password as UTF-8 text"))
        return line
    if source == "env":
        secret = env.environ[PASSWORD_VARIABLE]
        if undecodable(secret):
            raise UsageError(msg("the environment variable SETUPWIZARD_PASSWORD contains "
                                 "bytes that are not valid text (UTF-8)"))
        return secret
    if source == "prompt":
        import getpass
        try:
            return getpass.getpass(prompt) or None
        except UnicodeDecodeError:
            raise UsageError(msg("the password typed contains bytes that are not valid "
                                 "text (UTF-8); check the terminal's character set"))
    return None


def undecodable(text: str) -> bool:
    """True if ``text`` holds bytes that were not valid UTF-8: Python keeps
    them as lone surrogates (surrogateescape) in argv, the environment and
    standard input (see Environment)."""
    return any("\ud800" <= char <= "\udfff" for char in text)
