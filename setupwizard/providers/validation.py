"""The rules a provider file must follow, and :func:`validate`.

Two levels of strictness:

* :func:`build` turns one file's TOML data into a
  :class:`~setupwizard.providers.model.Provider` and lists every problem it
  finds. A *fatal* problem (a key of the wrong type, a port out of range, a
  host name that is no host name) makes
  :meth:`~setupwizard.providers.database.ProviderDatabase.load` refuse the
  file with :class:`~setupwizard.errors.ProviderDataError`; the others only
  lower the quality of the data (a missing German hint, a missing source).
* :func:`validate` reports every problem of every file, of both kinds, plus
  what only shows across files (an id, domain or MX pattern that two files
  claim), as a list of sentences; the test suite requires it to be empty.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import ProviderDataError
from ..models import EmailAddress, Hint, is_hostname, to_ascii_domain
from ..placeholders import expand
from .bundle import Unreadable, folder_of, read_data, toml_files
from .model import Citation, Provider, ServerTemplate

__all__ = ["validate", "build", "Problem", "STATUSES", "USER_AUTH", "SERVER_AUTH",
           "HINT_KINDS", "SECURITIES", "PROTOCOLS"]

#: What a provider's ``status`` can say.
STATUSES = ("ready", "needs-preparation", "unusable")
#: What the user signs in with (provider-level ``auth``).
USER_AUTH = ("password", "app-password", "oauth2")
#: Server-level ``auth``: the clientConfig <authentication> values.
SERVER_AUTH = ("password-cleartext", "password-encrypted", "NTLM", "GSSAPI",
               "client-IP-address", "TLS-client-cert", "OAuth2", "none")
HINT_KINDS = ("info", "action", "warning")
SECURITIES = ("tls", "starttls", "plain")
PROTOCOLS = {"incoming": ("imap", "pop3"), "outgoing": ("smtp",)}

_TOP_KEYS = frozenset({"id", "name", "short_name", "domains", "mx_patterns", "subdomains",
                       "status", "auth", "web", "incoming", "outgoing", "hints", "sources"})
_SERVER_KEYS = frozenset({"protocol", "host", "port", "security", "username", "auth"})
#: POP3-only keys -> (type, Server.extra key, the same names clientconfig uses)
_POP3_KEYS: dict[str, tuple[type, str]] = {
    "leave_on_server": (bool, "leave_messages_on_server"),
    "days_on_server": (int, "days_to_leave_messages_on_server"),
    "check_interval_minutes": (int, "check_interval_minutes"),
}
_POP3_SERVER_KEYS = _SERVER_KEYS | frozenset(_POP3_KEYS)
_DEFAULT_AUTH = ["password-cleartext"]
_SERVER_AUTH_SET = frozenset(SERVER_AUTH)
_PLAIN_USERNAMES = frozenset({"%EMAILADDRESS%", "%EMAILLOCALPART%"})
_HINT_KEYS = frozenset({"id", "kind", "en", "de", "url"})
_SOURCE_KEYS = frozenset({"url", "what", "what_de", "checked"})

_ID = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_HINT_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLACEHOLDER = re.compile(r"%[A-Za-z]*%?")
# A quick yes for ordinary host names; anything it rejects goes to
# models.is_hostname, which has the last word (loading stays fast).
_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_HOSTNAME_FAST = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
# Stand-in address used to check that host templates expand to host names.
_SAMPLE = EmailAddress(local="user", domain="example.com", ascii_domain="example.com")

_SECURITY_RANK = {"tls": 0, "starttls": 1, "plain": 2}
_PROTOCOL_RANK = {"imap": 0, "pop3": 1, "smtp": 0}


def validate(path: str | Path | None = None) -> list[str]:
    """Check every provider file in ``path`` (default: the bundled database)
    and return the problems found, one sentence each, prefixed with the file
    name; an empty list means all is well. Never raises for bad data: a file
    that cannot be read is one problem like any other."""
    try:
        folder = folder_of(path)
        files = toml_files(folder)
    except ProviderDataError as exc:
        return [str(exc)]
    problems: list[str] = []
    ids: dict[str, str] = {}
    domains: dict[str, str] = {}
    patterns: dict[str, str] = {}
    for file in files:
        try:
            data = read_data(file)
        except Unreadable as exc:
            problems.append(f"{file.name}: {exc}")
            continue
        provider, found = build(data, file.name)
        problems.extend(f"{file.name}: {p.text}" for p in found)
        if provider is None:
            continue
        if provider.id in ids:
            problems.append(f"{file.name}: id {provider.id!r} is also used by {ids[provider.id]}")
        ids.setdefault(provider.id, file.name)
        for domain in provider.domains:
            if domain in domains and domains[domain] != file.name:
                problems.append(f"{file.name}: domain {domain!r} is also listed in "
                                f"{domains[domain]}")
            domains.setdefault(domain, file.name)
        for pattern in provider.mx_patterns:
            if pattern in patterns and patterns[pattern] != file.name:
                problems.append(f"{file.name}: MX pattern {pattern!r} is also listed in "
                                f"{patterns[pattern]}")
            patterns.setdefault(pattern, file.name)
    return problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a provider file; ``fatal`` when load() refuses it."""

    text: str
    fatal: bool


class _Checker:
    """Collects problems while building objects from one file's data."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, text: str) -> None:
        """Something load() cannot accept."""
        self.problems.append(Problem(text, True))

    def warn(self, text: str) -> None:
        """Something only validate() complains about."""
        self.problems.append(Problem(text, False))

    def unknown_keys(self, table: dict, allowed: Iterable[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                prefix = f"{where}: " if where else ""
                self.warn(f"{prefix}unknown key {key!r}")

    def string(self, table: dict, key: str, where: str, *, required: bool = True,
               default: str | None = None) -> str | None:
        value = table.get(key)
        if type(value) is str and (value or not required):  # the usual case, quickly
            if not required or value.strip():
                return value
        label = f"{where}.{key}" if where else key
        if value is None:
            if required:
                self.error(f"{label} is missing")
            return default
        if not isinstance(value, str):
            self.error(f"{label} must be a string")
            return default
        self.error(f"{label} is empty")
        return default

    def strings(self, table: dict, key: str, where: str = "") -> list[str]:
        value = table.get(key, [])
        if type(value) is not list or not all(type(v) is str for v in value):
            label = f"{where}.{key}" if where else key
            self.error(f"{label} must be a list of strings")
            return []
        return value

    def tables(self, table: dict, key: str) -> list[dict]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(f"{key} must be an array of tables ([[{key}]])")
            return []
        return value


def build(data: dict, file_name: str, path: str | None = None
           ) -> tuple[Provider | None, list[Problem]]:
    """Build a Provider from one file's TOML data; return it (None when the
    data is too broken) and every problem found."""
    check = _Checker()
    check.unknown_keys(data, _TOP_KEYS, "")

    provider_id = check.string(data, "id", "")
    if provider_id is not None:
        if not _ID.fullmatch(provider_id):
            check.error(f"id {provider_id!r} must be lower-case letters, digits, dots "
                        "and hyphens")
        elif file_name != provider_id + ".toml":
            check.warn(f"the file should be called {provider_id}.toml")
    name = check.string(data, "name", "")
    short_name = check.string(data, "short_name", "", required=False, default=name)

    status = check.string(data, "status", "")
    if status is not None and status not in STATUSES:
        check.error(f"status {status!r} is not one of {', '.join(STATUSES)}")

    auth = check.strings(data, "auth")
    if "auth" not in data:
        check.error("auth is missing")
    for value in auth:
        if value not in USER_AUTH:
            check.error(f"auth {value!r} is not one of {', '.join(USER_AUTH)}")
    if status != "unusable" and "auth" in data and not auth:
        check.warn("auth is empty: say how users sign in")

    subdomains = data.get("subdomains", False)
    if not isinstance(subdomains, bool):
        check.error("subdomains must be true or false")
        subdomains = False

    web = check.string(data, "web", "", required=False)
    if web is not None and not web.startswith("https://"):
        check.warn(f"web {web!r} should be an https:// address")

    written = check.strings(data, "domains")
    domains = []
    for domain in written:
        ascii_domain = _domain_key(domain)
        if ascii_domain is None:
            check.error(f"domain {domain!r} is not a valid domain name")
        elif ascii_domain in domains:
            check.warn(f"domain {domain!r} is listed twice")
        else:
            domains.append(ascii_domain)

    patterns = []
    for pattern in check.strings(data, "mx_patterns"):
        normal = pattern.strip().lower().rstrip(".")
        problem = _pattern_problem(normal)
        if problem:
            check.error(f"MX pattern {pattern!r} {problem}")
        elif normal in patterns:
            check.warn(f"MX pattern {pattern!r} is listed twice")
        else:
            patterns.append(normal)
    if not domains and not patterns:
        check.warn("neither domains nor mx_patterns: nothing can find this provider")

    servers = {}
    for direction in ("incoming", "outgoing"):
        servers[direction] = tuple(
            s for s in (_server(check, table, direction, i)
                        for i, table in enumerate(check.tables(data, direction)))
            if s is not None)
        _check_order(check, servers[direction], direction)
        if status in ("ready", "needs-preparation") and not servers[direction]:
            check.warn(f"no {direction} server, but status is {status!r}")
    if "oauth2" in auth and not any("OAuth2" in s.auth for s in
                                    servers["incoming"] + servers["outgoing"]):
        check.warn("auth says oauth2, but no server lists OAuth2")

    hints = []
    seen_hints: set[str] = set()
    for i, table in enumerate(check.tables(data, "hints")):
        hint = _hint(check, table, i)
        if hint is not None:
            if hint.id in seen_hints:
                check.warn(f"hints[{i}]: id {hint.id!r} is used twice")
            seen_hints.add(hint.id)
            hints.append(hint)

    sources = []
    for i, table in enumerate(check.tables(data, "sources")):
        source = _source(check, table, i)
        if source is not None:
            sources.append(source)
    if not sources:
        check.warn("no [[sources]]: name the public page each fact comes from")

    if provider_id is None or name is None or status is None:
        return None, check.problems
    provider = Provider(
        id=provider_id, name=name, short_name=short_name or name, status=status,
        auth=tuple(auth), domains=tuple(domains), mx_patterns=tuple(patterns),
        subdomains=subdomains, web=web, incoming=servers["incoming"],
        outgoing=servers["outgoing"], hints=tuple(hints), sources=tuple(sources),
        domains_as_written=tuple(written), path=path)
    return provider, check.problems


def _server(check: _Checker, table: dict, direction: str, index: int) -> ServerTemplate | None:
    # The common case - a plain, correct entry - without building any message.
    host = table.get("host")
    port = table.get("port")
    username = table.get("username", "%EMAILADDRESS%")
    auth = table.get("auth", _DEFAULT_AUTH)
    if (table.get("protocol") in PROTOCOLS[direction] and table.keys() <= _SERVER_KEYS
            and type(host) is str and "%" not in host and host == host.strip().lower()
            and "." in host and _is_hostname(host)
            and type(port) is int and 0 < port < 65536
            and table.get("security") in _SECURITY_RANK
            and username in _PLAIN_USERNAMES
            and type(auth) is list and auth and all(a in _SERVER_AUTH_SET for a in auth)):
        return ServerTemplate(protocol=table["protocol"], host=host, port=port,
                              security=table["security"], username=username,
                              auth=tuple(auth))
    return _server_checked(check, table, direction, index)


def _server_checked(check: _Checker, table: dict, direction: str,
                    index: int) -> ServerTemplate | None:
    where = f"{direction}[{index}]"
    protocol = check.string(table, "protocol", where)
    check.unknown_keys(table, _POP3_SERVER_KEYS if protocol == "pop3" else _SERVER_KEYS, where)
    broken = False
    if protocol is not None and protocol not in PROTOCOLS[direction]:
        check.error(f"{where}.protocol {protocol!r} is not one of "
                    f"{', '.join(PROTOCOLS[direction])}")
        broken = True

    host = check.string(table, "host", where)
    if host is not None:
        problem = _host_problem(host)
        if problem:
            check.error(f"{where}.host {host!r} {problem}")
            broken = True

    port = table.get("port")
    if port is None:
        check.error(f"{where}.port is missing")
        broken = True
    elif not isinstance(port, int) or isinstance(port, bool):
        check.error(f"{where}.port must be a whole number")
        broken = True
    elif not 1 <= port <= 65535:
        check.error(f"{where}.port {port} is not between 1 and 65535")
        broken = True

    security = check.string(table, "security", where)
    if security is not None and security not in SECURITIES:
        check.error(f"{where}.security {security!r} is not one of {', '.join(SECURITIES)}")
        broken = True

    username = check.string(table, "username", where, required=False,
                            default="%EMAILADDRESS%")
    if username is not None and "%" in username:
        for token in _PLACEHOLDER.findall(username):
            if token.strip("%").upper() not in ("EMAILADDRESS", "EMAILLOCALPART",
                                                "EMAILDOMAIN") or not (
                    token.startswith("%") and token.endswith("%") and len(token) > 2):
                check.warn(f"{where}.username {username!r}: placeholder {token!r} is not "
                           "%EMAILADDRESS%, %EMAILLOCALPART% or %EMAILDOMAIN%")

    auth = check.strings(table, "auth", where) if "auth" in table else ["password-cleartext"]
    for value in auth:
        if value not in SERVER_AUTH:
            check.error(f"{where}.auth {value!r} is not one of {', '.join(SERVER_AUTH)}")
            broken = True
    if "auth" in table and not auth:
        check.error(f"{where}.auth is empty")
        broken = True

    extra = []
    if protocol == "pop3":
        for key, (kind, extra_key) in _POP3_KEYS.items():
            if key not in table:
                continue
            value = table[key]
            if kind is bool and not isinstance(value, bool):
                check.error(f"{where}.{key} must be true or false")
                broken = True
            elif kind is int and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
                check.error(f"{where}.{key} must be a whole number, 0 or more")
                broken = True
            else:
                extra.append((extra_key, value))

    if broken or None in (protocol, host, security):
        return None
    host = host.strip()
    if "%" not in host:  # placeholders keep their capitals; server_for lowers the result
        host = host.lower()
    return ServerTemplate(protocol=protocol, host=host, port=port,  # type: ignore[arg-type]
                          security=security, username=username or "%EMAILADDRESS%",  # type: ignore[arg-type]
                          auth=tuple(auth), extra=tuple(extra))


def _check_order(check: _Checker, servers: tuple[ServerTemplate, ...], direction: str) -> None:
    ranks = [(_PROTOCOL_RANK[s.protocol], _SECURITY_RANK[s.security]) for s in servers]
    for i in range(1, len(ranks)):
        if ranks[i] < ranks[i - 1]:
            check.warn(f"{direction}[{i}] should come before {direction}[{i - 1}]: list IMAP "
                       "before POP3, and implicit TLS before STARTTLS before plain")
            return


def _hint(check: _Checker, table: dict, index: int) -> Hint | None:
    en, de, url = table.get("en"), table.get("de"), table.get("url")
    if (table.keys() <= _HINT_KEYS and type(en) is str and type(de) is str
            and en.strip() and de.strip() and "\n" not in en and "\n" not in de
            and table.get("kind", "info") in HINT_KINDS
            and (url is None or (type(url) is str and url.startswith("https://")))
            and type(table.get("id")) is str and _HINT_ID.fullmatch(table["id"])):
        return Hint(id=table["id"], text={"en": en.strip(), "de": de.strip()}, url=url,
                    kind=table.get("kind", "info"))
    return _hint_checked(check, table, index)


def _hint_checked(check: _Checker, table: dict, index: int) -> Hint | None:
    where = f"hints[{index}]"
    check.unknown_keys(table, _HINT_KEYS, where)
    hint_id = check.string(table, "id", where)
    if hint_id is not None and not _HINT_ID.fullmatch(hint_id):
        check.error(f"{where}.id {hint_id!r} must be lower-case letters, digits and hyphens")
    kind = check.string(table, "kind", where, required=False, default="info")
    if kind not in HINT_KINDS:
        check.error(f"{where}.kind {kind!r} is not one of {', '.join(HINT_KINDS)}")
    text = {}
    for lang, language in (("en", "English"), ("de", "German")):
        value = table.get(lang)
        if value is None or (isinstance(value, str) and not value.strip()):
            check.warn(f"{where} ({hint_id}) has no {language} text ({lang})")
        elif not isinstance(value, str):
            check.error(f"{where}.{lang} must be a string")
        else:
            text[lang] = " ".join(value.split())
    url = check.string(table, "url", where, required=False)
    if url is not None and not url.startswith("https://"):
        check.warn(f"{where}.url {url!r} should be an https:// address")
    if hint_id is None or not text or kind not in HINT_KINDS:
        return None
    return Hint(id=hint_id, text=text, url=url, kind=kind)  # type: ignore[arg-type]


def _source(check: _Checker, table: dict, index: int) -> Citation | None:
    where = f"sources[{index}]"
    check.unknown_keys(table, _SOURCE_KEYS, where)
    url = check.string(table, "url", where, required=False)
    what = check.string(table, "what", where, required=False)
    what_de = check.string(table, "what_de", where, required=False)
    checked = table.get("checked")
    if isinstance(checked, datetime.date):  # written without quotes: a TOML date
        checked = checked.isoformat()
    if url is None or not url.startswith("https://"):
        check.warn(f"{where}.url must be an https:// address of a public page")
    if not what:
        check.warn(f"{where}.what should say which facts the page gives")
    if not isinstance(checked, str) or not _DATE.fullmatch(checked):
        check.warn(f"{where}.checked must be the date you read the page, as \"YYYY-MM-DD\"")
        checked = None
    else:
        try:
            datetime.date.fromisoformat(checked)
        except ValueError:
            check.warn(f"{where}.checked {checked!r} is not a real date")
    if url is None:
        return None
    return Citation(url=url, what=what or "", checked=checked or "", what_de=what_de or "")


# --------------------------------------------------------------------------
# Names

def _is_hostname(name: str) -> bool:
    if len(name) <= 253 and _HOSTNAME_FAST.fullmatch(name):
        return True
    return is_hostname(name)



def _domain_key(domain: str) -> str | None:
    """IDNA form of a domain from a file, or None if it is not a domain.
    ASCII names skip the (slow) IDNA codec: loading stays fast."""
    domain = domain.strip().lower()
    if domain.isascii():
        if domain.startswith("xn--") or ".xn--" in domain:
            return to_ascii_domain(domain)
        return domain if "." in domain and not domain.endswith(".") and \
            _is_hostname(domain) else None
    return to_ascii_domain(domain)


def _pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid MX pattern, or None."""
    rest = pattern[2:] if pattern.startswith("*.") else pattern
    if "*" in rest:
        return "may only use * as the whole leftmost label (*.example.com)"
    if not rest.isascii() or "." not in rest or not _is_hostname(rest):
        return "is not a host name with at least two labels"
    return None


def _host_problem(host: str) -> str | None:
    """Why the host template ``host`` cannot become a host name, or None."""
    expanded = host
    if "%" in host:
        expanded, repairs = expand(host, _SAMPLE)
        if repairs:
            return "has a malformed placeholder"
        if "%" in expanded:
            return "has an unknown placeholder"
    expanded = expanded.strip().lower()
    if not expanded.isascii():
        expanded = to_ascii_domain(expanded) or ""
    if "." not in expanded or not _is_hostname(expanded):
        return "is not a host name"
    return None
