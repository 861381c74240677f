"""Tests of setupwizard/cli/."""
