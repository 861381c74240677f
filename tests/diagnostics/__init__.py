"""Tests of setupwizard/diagnostics/."""
