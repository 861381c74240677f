"""Ctrl-C during a lookup and during a probe (issue 10, "Bad input and
faults"): exit status 130, one plain sentence, no traceback - and the
process really ends (no thread or task keeps it alive). How fast it ends is
measured in bench/, not asserted here.

Real peers: the lab's blackhole accepts connections and never answers, so
both commands are certainly waiting on the network when the signal comes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from tests.paths import REPO


def _start(*args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "SETUPWIZARD"))}
    env.update(LANG="C.UTF-8", NO_COLOR="1", PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "setupwizard", *args], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_until_connected(lab, before: int) -> None:
    """Until the tool has a connection open to the blackhole (or 20 s)."""
    end = time.monotonic() + 20
    while lab.blackhole_connections <= before and time.monotonic() < end:
        time.sleep(0.02)
    assert lab.blackhole_connections > before, "the command never reached the blackhole"


@pytest.mark.parametrize("command", ["discover", "diagnose"])
def test_ctrl_c_while_waiting_on_the_network(lab, command):
    before = lab.blackhole_connections
    if command == "discover":
        args = ("discover", "alice@race-slow.test", "--only", "well-known,autodiscover")
    else:
        args = ("diagnose", "alice@example.test", "--no-login", "--imap",
                lab.ip("blackhole"), "--smtp", lab.ip("blackhole"))
    proc = _start(*args, *lab.cli_args, "--timeout", "30")
    try:
        _wait_until_connected(lab, before)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert err.strip().splitlines()[-1] == "Stopped."
