"""Running the real `setupwizard` command in a subprocess, the way every CLI
test does: a clean locale (English unless the test says otherwise), no
colour, no SETUPWIZARD_* settings leaking in from the caller, and no
inherited standard input (CI has none)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environment(env: dict | None) -> dict:
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("LC_", "LANG", "SETUPWIZARD"))}
    full_env.update({"LANG": "C.UTF-8", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8",
                     "PYTHONPATH": str(ROOT)})
    full_env.update(env or {})
    return full_env


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None,
            cwd=None, timeout: float = 90) -> subprocess.CompletedProcess:
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


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    """Whatever happened, the user saw no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout
