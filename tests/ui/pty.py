"""What every pseudo-terminal test of the wizard shares: the environment a
person's terminal gives it, and answering a question once it is drawn."""

from __future__ import annotations

import os
import time


def terminal_env(lang: str = "C.UTF-8", term: str = "xterm-256color", *,
                 no_cpr: bool = False) -> dict[str, str]:
    """The caller's environment as a person's terminal would give it: the
    language asked for, no SETUPWIZARD_* or NO_COLOR from the runner, and no
    COLUMNS/LINES (pytest-xdist sets 80x24 in its workers; the pty's own size
    must count). ``no_cpr``: no cursor-position requests, which a bare
    pexpect terminal never answers (a pyte screen lays out like a real one
    with them)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "SETUPWIZARD", "NO_COLOR", "COLUMNS",
                                "LINES"))}
    env.update({"LANG": lang, "TERM": term, "PYTHONIOENCODING": "utf-8"})
    if no_cpr:
        env["PROMPT_TOOLKIT_NO_CPR"] = "1"
    return env


def answer(child, prompt: str, keys: str, *, settle: float = 0.0) -> None:
    """Wait for ``prompt``, let the question finish drawing (``settle``
    seconds), then type ``keys``."""
    child.expect(prompt)
    if settle:
        time.sleep(settle)
    child.send(keys)
