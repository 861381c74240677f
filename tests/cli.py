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


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None,
            cwd=None, timeout: float = 90) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("LC_", "LANG", "SETUPWIZARD"))}
    full_env.update({"LANG": "C.UTF-8", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8",
                     "PYTHONPATH": str(ROOT)})
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "setupwizard", *args], input=stdin,
                          capture_output=True, text=True, env=full_env, timeout=timeout,
                          cwd=cwd, stdin=None if stdin is not None else subprocess.DEVNULL)


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    """Whatever happened, the user saw no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout
