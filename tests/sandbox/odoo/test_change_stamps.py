"""Change detection as Odoo keeps it: write_date with microseconds answered in whole seconds, compared as
PostgreSQL compares timestamps, stamped with the transaction's start, and the user who wrote."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.odoo.orm import Database, Env
from sandbox.odoo.seed import seed

START = dt.datetime(2026, 1, 1, 10, 0, 0, 500000, tzinfo=dt.UTC)


class Clock:
    """A clock that moves on by ``step`` each time it is read."""

    def __init__(self, start: dt.datetime, step: float = 0.0) -> None:
        self.now, self.step = start, dt.timedelta(seconds=step)

    def __call__(self) -> dt.datetime:
        now, self.now = self.now, self.now + self.step
        return now


@pytest.fixture
def clocked() -> tuple[Database, Clock]:
    clock = Clock(START - dt.timedelta(days=1))
    database = Database(clock=clock)
    seed(database)
    clock.now = START
    return database, clock


def _in_call(database: Database, action, uid: int = 2):
    with database.transaction():
        return action(Env(database, uid))


def test_write_date_is_kept_with_microseconds_and_read_in_whole_seconds(clocked):
    database, _ = clocked
    partner = _in_call(database, lambda env: env["res.partner"].create({"name": "Ada"}))

    row = _in_call(database, lambda env: env["res.partner"].read([partner], ["write_date", "create_date"]))[0]

    assert database.get("res.partner", partner)["write_date"] == "2026-01-01 10:00:00.500000"
    assert row["write_date"] == row["create_date"] == "2026-01-01 10:00:00"


@pytest.mark.parametrize(("operator", "found"), [(">=", True), (">", True), ("=", False), ("<=", False),
                                                 ("<", False), ("!=", True)])
def test_a_whole_second_compares_with_the_stored_microseconds_as_postgresql_does(clocked, operator, found):
    """"10:00:00" against a stored 10:00:00.5: after it, so >= and > are true, = and <= false."""
    database, _ = clocked
    partner = _in_call(database, lambda env: env["res.partner"].create({"name": "Ada"}))

    ids = _in_call(database, lambda env: env["res.partner"].search(
        [("id", "=", partner), ("write_date", operator, "2026-01-01 10:00:00")]))

    assert (ids == [partner]) is found


def test_every_row_of_a_transaction_gets_its_start_time(clocked):
    database, clock = clocked
    clock.step = dt.timedelta(seconds=2)

    def create_two(env):
        first = env["res.partner"].create({"name": "First"})
        second = env["res.partner"].create({"name": "Second"})
        return first, second
    first, second = _in_call(database, create_two)
    later = _in_call(database, lambda env: env["res.partner"].create({"name": "Later"}))

    stamps = [database.get("res.partner", rid)["write_date"] for rid in (first, second, later)]
    assert stamps[0] == stamps[1] == "2026-01-01 10:00:00.500000"
    assert stamps[2] > stamps[1]


def test_create_uid_and_write_uid_are_the_users_who_created_and_last_wrote(clocked):
    database, _ = clocked
    bridge = _in_call(database, lambda env: env["res.users"].create(
        {"name": "Bridge", "login": "bridge", "password": "s3cret"}))
    partner = _in_call(database, lambda env: env["res.partner"].create({"name": "Ada"}))
    _in_call(database, lambda env: env["res.partner"].write([partner], {"phone": "1"}), uid=bridge)

    row = _in_call(database, lambda env: env["res.partner"].read([partner], ["create_uid", "write_uid"]))[0]

    assert row["create_uid"] == [2, "Administrator"]
    assert row["write_uid"] == [bridge, "Bridge"]


def test_a_user_password_is_write_only(clocked):
    database, _ = clocked
    bridge = _in_call(database, lambda env: env["res.users"].create(
        {"name": "Bridge", "login": "bridge", "password": "s3cret"}))

    row = _in_call(database, lambda env: env["res.users"].read([bridge], ["login", "password"]))[0]

    assert row == {"id": bridge, "login": "bridge", "password": ""}  # as a real Odoo 17 reads it


def test_qty_available_moving_does_not_touch_the_products_write_date(clocked):
    database, clock = clocked
    clock.step = dt.timedelta(seconds=1)
    product = _in_call(database, lambda env: env["product.product"].create({"name": "Box",
                                                                            "detailed_type": "product"}))
    before = database.get("product.product", product)["write_date"]

    def count(env):
        inventory = env.with_context(inventory_mode=True)["stock.quant"]
        quant = inventory.create({"product_id": product, "location_id": env.ref("stock.stock_location_stock"),
                                  "inventory_quantity": 7})
        inventory.action_apply_inventory([quant])
        return quant
    quant = _in_call(database, count)

    assert database.get("product.product", product)["write_date"] == before
    assert database.get("stock.quant", quant)["write_date"] > before
