"""Hypothesis strategies for the receiver fuzzer: hostile and half-valid requests, often correctly signed.

A request is (path, headers, body). Bodies range from random bytes to notifications whose every field is
fuzzed (unicode, control characters, sizes around the limits, extreme times); most are signed correctly so
they reach validation, publishing and duplicate detection, not just the 401.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from bridge.signatures import sign
from core.entities import ACTIONS, ENTITIES, KEY_TYPES, SOURCES
from tests.bridge.conftest import SECRET, TOKEN

Request = tuple[str, dict[str, str], bytes]
_SERIAL = itertools.count()
# Mostly unique ids, so most valid notifications are new; one in ten is one of a few, to hit duplicates.
_IDS = st.one_of(*[st.builds(lambda: f"fuzz-{next(_SERIAL)}")] * 9, st.integers(0, 20).map("fuzz-again-{}".format))

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_NASTY_TEXT = st.one_of(
    _TEXT,
    st.text(st.characters(min_codepoint=0, max_codepoint=0x9f), max_size=20),  # C0, DEL, C1
    st.text(st.sampled_from("éè€😀\u202e\ufeff\u0085 \t"), min_size=100, max_size=300),  # byte limits
    st.sampled_from(["", " ", "é" * 255, "é" * 127 + "e", "x" * 255, "x" * 256, "\ud800", "a\x00b", "evt-1"]),
)
_MOMENTS = st.one_of(
    st.none(), _TEXT,
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00Z",
                     "9999-12-31T23:59:59", "2026-03-02T09:15:27.120Z", "2026-02-30T00:00:00", "soon"]),
)
_KEYS = st.one_of(
    _NASTY_TEXT, st.integers(min_value=-2**70, max_value=2**70), st.floats(allow_nan=False), st.booleans(),
    st.none(), st.lists(st.integers(), max_size=2), st.sampled_from(["MB-01", "42", "1" * 21, "€" * 341]),
)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=12)


@st.composite
def notifications(draw: st.DrawFn) -> dict[str, Any]:
    """The bridge's own format: a valid notification with none, one or several fields made hostile or absent."""
    entity = draw(st.sampled_from(ENTITIES))
    valid = {"id": draw(_IDS), "entity": entity, "action": draw(st.sampled_from(ACTIONS)),
             "key": draw(st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1,
                                 max_size=30).filter(str.strip)) if entity in ("product", "stock")
             else draw(st.integers(1, 10**9)),
             "occurred_at": "2026-03-02T09:15:27.120Z"}
    hostile = {
        "id": st.one_of(_NASTY_TEXT, st.integers(), st.none()),
        "entity": _TEXT, "action": _TEXT, "key": _KEYS, "occurred_at": _MOMENTS,
        "store_code": st.one_of(st.none(), _TEXT, st.just("x" * 65)),
        "source": st.one_of(st.sampled_from(SOURCES), _TEXT),
        "key_type": st.one_of(st.none(), st.sampled_from(tuple(KEY_TYPES)), _TEXT),
    }
    changed = draw(st.sets(st.sampled_from(sorted(hostile)), max_size=3))
    removed = draw(st.sets(st.sampled_from(sorted(valid)), max_size=1)) if draw(st.integers(0, 5)) == 0 else set()
    data = {**valid, **{name: draw(hostile[name]) for name in changed}}
    return {name: value for name, value in data.items() if name not in removed}


@st.composite
def adobe_events(draw: st.DrawFn) -> dict[str, Any]:
    """A CloudEvent shaped like Adobe's, with fuzzed ids, types and record fields."""
    event_type = draw(st.one_of(st.sampled_from([
        "com.adobe.commerce.observer.catalog_product_save_commit_after",
        "com.adobe.commerce.observer.cataloginventory_stock_item_save_commit_after",
        "com.adobe.commerce.observer.sales_order_save_commit_after"]), _NASTY_TEXT))
    value = draw(st.dictionaries(st.sampled_from(["sku", "product_sku", "entity_id", "id", "product_id"]),
                                 _KEYS, max_size=3))
    return {"specversion": "1.0", "type": event_type, "event_id": draw(st.one_of(_NASTY_TEXT, _IDS)),
            "time": draw(_MOMENTS), "recipient_client_id": draw(st.sampled_from(["fuzz-client"] * 4 + ["other", None])),
            "data": draw(st.one_of(st.just({"value": value}), _JSON))}


def _bodies(payload: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        payload.map(lambda data: json.dumps(data).encode()),
        payload.map(lambda data: json.dumps(data).encode()),
        payload.map(lambda data: json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        _JSON.map(lambda data: json.dumps(data).encode()),
        st.binary(max_size=300),
        st.sampled_from([b"", b"{", b"[" * 5000, b'{"id": NaN}', b"\xff\xfe", b'{"a":1e999}', b"[]"]),
    )


def _magento_auth(draw: st.DrawFn, body: bytes) -> dict[str, str]:
    """Headers proving (or failing to prove) who sent ``body``."""
    msg_id = draw(st.one_of(st.just("msg-1"), st.text(st.characters(codec="latin-1", exclude_characters="\r\n"),
                                                      max_size=20)))
    stamp = str(int(time.time())) if draw(st.integers(0, 3)) else draw(st.one_of(
        st.sampled_from(["9" * 309, "0", "-1", "1e9", ""]), st.integers(min_value=0, max_value=10**20).map(str)))
    kind = draw(st.sampled_from(["signed"] * 7 + ["bearer", "bearer", "bad-bearer", "bad-signature", "none"]))
    if kind == "signed" and stamp.isdigit() and len(stamp) < 20:
        return {"webhook-id": msg_id, "webhook-timestamp": stamp,
                "webhook-signature": sign(SECRET, msg_id, stamp, body)}
    if kind == "bearer":
        return {"Authorization": f"Bearer {TOKEN}"}
    if kind == "bad-bearer":
        return {"Authorization": draw(st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40))}
    if kind == "bad-signature":
        return {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": draw(
            st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=80))}
    return {}


_CONTENT_TYPES = st.sampled_from(["application/json"] * 6 + ["application/json; charset=utf-8", "APPLICATION/JSON",
                                  "application/cloudevents+json", "text/plain", "", "multipart/form-data; boundary=x"])


def requests(adobe_sign: Callable[[bytes], str]) -> st.SearchStrategy[Request]:
    """Any request to either notification endpoint."""
    @st.composite
    def build(draw: st.DrawFn) -> Request:
        adobe = draw(st.integers(0, 3)) == 0
        body = draw(_bodies(st.one_of(adobe_events(), st.lists(adobe_events(), max_size=3)) if adobe
                            else notifications()))
        if adobe:
            headers = {f"x-adobe-digital-signature-{draw(st.sampled_from('12'))}":
                       draw(st.one_of(st.just(adobe_sign(body)), st.just(adobe_sign(body)),
                                      st.text(st.characters(codec="ascii", exclude_characters="\r\n"), max_size=30)))}
        else:
            headers = _magento_auth(draw, body)
        content_type = draw(_CONTENT_TYPES)
        if content_type:
            headers["Content-Type"] = content_type
        return ("/webhooks/adobe-io" if adobe else "/webhooks/magento", headers, body)
    return build()
