"""The audits (sql/audit_*.sql) return the bad rows of a build: each one must fire on the damage
it guards against, and stay empty on a good build."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from ratingkit import CST, add_bulk_calls, add_events, bill, new_con

from ocrbill.rate import RatingError, run_audits

OCT = datetime(2026, 10, 2, 9, 0, tzinfo=CST)


def billed_con():
    """October of u1: the free 1000, then a 500-unit paid pack, then postpaid."""
    con = new_con()
    add_events(con, [{"event_type": "pack_purchase", "pack_id": "p1", "owner_uin": "u1", "billing_item": "身份证识别",
                      "size": 500, "price": Decimal("100"), "purchased_at": OCT - timedelta(days=1)}])
    add_bulk_calls(con, prefix="c", count=1800, owner="u1", action="IDCardOCR", start=OCT, step_seconds=60)
    bill(con, "2026-10")
    return con


def test_audits_pass_on_a_good_build():
    run_audits(billed_con())  # raises on any bad row


@pytest.mark.parametrize(
    ("damage", "audit"),
    [
        ("UPDATE bill_lines SET postpaid_units = postpaid_units + 1 WHERE charge_type = 'usage'",
         "audit_bill_lines_reconcile"),
        ("UPDATE int_free_draws SET residual_units = residual_units + 1 WHERE residual_units > 0",
         "audit_call_split"),
        ("UPDATE int_paid_draws SET units = units - 1 WHERE pack_id IS NOT NULL", "audit_call_split"),
        ("UPDATE int_pack_usage SET units = units + 500 WHERE pack_id = 'p1'", "audit_pack_overdraw"),
        ("INSERT INTO int_free_packs SELECT pack_id || '-twin', * EXCLUDE (pack_id) FROM int_free_packs",
         "audit_free_packs_overlap"),
        ("UPDATE bill_summary SET total_amount = total_amount + 0.01", "audit_bill_summary_reconcile"),
        ("UPDATE bill_summary SET usage_amount = usage_amount * 2", "audit_bill_summary_reconcile"),
        ("DELETE FROM bill_summary", "audit_bill_summary_reconcile"),
    ],
)
def test_each_audit_fires_on_its_damage(damage, audit):
    con = billed_con()
    con.execute(damage)
    with pytest.raises(RatingError, match=audit):
        run_audits(con)
