"""errors.py: the DNS error kinds are defined once and the tree names them."""

from __future__ import annotations

from setupwizard import errors


def test_dns_kinds_are_split_into_name_answers_and_server_trouble():
    assert set(errors.DNS_ABOUT_THE_NAME).isdisjoint(errors.DNS_SERVER_TROUBLE)
    assert set(errors.DNS_KINDS) == set(errors.DNS_ABOUT_THE_NAME) | set(
        errors.DNS_SERVER_TROUBLE)
    assert len(set(errors.DNS_KINDS)) == len(errors.DNS_KINDS)


def test_the_tree_in_the_docstring_names_every_dns_kind():
    tree = errors.__doc__ or ""
    start = tree.index("DNSError")
    entry = tree[start:tree.index("NetTimeout", start)]
    for kind in errors.DNS_KINDS:
        assert kind in entry, kind
