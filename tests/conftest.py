"""Shared fixtures. The ``lab`` fixture starts the test lab (tests/lab/README.md)
once per session with every scenario in tests/lab/scenarios."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def lab():
    from tests.lab import Lab
    with Lab.from_scenarios() as running:
        yield running
