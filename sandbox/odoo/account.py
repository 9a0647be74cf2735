"""Sandbox models of Odoo 17's account module: taxes, journals, journal entries (invoices, credit notes)."""

from __future__ import annotations

from typing import Any

from sandbox.odoo.errors import UserError
from sandbox.odoo.fields import (
    Boolean,
    Char,
    Date,
    Field,
    Float,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register, rpc
from sandbox.odoo.rounding import DISCOUNT_DIGITS, PRICE_DIGITS, UOM_DIGITS
from sandbox.odoo.tax import TaxLine, compute_line, currency_rounding, document_totals
from sandbox.odoo.uom import product_unit

MOVE_TYPES = ("entry", "out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt")
SALE_TYPES = ("out_invoice", "out_refund", "out_receipt")
SEQUENCE_PREFIX = {"out_invoice": "INV", "out_refund": "RINV", "in_invoice": "BILL", "in_refund": "RBILL",
                   "entry": "MISC", "out_receipt": "RCPT", "in_receipt": "RCPT"}
LINE_TYPES = ("product", "cogs", "tax", "discount", "rounding", "payment_term", "line_section", "line_note",
              "epd")


@register
class Journal(Model):
    _name, _description = "account.journal", "Journal"
    _declared = {"name": Char("Journal Name", required=True), "code": Char("Short Code", required=True),
                 "type": Selection(("sale", "purchase", "cash", "bank", "general"), "Type", required=True)}


def default_from_product(line_model: Model, vals: dict, taxes_field: str) -> bool:
    """Default a new invoice or sales line's label, unit price and taxes from its product; whether it has one."""
    product = line_model.db.get("product.product", vals.get("product_id"))
    if product is None:
        return False
    variants = line_model.env["product.product"]
    vals.setdefault("name", variants._display(product))
    vals.setdefault("price_unit", variants._value(product, "list_price"))
    vals.setdefault(taxes_field, [(6, 0, variants._value(product, "taxes_id"))])
    return True


def _default_currency(model: Model) -> int:
    return model.db.get("res.company", model.env.ref("base.main_company"))["currency_id"]


class DocumentAmounts:
    """``amount_untaxed``, ``amount_tax`` and ``amount_total`` of a document from its ``_totals`` (an invoice or
    credit memo, a sale order)."""

    def _totals(self, record: dict) -> tuple[float, float, float]:
        raise NotImplementedError

    def _compute_amount_untaxed(self, record: dict) -> float:
        return self._totals(record)[0]

    def _compute_amount_tax(self, record: dict) -> float:
        return self._totals(record)[1]

    def _compute_amount_total(self, record: dict) -> float:
        return self._totals(record)[2]


@register
class Move(DocumentAmounts, Model):
    _name, _description = "account.move", "Journal Entry"
    _order = "date desc, name desc, id desc"
    _declared = {
        "name": Char("Number", default="/", index=True), "ref": Char("Reference", index=True),
        "move_type": Selection(MOVE_TYPES, "Type", required=True, default="entry"),
        "state": Selection(("draft", "posted", "cancel"), "Status", required=True, default="draft"),
        "partner_id": Many2one("res.partner", "Partner"), "invoice_origin": Char("Origin"),
        "invoice_date": Date("Invoice/Bill Date"), "date": Date("Date", required=True),
        "journal_id": Many2one("account.journal", "Journal", required=True),
        "currency_id": Many2one("res.currency", "Currency", required=True, default=_default_currency),
        "invoice_line_ids": One2many("account.move.line", "move_id", "Invoice lines"),
        "line_ids": One2many("account.move.line", "move_id", "Journal Items"),
        "payment_state": Selection(("not_paid", "in_payment", "paid", "partial", "reversed"), "Payment Status",
                                   default="not_paid"),
        "posted_before": Boolean("Posted Before"), "narration": Text("Terms and Conditions"),
        "reversed_entry_id": Many2one("account.move", "Reversal of"),
        "amount_untaxed": Field("monetary", "Untaxed Amount", compute="_compute_amount_untaxed", store=True),
        "amount_tax": Field("monetary", "Tax", compute="_compute_amount_tax", store=True),
        "amount_total": Field("monetary", "Total", compute="_compute_amount_total", store=True),
    }

    def _prepare_create(self, vals: dict) -> dict:
        vals.setdefault("date", vals.get("invoice_date") or self.env.today())
        if not vals.get("journal_id"):
            kind = "sale" if vals.get("move_type") in SALE_TYPES else "general"
            journals = self.env["account.journal"].search([("type", "=", kind)], limit=1)
            vals["journal_id"] = journals[0] if journals else False
        return vals

    def _lines(self, record: dict) -> list[dict]:
        return [self.db.get("account.move.line", lid) for lid in self._value(record, "invoice_line_ids")]

    def _totals(self, record: dict) -> tuple[float, float, float]:
        lines = self.env["account.move.line"]
        amounts = [lines._amounts(line) for line in self._lines(record) if line["display_type"] == "product"]
        return document_totals(amounts, currency_rounding(self, record["currency_id"]))

    def _before_unlink(self, ids: list[int]) -> None:
        for rid in ids:
            if self.db.get(self._name, rid)["posted_before"]:
                raise UserError("You cannot delete an entry which has been posted once.")

    def _after_create(self, rid: int, vals: dict) -> None:
        """Odoo 17's ``_compute_name``: the first entry of its sequence (journal, type, year) is numbered at
        creation even in draft; the next drafts stay "/" until posted."""
        record = self.db.get(self._name, rid)
        if record["name"] in ("/", False) and record["state"] == "draft" and self._sequence_empty(record):
            self._set(rid, name=self._next_name(record))

    def _sequence(self, record: dict) -> str:
        """The prefix of the entry's numbers: ``INV/2024/`` (type and year of its date)."""
        return f"{SEQUENCE_PREFIX[record['move_type']]}/{(record.get('invoice_date') or record['date'])[:4]}/"

    def _sequence_empty(self, record: dict) -> bool:
        return not self.search([("journal_id", "=", record["journal_id"]), ("id", "!=", record["id"]),
                                ("name", "=like", self._sequence(record) + "%")], limit=1)

    def _next_name(self, record: dict) -> str:
        """The number after the last one of the entry's sequence (Odoo 17 reads it from the entries, no gap)."""
        prefix = self._sequence(record)
        named = self.search([("journal_id", "=", record["journal_id"]), ("name", "=like", prefix + "%")])
        numbers = [int(tail) for mid in named if (tail := self.db.get(self._name, mid)["name"][len(prefix):]).isdigit()]
        return f"{prefix}{max(numbers, default=0) + 1:05d}"

    @rpc("records")
    def action_post(self, ids: Any) -> bool:
        """Post draft entries, numbering those still "/" (INV/2024/00001); returns False, as Odoo 17 does."""
        for rid in self._ids(ids):
            record = self._record(rid)
            self._check_postable(record)
            if record["name"] in ("/", False):
                record = {**record, "name": self._next_name(record)}
            self._set(rid, state="posted", posted_before=True, name=record["name"],
                      invoice_date=record.get("invoice_date") or self.env.today())
        return False

    def _check_postable(self, record: dict) -> None:
        """Odoo 17's ``_post`` checks, in its order and with its texts."""
        if record["move_type"] != "entry" and self._compute_amount_total(record) < 0:
            raise UserError("You cannot validate an invoice with a negative total amount. You should create a "
                            "credit note instead. Use the action menu to transform it into a credit note or refund.")
        if record["move_type"] in SALE_TYPES and not record.get("partner_id"):
            raise UserError("The field 'Customer' is required, please complete it to validate the Customer Invoice.")
        if record["state"] in ("posted", "cancel"):
            raise UserError(f"The entry {record['name']} (id {record['id']}) must be in draft.")
        if not [line for line in self._lines(record) if line["display_type"] not in ("line_section", "line_note")]:
            raise UserError("You need to add a line before posting.")
        currency = self.db.get("res.currency", record["currency_id"])
        if currency is not None and not currency["active"]:
            raise UserError(f"You cannot validate a document with an inactive currency: {currency['name']}")

    @rpc("records")
    def button_draft(self, ids: Any) -> None:
        for rid in self._ids(ids):
            if self._record(rid)["state"] in ("posted", "cancel"):
                self._set(rid, state="draft")

    @rpc("records")
    def button_cancel(self, ids: Any) -> None:
        """Cancel entries; posted ones are reset to draft first (Odoo 17's shortcut)."""
        ids = self._ids(ids)
        self.button_draft([rid for rid in ids if self._record(rid)["state"] == "posted"])
        if any(self._record(rid)["state"] != "draft" for rid in ids):
            raise UserError("Only draft journal entries can be cancelled.")
        for rid in ids:
            self._set(rid, state="cancel")


@register
class MoveLine(Model):
    _name, _description = "account.move.line", "Journal Item"
    _order = "move_id, sequence, id"
    _declared = {
        "move_id": Many2one("account.move", "Journal Entry", required=True, ondelete="cascade"),
        "sequence": Float("Sequence", default=10), "name": Char("Label"),
        "product_id": Many2one("product.product", "Product", ondelete="restrict"),
        "quantity": Float("Quantity", default=1.0, digits=UOM_DIGITS),
        "product_uom_id": Many2one("uom.uom", "Unit of Measure"),
        "price_unit": Float("Unit Price", digits=PRICE_DIGITS),
        "discount": Float("Discount (%)", digits=DISCOUNT_DIGITS), "tax_ids": Many2many("account.tax", "Taxes"),
        "currency_id": Many2one("res.currency", "Currency", related="move_id.currency_id"),
        "sale_line_ids": Many2many("sale.order.line", "Sales Order Lines"),
        "display_type": Selection(LINE_TYPES, "Display Type", default="product"),
        "parent_state": Selection(("draft", "posted", "cancel"), related="move_id.state"),
        "price_subtotal": Field("monetary", "Subtotal", compute="_compute_price_subtotal", store=True),
        "price_total": Field("monetary", "Total", compute="_compute_price_total", store=True),
    }

    def _prepare_create(self, vals: dict) -> dict:
        product_unit(self, vals, "product_uom_id")
        default_from_product(self, vals, "tax_ids")
        return vals

    def _before_unlink(self, ids: list[int]) -> None:
        for rid in ids:
            if self._value(self.db.get(self._name, rid), "parent_state") == "posted":
                raise UserError("You cannot delete an item linked to a posted entry.")

    def _amounts(self, record: dict) -> TaxLine:
        """``_compute_totals``: the line's amounts in its entry's currency."""
        move = self.db.get("account.move", record["move_id"])
        return compute_line(self, record.get("tax_ids"), record["price_unit"], record["quantity"],
                            record["discount"], move["currency_id"] if move else False)

    def _compute_price_subtotal(self, record: dict) -> Any:
        return self._amounts(record).total_excluded if record["display_type"] == "product" else False

    def _compute_price_total(self, record: dict) -> Any:
        return self._amounts(record).total_included if record["display_type"] == "product" else False
