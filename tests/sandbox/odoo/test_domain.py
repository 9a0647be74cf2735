"""Domain grammar: Odoo's normalisation, Polish-notation evaluation and LIKE patterns."""

from __future__ import annotations

import pytest

from sandbox.odoo import domain as domains

A, B, C = ("a", "=", 1), ("b", "=", 1), ("c", "=", 1)


def test_normalize_makes_implicit_ands_explicit():
    assert domains.normalize([A, B, C]) == ["&", "&", A, B, C]
    assert domains.normalize(["|", A, B, C]) == ["&", "|", A, B, C]
    assert domains.normalize([]) == [domains.TRUE_LEAF]


def test_normalize_lowercases_operators_and_accepts_lists():
    assert domains.normalize([["name", "ILIKE", "x"]]) == [("name", "ilike", "x")]


@pytest.mark.parametrize("domain", [[("a", "~", 1)], [("a", "=")], ["^", A, B], [42]])
def test_invalid_leaves_raise_valueerror(domain):
    with pytest.raises(ValueError, match="Invalid leaf"):
        domains.normalize(domain)


@pytest.mark.parametrize("domain", [["|", A], ["&"], ["!", "!"]])
def test_incomplete_domains_are_syntactically_not_correct(domain):
    with pytest.raises(AssertionError, match="This domain is syntactically not correct"):
        domains.normalize(domain)


def _matches(domain, record):
    return domains.compile_domain(domain, lambda leaf: lambda rec: rec.get(leaf[0]) == leaf[2])(record)


@pytest.mark.parametrize(("domain", "record", "expected"), [
    ([A, B], {"a": 1, "b": 1}, True),
    ([A, B], {"a": 1, "b": 0}, False),
    (["|", A, B], {"a": 0, "b": 1}, True),
    (["!", A], {"a": 1}, False),
    (["|", "!", A, "&", B, C], {"a": 1, "b": 1, "c": 1}, True),
    (["|", "!", A, "&", B, C], {"a": 1, "b": 1, "c": 0}, False),
    ([domains.FALSE_LEAF], {}, False),
])
def test_compiled_domains_follow_polish_notation(domain, record, expected):
    assert _matches(domain, record) is expected


def test_leaves_are_compiled_once_before_any_record_is_tested():
    compiled = []
    domains.compile_domain([A, B], lambda leaf: compiled.append(leaf) or (lambda rec: True))

    assert compiled == [A, B]


@pytest.mark.parametrize(("operator", "pattern", "value", "expected"), [
    ("like", "ob", "Bob", True),
    ("like", "OB", "Bob", False),
    ("ilike", "OB", "Bob", True),
    ("=like", "B_b", "Bob", True),
    ("=like", "B%", "Bob", True),
    ("=like", "B", "Bob", False),
    ("=ilike", "bob", "BOB", True),
    ("=like", "a\\_b", "a_b", True),
    ("=like", "a\\_b", "axb", False),
    ("like", "x.y", "axyb", False),
])
def test_like_patterns_follow_sql(operator, pattern, value, expected):
    assert bool(domains.like_pattern(operator, pattern).match(value)) is expected


def test_mentions_finds_a_field_in_any_leaf_or_path():
    assert domains.mentions(domains.normalize(["|", ("active", "=", False), A]), "active")
    assert domains.mentions(domains.normalize([("active.x", "=", 1)]), "active")
    assert not domains.mentions(domains.normalize([A]), "active")


def test_compare_never_matches_unset_values():
    assert domains.compare("<", 1, 2) and not domains.compare("<", False, 2) and not domains.compare(">", 3, None)
