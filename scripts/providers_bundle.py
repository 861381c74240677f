#!/usr/bin/env python3
"""Write providers/_bundle.json, the pre-parsed copy of the provider files.

    python scripts/providers_bundle.py           write it (run after editing providers/)
    python scripts/providers_bundle.py --check   exit 1 when it is out of date

setupwizard uses a file's entry only while the SHA-256 recorded for it
matches the file, so a stale bundle makes starting slower, never wrong;
tests/cli/test_providers.py fails until it is written again.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from setupwizard.providers import BUNDLE_NAME, bundle_text  # noqa: E402

FOLDER = ROOT / "providers"


def main(argv: list[str]) -> int:
    target = FOLDER / BUNDLE_NAME
    text = bundle_text(FOLDER)
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if argv[1:] == ["--check"]:
        if current != text:
            print(f"{target.relative_to(ROOT)} is out of date: run "
                  "python scripts/providers_bundle.py", file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    if current != text:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    else:
        print(f"{target.relative_to(ROOT)} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
