"""Running the `setupwizard` command from tests, in two ways with one result
shape (``subprocess.CompletedProcess``: returncode, stdout, stderr) and the
same clean environment: a clean locale (English unless the test says
otherwise), no colour, no SETUPWIZARD_* settings leaking in from the caller,
and no inherited standard input (CI has none).

- :func:`run_main` calls ``setupwizard.cli.main(argv, env=Environment(...))``
  in this process: the tier every CLI test uses unless it needs a process
  of its own.
- :func:`run_cli` / :func:`run_cli_bytes` start ``python -m setupwizard``:
  for a real terminal (pty), raw bytes in argv, what a fresh interpreter
  imports or how much memory it takes, and signals.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import threading
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: argparse's own text hook, put back after every in-process run (build_parser
#: points it at the run's translator)
_ARGPARSE_GETTEXT = argparse._


def _environment(env: dict | None, base=None) -> dict:
    base = os.environ if base is None else base
    full_env = {k: v for k, v in base.items()
                if not k.startswith(("LC_", "LANG", "SETUPWIZARD"))}
    full_env.update({"LANG": "C.UTF-8", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8",
                     "PYTHONPATH": str(ROOT)})
    full_env.update(env or {})
    return full_env


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None,
            cwd=None, timeout: float = 90) -> subprocess.CompletedProcess:
    """``python -m setupwizard *args`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "setupwizard", *args], input=stdin,
                          capture_output=True, text=True, env=_environment(env),
                          timeout=timeout, cwd=cwd,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def run_cli_bytes(*args: str | bytes, stdin: bytes | None = None, env: dict | None = None,
                  cwd=None, timeout: float = 90) -> subprocess.CompletedProcess:
    """run_cli with raw bytes: arguments and standard input may hold bytes
    that are not valid UTF-8 (as a terminal in another character set sends
    them); stdout and stderr come back as bytes."""
    return subprocess.run([os.fsencode(sys.executable), b"-m", b"setupwizard",
                           *(os.fsencode(a) for a in args)], input=stdin,
                          capture_output=True, env=_environment(env), timeout=timeout,
                          cwd=cwd, stdin=None if stdin is not None else subprocess.DEVNULL)


def run_main(*args: str, stdin: str | None = None, env: dict | None = None,
             cwd=None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """``setupwizard.cli.main(args)`` in this process, through an
    ``Environment`` holding string streams and a clean ``environ``; the same
    result as :func:`run_cli`.

    ``sys.stdout``/``sys.stderr`` are redirected too, for what argparse
    prints itself (``--help``, usage errors, which end in SystemExit). An
    exception escaping ``main`` becomes a traceback on stderr and status 1,
    as in a real process, so ``assert_clean`` still catches it. ``timeout``
    is accepted for run_cli's signature; pytest-timeout bounds the test.

    No state may outlive a run: afterwards there is no new thread left
    running, no event loop set, and argparse's text hook is put back.
    """
    from setupwizard.cli import main
    from setupwizard.ui.terminal import Environment

    out, err = io.StringIO(), io.StringIO()
    environ = _environment(env)
    threads_before = set(threading.enumerate())
    loop_before = _open_event_loop()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            status = main(list(args), env=Environment(
                stdin=io.StringIO(stdin or ""), stdout=out, stderr=err, environ=environ))
        except SystemExit as exc:
            code = exc.code
            status = code if isinstance(code, int) else (0 if code is None else 1)
            if code is not None and not isinstance(code, int):
                err.write(f"{code}\n")
        except BaseException:  # noqa: BLE001 - what a real process would print
            err.write(traceback.format_exc())
            status = 1
        finally:
            argparse._ = _ARGPARSE_GETTEXT
    leaked = [t for t in threading.enumerate()
              if t not in threads_before and t.is_alive() and _ours(t)]
    assert not leaked, f"setupwizard {' '.join(args)} left threads running: {leaked}"
    loop_after = _open_event_loop()
    assert loop_after is None or loop_after is loop_before, \
        f"setupwizard {' '.join(args)} left an event loop open"
    return subprocess.CompletedProcess(["setupwizard", *args], int(status),
                                       out.getvalue(), err.getvalue())


def _ours(thread: threading.Thread) -> bool:
    """A thread the command started (the lab's server threads run in this
    process too, and come and go with its connections)."""
    target = getattr(thread, "_target", None)
    module = getattr(target, "__module__", "") or ""
    return module.startswith(("setupwizard", "concurrent.futures", "asyncio"))


def _open_event_loop():
    """The open loop set for this thread, if any: every command closes its
    Network, whose asyncio.Runner unsets the loop it set."""
    import asyncio
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    loop = getattr(local, "_loop", None)
    return None if loop is None or loop.is_closed() else loop


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    """Whatever happened, the user saw no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout
