"""The wizard warms up while a person types the address (issue 10, item 6):
one background thread, started before the first question, that imports the
lookup's modules and builds the TLS context; scripted runs start none."""

from __future__ import annotations

import threading

import pytest

from setupwizard.i18n import Translator
from setupwizard.net import NetOptions, Network
from setupwizard.ui.prompter import Cancelled
from setupwizard.ui.terminal import Style
from setupwizard.ui.wizard import Wizard, WizardOptions


class StopAtAddress:
    """A prompter that notes what runs when the address is asked, then
    cancels (as Ctrl-C at the question would)."""

    def __init__(self, interactive: bool) -> None:
        self.tr = Translator("en")
        self.interactive = interactive
        self.threads_at_address: list[str] | None = None

    def select(self, key, question, choices, default=None):
        return default

    def say(self, text: str) -> None:
        pass

    def text(self, key, question, validate=None, default=None):
        self.threads_at_address = [t.name for t in threading.enumerate()]
        raise Cancelled()


class CountingNetwork(Network):
    def __init__(self) -> None:
        super().__init__(NetOptions())
        self.contexts = 0

    def tls_context(self):
        self.contexts += 1
        return super().tls_context()


def run_until_address(interactive: bool, **options) -> tuple[StopAtAddress, CountingNetwork,
                                                            Wizard]:
    prompter = StopAtAddress(interactive)
    network = CountingNetwork()
    wizard = Wizard(prompter, WizardOptions(lang_given=True, **options), style=Style(False),
                    network=network)
    with pytest.raises(Cancelled):
        wizard.run()
    return prompter, network, wizard


def test_interactive_wizard_warms_up_before_the_address_question():
    prompter, network, wizard = run_until_address(True)
    assert "setupwizard-warm-up" in prompter.threads_at_address
    wizard._finish_warm_up()  # what the lookup does first
    assert network.contexts == 1
    assert not any(t.name == "setupwizard-warm-up" for t in threading.enumerate())


def test_scripted_wizard_starts_no_thread():
    prompter, network, _ = run_until_address(False)
    assert "setupwizard-warm-up" not in prompter.threads_at_address
    assert network.contexts == 0


def test_no_warm_up_when_the_address_is_given():
    prompter = StopAtAddress(True)
    wizard = Wizard(prompter, WizardOptions(lang_given=True, address="alice@example.org"),
                    style=Style(False), network=CountingNetwork())
    assert not wizard._needs_warm_up()
