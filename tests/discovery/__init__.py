"""Tests of setupwizard/discovery/."""
