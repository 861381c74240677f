"""The command line: argv -> options -> core -> rendering -> exit status.

:func:`main` is the one boundary where exceptions become exit statuses
(see :class:`ExitStatus`). Only the parser is imported up front, so
``--help`` starts fast; a command's module (and the core it needs) is
imported once the command is known.
"""

from __future__ import annotations

import sys

from ..errors import SetupWizardError, UsageError
from ..i18n import Translator, msg
from ..text import sanitize
from ..ui.terminal import Environment
from .output import print_line
from .parser import build_parser, pick_language
from .secrets import undecodable
from .status import ExitStatus

TYPE_CHECKING = False  # typing stays off the --help path
if TYPE_CHECKING:
    from typing import Sequence

__all__ = ["main", "entry", "ExitStatus"]

#: the commands, each run by the module of the same name in this package
COMMANDS = ("discover", "diagnose", "export", "providers", "check-domain", "wizard",
            "explain")


def check_argv(argv: Sequence[str]) -> None:
    """UsageError for the first argument holding bytes that are not UTF-8: an
    address, a name or a path like that cannot be shown, compared or written
    into a setup file."""
    for argument in argv:
        if undecodable(argument):
            raise UsageError(msg("the argument \"{argument}\" contains bytes that are not "
                                 "valid text (UTF-8); type it again, or check the "
                                 "terminal's character set",
                                 argument=sanitize(argument)[:80]))


def run_command(args, env: Environment, tr: Translator) -> int:
    """Build the command's options from ``args`` and run it. Each command's
    module is imported here, explicitly, so tests/test_layout.py sees the
    arrows: every module ``run``s; the one-step commands also have
    ``command``, which builds their options object once."""
    if args.command == "discover":
        from . import discover as module
    elif args.command == "diagnose":
        from . import diagnose as module
    elif args.command == "export":
        from . import export as module
    elif args.command == "providers":
        from . import providers as module
    elif args.command == "check-domain":
        from . import check_domain as module
    elif args.command == "wizard":
        from . import wizard as module
        return module.run(args, env, tr)
    else:
        from . import explain as module
        return module.run(args, env, tr)
    return module.run(module.command(args, env, tr), env, tr)


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the command line; return the exit status (never raises, but for
    SystemExit from --help and from argparse's usage errors)."""
    env = env or Environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    tr = Translator(pick_language(argv, env.environ))
    try:
        check_argv(argv)
        parser = build_parser(tr)
        if not argv and env.stdin_isatty and env.stdout_isatty:
            argv = ["wizard"]  # a person at a terminal: start the guided flow
        args = parser.parse_args(argv)
        if args.command is None and not args.version and env.stdin_isatty and \
                env.stdout_isatty:
            # only options such as --lang: a person at a terminal still
            # means the guided flow, in that language
            args = parser.parse_args(["wizard", *argv])
        if getattr(args, "lang", None) is None and any(
                a == "--lang" or a.startswith("--lang=") for a in argv):
            args.lang = tr.lang  # "--lang de wizard": the subcommand's default hid it
        if args.version:
            from .. import __version__
            print_line(env, f"setupwizard {__version__}")
            return ExitStatus.OK
        if args.command in COMMANDS:
            return run_command(args, env, tr)
        parser.print_help(env.stdout)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        print_line(env, "\n" + tr("Stopped."), err=True)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # the reader went away (| head): nothing more to say
        import os
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return ExitStatus.OK
    except UsageError as exc:
        print_line(env, f"setupwizard: {sanitize(tr.render(exc.message))}", err=True)
        return ExitStatus.USAGE
    except SetupWizardError as exc:
        print_line(env, f"setupwizard: {sanitize(tr.render(exc.message))}", err=True)
        return ExitStatus.NOT_FOUND


def entry() -> None:
    """The process's entry point (console script and ``python -m``): run
    :func:`main` on the real argv and end the process with its status.

    Once the answer is out, the process ends at once: standard output and
    error are flushed and the ``atexit`` handlers run (as at a normal exit),
    but the interpreter's own teardown - freeing every module and object
    one by one - is skipped. That teardown cost 150-200 ms after a lookup on
    the 2-core benchmark machine (bench/cold.py), longer than the lookup's
    own answer took; nothing of ours needs it (files are closed where they
    are written). Never call this from a program that goes on: use main().
    """
    try:
        status = main()
    except SystemExit as exc:  # --help, argparse's usage errors
        code = exc.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)  # what sys.exit("text") does
    import atexit
    import os
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass  # a closed pipe: nothing more can be said
    atexit._run_exitfuncs()
    os._exit(int(status))


if __name__ == "__main__":  # pragma: no cover
    entry()
