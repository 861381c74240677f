"""Tests of setupwizard/export/."""
