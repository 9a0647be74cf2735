"""Odoo search domains: normalisation (Polish notation, implicit AND) and compilation into a predicate.

The pure part of the sandbox's search: leaves are turned into predicates by a ``compile_leaf`` callable
that the ORM provides (it knows fields and relations); this module owns the operators' grammar, the
``&``/``|``/``!`` structure and SQL ``LIKE`` patterns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

AND, OR, NOT = "&", "|", "!"
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
TERM_OPERATORS = ("=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like",
                  "ilike", "not ilike", "in", "not in", "child_of", "parent_of")
NEGATIVE_OPERATORS = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}

Leaf = tuple[Any, str, Any]
Predicate = Callable[[dict], bool]


def is_leaf(token: Any) -> bool:
    if not isinstance(token, (list, tuple)) or len(token) != 3:
        return False
    left, operator, _ = token
    if tuple(token) in (TRUE_LEAF, FALSE_LEAF):
        return True
    return isinstance(left, str) and isinstance(operator, str) and operator.lower() in TERM_OPERATORS


def normalize(domain: Any) -> list:
    """Odoo's ``normalize_domain``: explicit ``&`` for implicit ANDs; a malformed domain raises like Odoo."""
    if not isinstance(domain, (list, tuple)):
        raise ValueError(f"Invalid domain: {domain!r}")
    if not domain:
        return [TRUE_LEAF]
    result: list = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = [AND]
            expected = 1
        if isinstance(token, (list, tuple)):
            if not is_leaf(token):
                raise ValueError(f"Invalid leaf {tuple(token)}")
            expected -= 1
            left, operator, right = token
            token = (left, operator.lower(), right)
        elif token in (AND, OR):
            expected += 1
        elif token != NOT:
            raise ValueError(f"Invalid leaf {token}")
        result.append(token)
    if expected != 0:
        raise AssertionError(f"This domain is syntactically not correct: {list(domain)}")
    return result


def leaves(domain: list) -> Iterator[Leaf]:
    for token in domain:
        if isinstance(token, tuple):
            yield token


def mentions(domain: list, field: str) -> bool:
    """Whether any leaf of ``domain`` is on ``field`` (Odoo drops the implicit active filter then)."""
    return any(isinstance(left, str) and left.split(".")[0] == field for left, _, _ in leaves(domain))


def compile_domain(domain: Any, compile_leaf: Callable[[Leaf], Predicate]) -> Predicate:
    """A predicate over stored records; leaves are compiled once, before any record is looked at."""
    tokens = iter(normalize(domain))

    def parse() -> Predicate:
        token = next(tokens)
        if token == NOT:
            inner = parse()
            return lambda record: not inner(record)
        if token in (AND, OR):
            first, second = parse(), parse()
            if token == AND:
                return lambda record: first(record) and second(record)
            return lambda record: first(record) or second(record)
        if token == TRUE_LEAF:
            return lambda record: True
        if token == FALSE_LEAF:
            return lambda record: False
        return compile_leaf(token)

    return parse()


def conjunction_leaves(domain: list) -> list[Leaf] | None:
    """The leaves of a domain made only of ANDs (usable to narrow a search by index), else None."""
    if any(token in (OR, NOT) for token in domain):
        return None
    return [token for token in domain if isinstance(token, tuple)]


def like_pattern(operator: str, value: str) -> re.Pattern:
    """A regex for SQL ``LIKE``: ``like``/``ilike`` wrap the value in ``%``; ``=like``/``=ilike`` use it as is."""
    pattern = value if operator.startswith("=") else f"%{value}%"
    flags = re.IGNORECASE | re.DOTALL if "ilike" in operator else re.DOTALL
    return re.compile(_like_to_regex(pattern), flags)


def _like_to_regex(pattern: str) -> str:
    out = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "^" + "".join(out) + "$"


def is_unset(value: Any) -> bool:
    """SQL NULL as the sandbox stores it: False, None, empty text or an empty relation."""
    return value is None or value is False or value == "" or value == [] or value == ()


def compare(operator: str, stored: Any, value: Any) -> bool:
    """``<``, ``>``, ``<=``, ``>=`` with SQL semantics (a NULL side is never true)."""
    if stored is None or stored is False or stored == "" or value is None or value is False:
        return False
    try:
        if operator == "<":
            return stored < value
        if operator == ">":
            return stored > value
        if operator == "<=":
            return stored <= value
        return stored >= value
    except TypeError:
        return False


TIMED = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
                   r"(?:Z|[+-]\d{2}(?::?\d{2})?)?$")


def instant(value: Any) -> Any:
    """A datetime text as PostgreSQL compares timestamps (``10:00:00.5`` after ``10:00:00``); other values as is.

    As a real Odoo 17 over PostgreSQL: ISO ``T`` texts and ``HH:MM`` are taken, and a ``Z``/``+05:00`` offset is
    ignored (``timestamp without time zone``), so ``"2026-12-06T05:52:13+05:00"`` is 05:52:13.
    """
    if isinstance(value, (list, tuple)):
        return [instant(item) for item in value]
    if not isinstance(value, str):
        return value
    timed = TIMED.match(value)
    text = f"{timed['day']} {timed['time']}" if timed else value
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return value
