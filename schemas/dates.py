"""A calendar date field: Magento's date attributes (``dob``, ``special_from_date``) as ``YYYY-MM-DD``."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00)?$")
_NO_DATE = frozenset({"", "0000-00-00", "0000-00-00 00:00:00"})


def date_text(value: Any) -> str | None:
    """``YYYY-MM-DD`` from Magento's date (some versions add `` 00:00:00``); None for its "no date" forms."""
    if not isinstance(value, str):
        raise ValidationError(f"Not a date: {value!r}.")
    if value.strip() in _NO_DATE:
        return None
    match = _DATE.match(value.strip())
    if not match:
        raise ValidationError(f"Not a date (YYYY-MM-DD): {value!r}.")
    return match.group(1)


class Date(fields.Field[str | None]):
    """A calendar date (no time of day, no time zone) as ``YYYY-MM-DD``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        return date_text(value)
