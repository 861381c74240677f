"""What ``check-domain`` tells a domain owner: one text per piece of advice.

Data only (titles, explanations and fixes, marked for translation with
``N_()``); ``domaincheck.py`` decides which advice applies and fills in the
fields. Kept in ``explain/`` with the other plain-language texts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_

__all__ = ["AdviceText", "ADVICE"]


@dataclass(frozen=True)
class AdviceText:
    """What one piece of advice says. ``fix`` None on ``server.warning``
    means: the fix of the diagnostics finding behind it."""

    id: str
    severity: str
    title: str
    explanation: str
    fix: str | None = None


_BROKEN_TITLE = N_("Not working: {source}")
_BROKEN_EXPLANATION = N_("Mail programs that look there get an error instead of "
                         "settings: {detail}.")

_ALL = [
    # -- sources that answer with an error -----------------------------------
    AdviceText("autoconfig.broken", "problem", _BROKEN_TITLE, _BROKEN_EXPLANATION,
               N_("Make https://autoconfig.{domain}/mail/config-v1.1.xml answer with the "
                  "configuration file (status 200, XML, a valid certificate for "
                  "autoconfig.{domain}), or remove the name autoconfig.{domain} if you do "
                  "not publish one.")),
    AdviceText("srv.broken", "problem", _BROKEN_TITLE, _BROKEN_EXPLANATION,
               N_("Check the SRV records of {domain} at your DNS provider: every lookup "
                  "must get an answer, records or \"no such record\".")),
    AdviceText("well-known.broken", "warning", _BROKEN_TITLE, _BROKEN_EXPLANATION,
               N_("Make https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml answer "
                  "with the configuration file, or with \"404 Not Found\" if you do not "
                  "publish it there.")),
    AdviceText("autoconfig-http.broken", "warning", _BROKEN_TITLE, _BROKEN_EXPLANATION,
               N_("Let the http addresses answer with the same file as the https ones, or "
                  "with \"404 Not Found\".")),
    AdviceText("autodiscover.broken", "warning", _BROKEN_TITLE, _BROKEN_EXPLANATION,
               N_("Make https://autodiscover.{domain}/autodiscover/autodiscover.xml answer "
                  "Outlook's POST request with the settings, and let "
                  "https://{domain}/autodiscover/autodiscover.xml answer \"404 Not Found\" "
                  "if it has nothing to say.")),
    AdviceText("ispdb.broken", "warning", _BROKEN_TITLE, _BROKEN_EXPLANATION,
               N_("The Thunderbird settings database is run by others, not by you: try "
                  "again later. If its entry for {domain} is wrong, ask for a correction "
                  "there.")),
    AdviceText("mx.broken", "warning", _BROKEN_TITLE, _BROKEN_EXPLANATION,
               N_("Check the MX records of {domain}. This lookup also asks about your mail "
                  "host's domain, which you may not control.")),
    # -- sources that answer, but cannot be trusted ------------------------------
    AdviceText("source.untrusted", "warning", N_("Cannot be confirmed: {source}"),
               N_("Settings are there, but mail programs cannot be sure they really come "
                  "from {domain}: {detail}. They ask people to confirm them, or ignore "
                  "them."),
               N_("Serve the settings under {domain} itself, over HTTPS, without a "
                  "redirect to another domain.")),
    AdviceText("autoconfig.http-only", "warning",
               N_("The configuration file is only available unencrypted"),
               N_("Mail programs find your settings only over plain http, where anyone on "
                  "the way can change them. Many programs ask people to confirm such "
                  "settings, some ignore them."),
               N_("Serve the same file over HTTPS, with a valid certificate, at "
                  "https://autoconfig.{domain}/mail/config-v1.1.xml.")),
    AdviceText("sources.disagree", "warning",
               N_("The sources name different {protocol} servers"),
               N_("Which server a mail program uses depends on where it looks: {choices}."),
               N_("Decide which server is right and change the other sources to name the "
                  "same host, port and encryption.")),
    AdviceText("srv.outside-domain", "warning", N_("SRV records point outside {domain}"),
               N_("They name servers that are not part of {domain}: {targets}. That is "
                  "allowed, but mail programs cannot tell whether these servers really "
                  "belong to you, so they ask people to confirm them."),
               N_("If these are your mail servers, nothing is broken. To spare people the "
                  "question, point the records at names under {domain} that the servers' "
                  "certificates cover.")),
    # -- the servers named ---------------------------------------------------------
    AdviceText("server.failed", "problem",
               N_("The {protocol} server {host} (port {port}) does not work"),
               N_("The test found: {check_title}. {check_explanation} This server is named "
                  "by: {sources}."),
               N_("Repair the server, or change {sources} to name a server that works.")),
    AdviceText("server.warning", "warning",
               N_("The {protocol} server {host} (port {port}) works, with a warning"),
               N_("The test found: {check_title}. {check_explanation}")),
    AdviceText("server.untested", "info", N_("Not every server was tested"),
               N_("The sources name {count} servers; the first {tested} were tested.")),
    # -- what is missing -------------------------------------------------------------
    AdviceText("network.down", "problem",
               N_("The check could not look: name lookups fail on this computer"),
               N_("Every question to the DNS, the Internet's address book, failed here "
                  "({detail}). This says nothing about {domain}: the problem is the "
                  "internet connection or the DNS server of the computer running the "
                  "check."),
               N_("Check this computer's internet connection and DNS server (or the one "
                  "named with --dns-server), then run the check again.")),
    AdviceText("nothing.published", "problem",
               N_("Mail programs find no settings for {domain}"),
               N_("None of the places mail programs look at answers with settings, so "
                  "everyone has to type server names, ports and encryption by hand."),
               N_("Publish at least an autoconfig file and SRV records; the suggestions "
                  "below say how.")),
    AdviceText("autoconfig.missing", "suggestion", N_("Publish an autoconfig file"),
               N_("Thunderbird and many other mail programs look for a configuration file "
                  "for {domain}. Without one they guess, or people type the settings "
                  "themselves."),
               N_("Publish config-v1.1.xml at https://autoconfig.{domain}/mail/config-v1.1.xml "
                  "and at https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml, over "
                  "HTTPS. {command} writes it, with the DNS records and instructions.")),
    AdviceText("srv.missing", "suggestion", N_("Add SRV records"),
               N_("SRV records in DNS (RFC 6186) tell mail programs which servers to use. "
                  "{domain} has none for mail."),
               N_("Add the SRV records for your mail servers at your DNS provider; "
                  "{command} writes them too.")),
    AdviceText("autodiscover.missing", "suggestion", N_("Answer Autodiscover for Outlook"),
               N_("Outlook asks Autodiscover for the settings. {domain} does not answer, so "
                  "Outlook users type the settings themselves."),
               N_("Answer Outlook's POST request at "
                  "https://autodiscover.{domain}/autodiscover/autodiscover.xml with a small "
                  "script and add the DNS records for it; {command} writes the answer "
                  "template and the records.")),
    # -- context -----------------------------------------------------------------------
    AdviceText("providers.differs", "info",
               N_("setupwizard's provider database names other servers"),
               N_("The database lists {theirs}; {domain} publishes {ours}."),
               N_("If what {domain} publishes is right, the database entry is out of date: "
                  "tell the setupwizard maintainers.")),
]

ADVICE: dict[str, AdviceText] = {a.id: a for a in _ALL}
