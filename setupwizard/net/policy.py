"""Where a redirect may lead: the one rule (README, "Security").

A redirect - an HTTP ``Location`` from any source, an Autodiscover
``redirectUrl``, every URL of the round after an Autodiscover
``redirectAddr`` - never leads to an internal address (loopback, link-local,
private, unspecified, multicast, reserved, otherwise not global; IPv4 inside
IPv6 counts as IPv4) unless the user named that address.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable


def is_internal_address(address: str) -> bool:
    """True for an address no redirect from the internet should lead to:
    loopback, link-local, private (RFC 1918, ULA, shared 100.64/10),
    unspecified, multicast, reserved, and IPv4 addresses hidden in IPv6
    (mapped, 6to4, Teredo) that are one of these. An unparsable address
    counts as internal."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and is_internal_address(str(inner)):
            return True
    return (not ip.is_global or ip.is_loopback or ip.is_link_local or ip.is_private
            or ip.is_unspecified or ip.is_multicast or ip.is_reserved)


def internal_redirect_refusal(addresses: Iterable[str],
                              allowed: Iterable[str]) -> str | None:
    """None when a redirect may go to a host with ``addresses``, else the
    first forbidden address: an internal one (:func:`is_internal_address`)
    outside ``allowed``, the addresses and networks the user named (names
    there must already be resolved by the caller)."""
    networks = []
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            continue
    for address in addresses:
        if not is_internal_address(address):
            continue
        try:
            ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
        except ValueError:
            return address
        mapped = getattr(ip, "ipv4_mapped", None)
        if not any(ip in net or (mapped is not None and mapped in net) for net in networks):
            return address
    return None


def is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return False
    return True
