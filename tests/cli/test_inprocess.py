"""The in-process tier itself (tests/support.py ``run_main``): runs do not
leak into each other, and a command that leaves its event loop open fails
the test that ran it."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import run_main


def test_language_does_not_leak_from_one_run_into_the_next():
    german = run_main("discover", "--help", env={"LANG": "de_DE.UTF-8"})
    english = run_main("discover", "--help")
    assert german.returncode == english.returncode == 0
    assert german.stdout != english.stdout
    assert "usage:" in english.stdout and "options" in english.stdout


def test_a_usage_error_is_status_2_on_stderr():
    proc = run_main("discover", "--timeout", "soon", "a@b.test")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "usage:" in proc.stderr


def test_a_network_left_open_is_caught(monkeypatch):
    from setupwizard.net import Network
    opened = []
    original_run = Network.run

    def run(self, coro):
        opened.append(self)
        return original_run(self, coro)
    monkeypatch.setattr(Network, "run", run)
    monkeypatch.setattr(Network, "close", lambda self: None)
    try:
        with pytest.raises(AssertionError, match="left an event loop open"):
            run_main("discover", "--only", "providers", "alice@gmx.de")
    finally:
        for network in opened:
            if network._runner is not None:
                network._runner.close()
        asyncio.set_event_loop(None)
    assert opened, "the command ran on its Network's loop"
