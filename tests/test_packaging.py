"""The wheel must carry every package, the provider data and the catalogues."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "setupwizard").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"


def test_wheel_contains_data(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("setupwizard-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    providers = {n for n in names if n.startswith("setupwizard/provider_data/")
                 and n.endswith(".toml")}
    assert len(providers) == len(list((ROOT / "providers").glob("*.toml")))
    assert "setupwizard/locale/de/LC_MESSAGES/setupwizard.mo" in names
    # the data folder is not mixed into the code package of the same name
    assert not any(n.startswith("setupwizard/providers/") and n.endswith(".toml")
                   for n in names)
    # the packages of issue 10's layout, and the modules that moved
    for name in ("setupwizard/cli/__init__.py", "setupwizard/cli/main.py",
                 "setupwizard/net/__init__.py", "setupwizard/net/dns.py",
                 "setupwizard/ui/wizard.py", "setupwizard/text.py",
                 "setupwizard/explain/domaincheck.py",
                 "setupwizard/formats/clientconfig.py", "setupwizard/formats/autodiscover.py",
                 "setupwizard/providers/database.py", "setupwizard/providers/bundle.py",
                 "setupwizard/providers/validation.py", "setupwizard/providers/compare.py"):
        assert name in names, name


def test_new_packages_are_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    assert {"setupwizard.cli", "setupwizard.net", "setupwizard.formats",
            "setupwizard.providers"} <= listed
    # the code package setupwizard.providers and the data package
    # setupwizard.provider_data (the top-level providers/ folder) are two things
    assert "setupwizard.provider_data" in listed
