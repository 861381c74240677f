"""Tests of setupwizard/net/."""
