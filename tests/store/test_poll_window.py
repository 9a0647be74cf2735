"""Which rows of an Odoo poll are new: late commits inside the overlap arrive, repeats are dropped, the
watermark never goes back and the repeat set stays inside the overlap window."""

from __future__ import annotations

import datetime as dt

import pytest

from store.poll_window import PollMark, decode_seen, encode_seen, fresh_rows, odoo_write_date, read_from, shifted

MODEL = "stock.quant"
WATERMARK = "2026-12-06 04:00:00"
SEEN_AT_WATERMARK = frozenset({(MODEL, 7, WATERMARK)})


def mark(**fields) -> PollMark:
    return PollMark("odoo:stock.quant", **{"write_date": WATERMARK, "seen": SEEN_AT_WATERMARK, **fields})


def row(record_id, write_date, **fields):
    return {"id": record_id, "write_date": write_date, **fields}


def ids(page) -> list:
    return [each["id"] for each in page.rows]


def test_a_late_commit_dated_before_the_watermark_but_inside_the_overlap_is_returned():
    page = fresh_rows(mark(), MODEL, [row(3, "2026-12-06 03:56:00")], overlap=300)
    assert ids(page) == [3]
    assert page.mark.write_date == WATERMARK  # the watermark does not go back
    assert (MODEL, 3, "2026-12-06 03:56:00") in page.mark.seen


def test_the_first_second_of_the_overlap_is_inside_it():
    assert ids(fresh_rows(mark(), MODEL, [row(3, "2026-12-06 03:55:00")], overlap=300)) == [3]


def test_a_row_dated_before_the_overlap_is_not_returned():
    page = fresh_rows(mark(), MODEL, [row(3, "2026-12-06 03:54:59")], overlap=300)
    assert page.rows == [] and page.too_old == 1
    assert page.mark == mark()


def test_a_repeat_at_the_same_second_is_dropped_and_a_new_id_at_that_second_kept():
    page = fresh_rows(mark(), MODEL, [row(7, WATERMARK), row(8, WATERMARK)], overlap=300)
    assert ids(page) == [8] and page.repeats == 1
    assert page.mark.seen == {(MODEL, 7, WATERMARK), (MODEL, 8, WATERMARK)}
    assert page.mark.published == 1


def test_the_same_record_changed_again_is_a_new_change():
    page = fresh_rows(mark(), MODEL, [row(7, "2026-12-06 04:00:01")], overlap=300)
    assert ids(page) == [7] and page.mark.write_date == "2026-12-06 04:00:01"


def test_the_same_id_of_another_model_is_no_repeat():
    assert ids(fresh_rows(mark(), "stock.move", [row(7, WATERMARK)], overlap=300)) == [7]


def test_the_watermark_moves_to_the_newest_row_and_the_repeat_set_to_its_overlap():
    old = frozenset({(MODEL, 1, "2026-12-06 03:56:00"), (MODEL, 2, "2026-12-06 03:59:00")})
    page = fresh_rows(mark(seen=old | SEEN_AT_WATERMARK), MODEL,
                      [row(9, "2026-12-06 04:02:00"), row(10, "2026-12-06 04:01:00")], overlap=180)
    assert page.mark.write_date == "2026-12-06 04:02:00"
    # kept: stamped at or after 03:59:00 (the next poll reads those again); 03:56:00 fell out of the window
    assert page.mark.seen == {(MODEL, 2, "2026-12-06 03:59:00"), (MODEL, 7, WATERMARK),
                              (MODEL, 9, "2026-12-06 04:02:00"), (MODEL, 10, "2026-12-06 04:01:00")}


def test_a_repeat_inside_one_page_is_dropped_too():
    page = fresh_rows(mark(), MODEL, [row(8, WATERMARK), row(8, WATERMARK)], overlap=300)
    assert ids(page) == [8] and page.repeats == 1


def test_the_first_poll_takes_everything_and_sets_the_watermark():
    page = fresh_rows(PollMark("odoo:stock.quant"), MODEL,
                      [row(1, "2020-01-01 00:00:00"), row(2, "2026-12-06 04:00:00.123456")], overlap=300)
    assert ids(page) == [1, 2]
    assert page.mark.write_date == "2026-12-06 04:00:00"
    assert page.mark.seen == {(MODEL, 2, "2026-12-06 04:00:00")}


def test_an_empty_page_changes_nothing():
    assert fresh_rows(mark(), MODEL, [], overlap=300).mark == mark()
    assert fresh_rows(PollMark("s"), MODEL, []).mark == PollMark("s")


def test_with_no_overlap_only_the_watermark_second_is_read_again():
    page = fresh_rows(mark(), MODEL, [row(3, "2026-12-06 03:59:59"), row(8, WATERMARK)], overlap=0)
    assert ids(page) == [8] and page.too_old == 1


def test_the_repeat_set_is_capped_at_the_newest_entries():
    rows = [row(number, f"2026-12-06 04:00:{number:02d}") for number in range(10)]
    page = fresh_rows(mark(seen=frozenset()), MODEL, rows, overlap=300, max_seen=3)
    assert len(page.rows) == 10
    assert {each[1] for each in page.mark.seen} == {7, 8, 9}


def test_the_rows_come_back_as_they_were_read():
    page = fresh_rows(mark(), MODEL, [row(8, WATERMARK, quantity=4.0, product_id=[5, "Mug"])], overlap=300)
    assert page.rows == [{"id": 8, "write_date": WATERMARK, "quantity": 4.0, "product_id": [5, "Mug"]}]


@pytest.mark.parametrize("stamp", ["2026-12-06T04:00:00", "06/12/2026 04:00:00", None, False, 1733457600])
def test_a_write_date_not_in_odoo_form_is_refused(stamp):
    with pytest.raises(ValueError):
        fresh_rows(mark(), MODEL, [row(8, stamp)])


@pytest.mark.parametrize("record_id", [None, False, 1.5])
def test_an_id_that_is_no_number_or_text_is_refused(record_id):
    with pytest.raises(ValueError):
        fresh_rows(mark(), MODEL, [row(record_id, WATERMARK)])


def test_a_negative_overlap_is_refused():
    with pytest.raises(ValueError):
        fresh_rows(mark(), MODEL, [], overlap=-1)


def test_read_from_is_the_watermark_minus_the_overlap():
    assert read_from(mark(), 300) == "2026-12-06 03:55:00"
    assert read_from(PollMark("s"), 300) is None and read_from(None) is None
    assert shifted("2026-12-31 23:59:30", 45) == "2027-01-01 00:00:15"


def test_write_dates_are_odoo_text_in_whole_seconds():
    assert odoo_write_date("2026-12-06 04:00:00.999999") == "2026-12-06 04:00:00"
    assert odoo_write_date(dt.datetime(2026, 12, 6, 4, 0, 0, 5)) == "2026-12-06 04:00:00"


def test_the_repeat_set_is_stored_compactly_and_read_back_whole():
    seen = {("stock.quant", 2, WATERMARK), ("stock.quant", 1, WATERMARK), ("stock.move", "x", WATERMARK)}
    text = encode_seen(seen)
    assert text == ('{"stock.move":{"2026-12-06 04:00:00":["x"]},'
                    '"stock.quant":{"2026-12-06 04:00:00":[1,2]}}')
    assert decode_seen(text) == seen
    assert decode_seen(None) == decode_seen("{}") == frozenset()
