"""Where the tests find things outside the package: the repository root and
the team's ``shared/`` folder beside it (CI puts a copy there). Tests that
need ``shared/`` skip cleanly when it is absent; no test names an absolute
machine path."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SCHEMAS = SHARED / "reference" / "schemas"
