"""Tests of setupwizard/ui/."""
