"""setupwizard's tests (a package, so ``from tests.lab.spec import ...`` works)."""
