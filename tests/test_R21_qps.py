"""R21 QPS add-on packs: pricing, quantity and class caps of `int_qps_orders` (ocrbill.qps)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from ratingkit import CST, add_events, new_con

from ocrbill.qps import build_qps_orders

PURCHASED = datetime(2026, 2, 20, 10, 0, tzinfo=CST)


def qps_order(order_id: str, qps: int, start: date, end: date, *, owner: str = "u1", action: str = "IDCardOCR",
              period: str = "day", purchased: datetime = PURCHASED) -> dict[str, Any]:
    """A qps_purchase event row, as events.py stores it."""
    return {"event_type": "qps_purchase", "order_id": order_id, "owner_uin": owner, "action": action, "qps": qps,
            "start_date": start, "end_date": end, "period": period, "purchased_at": purchased}


def orders(rows: list[dict[str, Any]], con=None) -> dict[str, dict[str, Any]]:
    """Build int_qps_orders from these events; order_id → row."""
    con = con or new_con()
    add_events(con, rows)
    build_qps_orders(con)
    rel = con.execute("SELECT * FROM int_qps_orders")
    names = [d[0] for d in rel.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in rel.fetchall()}


def statuses(result: dict[str, dict[str, Any]]) -> dict[str, str]:
    """order_id → status."""
    return {order_id: row["status"] for order_id, row in result.items()}


# --- the seed's examples ----------------------------------------------------------------------

def test_R21_seed_example_80_qps_id_card_5_days_is_5200():
    row = orders([qps_order("q1", 80, date(2026, 7, 1), date(2026, 7, 5),
                            purchased=datetime(2026, 6, 30, 9, 0, tzinfo=CST))])["q1"]
    assert (row["qps_class"], row["quantity"], row["unit_price"]) == ("A", 5, Decimal("13.00"))
    assert row["amount"] == Decimal("5200.00")
    assert (row["status"], row["reason"], row["billing_month"]) == ("accepted", None, "2026-06")


def test_R21_seed_cap_example_50_more_accepted_51_rejected():
    first = qps_order("q1", 50, date(2026, 3, 1), date(2026, 3, 4))
    ok = orders([first, qps_order("q2", 50, date(2026, 3, 2), date(2026, 3, 7),
                                  purchased=datetime(2026, 2, 21, tzinfo=CST))])
    assert statuses(ok) == {"q1": "accepted", "q2": "accepted"}
    over = orders([first, qps_order("q2", 51, date(2026, 3, 2), date(2026, 3, 7),
                                    purchased=datetime(2026, 2, 21, tzinfo=CST))])
    assert statuses(over) == {"q1": "accepted", "q2": "rejected"}
    assert over["q2"]["reason"] == "cap_exceeded: 2026-03-02 would reach 101 > 100 (class A)"
    assert over["q2"]["amount"] is None


def test_R21_rejected_order_does_not_count_for_later_orders():
    result = orders([
        qps_order("q1", 50, date(2026, 3, 1), date(2026, 3, 4), purchased=datetime(2026, 2, 20, tzinfo=CST)),
        qps_order("q2", 100, date(2026, 3, 2), date(2026, 3, 7), purchased=datetime(2026, 2, 21, tzinfo=CST)),
        qps_order("q3", 50, date(2026, 3, 2), date(2026, 3, 7), purchased=datetime(2026, 2, 22, tzinfo=CST)),
    ])
    assert statuses(result) == {"q1": "accepted", "q2": "rejected", "q3": "accepted"}
    assert result["q2"]["reason"] == "cap_exceeded: 2026-03-02 would reach 150 > 100 (class A)"


def test_R21_cap_reason_names_the_first_day_over_the_cap():
    # q3's own first day is fine (50 + 50); the first day over the cap is where q2 starts too.
    result = orders([
        qps_order("q1", 50, date(2026, 3, 1), date(2026, 3, 10), purchased=datetime(2026, 2, 20, tzinfo=CST)),
        qps_order("q2", 30, date(2026, 3, 5), date(2026, 3, 6), purchased=datetime(2026, 2, 21, tzinfo=CST)),
        qps_order("q3", 50, date(2026, 3, 1), date(2026, 3, 8), purchased=datetime(2026, 2, 22, tzinfo=CST)),
    ])
    assert statuses(result) == {"q1": "accepted", "q2": "accepted", "q3": "rejected"}
    assert result["q3"]["reason"] == "cap_exceeded: 2026-03-05 would reach 130 > 100 (class A)"


def test_R21_a_single_order_above_the_cap_is_rejected():
    row = orders([qps_order("q1", 101, date(2026, 3, 1), date(2026, 3, 1))])["q1"]
    assert (row["status"], row["reason"]) == ("rejected", "cap_exceeded: 2026-03-01 would reach 101 > 100 (class A)")


# --- price tiers and quantity -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("qps", "per_day", "per_month"),
    [(1, "15.00", "300.00"), (9, "15.00", "300.00"), (10, "13.00", "280.00"),
     (99, "13.00", "280.00"), (100, "12.00", "240.00")],
)
def test_R21_tier_boundaries_class_A(qps, per_day, per_month):
    result = orders([
        qps_order("d", qps, date(2026, 3, 1), date(2026, 3, 2)),
        qps_order("m", qps, date(2026, 4, 1), date(2026, 4, 30), period="month"),
    ])
    assert (result["d"]["unit_price"], result["d"]["amount"]) == (Decimal(per_day), Decimal(per_day) * qps * 2)
    assert (result["m"]["unit_price"], result["m"]["amount"]) == (Decimal(per_month), Decimal(per_month) * qps)


@pytest.mark.parametrize(
    ("action", "qps", "per_day"),
    [("GeneralAccurateOCR", 9, "30.00"), ("EnglishOCR", 10, "27.00"), ("ClassifyStoreName", 9, "60.00"),
     ("RecognizeStoreName", 10, "55.00")],
)
def test_R21_class_B_and_C_prices(action, qps, per_day):
    row = orders([qps_order("q1", qps, date(2026, 3, 1), date(2026, 3, 1), action=action)])["q1"]
    assert (row["unit_price"], row["amount"]) == (Decimal(per_day), Decimal(per_day) * qps)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [(date(2026, 11, 15), date(2027, 1, 2), 3), (date(2026, 3, 1), date(2026, 3, 31), 1),
     (date(2026, 3, 31), date(2026, 4, 1), 2), (date(2026, 1, 1), date(2026, 12, 31), 12)],
)
def test_R21_by_month_counts_calendar_months(start, end, months):
    row = orders([qps_order("q1", 10, start, end, period="month")])["q1"]
    assert row["quantity"] == months
    assert row["amount"] == Decimal("280.00") * 10 * months


def test_R21_by_day_counts_days_inclusive_across_a_year_end():
    row = orders([qps_order("q1", 1, date(2026, 12, 30), date(2027, 1, 2))])["q1"]
    assert (row["quantity"], row["amount"]) == (4, Decimal("60.00"))


def test_R21_end_before_start_rejected():
    row = orders([qps_order("q1", 10, date(2026, 3, 5), date(2026, 3, 4))])["q1"]
    assert (row["status"], row["reason"], row["amount"]) == ("rejected", "end_before_start", None)


def test_R21_price_version_and_month_by_local_purchase_date():
    con = new_con()
    con.execute("INSERT INTO ref_qps_prices VALUES ('A', 10, 100, 14, 290, DATE '2027-01-01')")
    con.execute("INSERT INTO ref_qps_prices VALUES ('A', 0, 10, 16, 310, DATE '2027-01-01')")
    con.execute("INSERT INTO ref_qps_prices VALUES ('A', 100, NULL, 13, 250, DATE '2027-01-01')")
    result = orders([
        # 2026-12-31 23:59 in Shanghai: the old price, billed in December.
        qps_order("old", 10, date(2027, 1, 5), date(2027, 1, 5), purchased=datetime(2026, 12, 31, 23, 59, tzinfo=CST)),
        # 2026-12-31 16:00 UTC is already 2027-01-01 00:00 in Shanghai: the new price, January.
        qps_order("new", 10, date(2027, 2, 5), date(2027, 2, 5),
                  purchased=datetime.fromisoformat("2026-12-31T16:00:00+00:00")),
    ], con)
    assert (result["old"]["unit_price"], result["old"]["billing_month"]) == (Decimal("13.00"), "2026-12")
    assert (result["new"]["unit_price"], result["new"]["billing_month"]) == (Decimal("14.00"), "2027-01")


# --- caps by class, account and action ---------------------------------------------------------

@pytest.mark.parametrize(("action", "cap"), [("IDCardOCR", 100), ("EnglishOCR", 50), ("RecognizeStoreName", 25)])
def test_R21_class_caps(action, cap):
    at_cap = orders([
        qps_order("q1", cap - 5, date(2026, 3, 1), date(2026, 3, 3), action=action),
        qps_order("q2", 5, date(2026, 3, 3), date(2026, 3, 9), action=action,
                  purchased=datetime(2026, 2, 21, tzinfo=CST)),
    ])
    assert statuses(at_cap) == {"q1": "accepted", "q2": "accepted"}
    over = orders([
        qps_order("q1", cap - 5, date(2026, 3, 1), date(2026, 3, 3), action=action),
        qps_order("q2", 6, date(2026, 3, 3), date(2026, 3, 9), action=action,
                  purchased=datetime(2026, 2, 21, tzinfo=CST)),
    ])
    assert statuses(over) == {"q1": "accepted", "q2": "rejected"}
    assert over["q2"]["reason"].startswith(f"cap_exceeded: 2026-03-03 would reach {cap + 1} > {cap} (class ")


def test_R21_action_without_qps_class_rejected():
    result = orders([qps_order("q1", 10, date(2026, 3, 1), date(2026, 3, 1), action="RecognizeEncryptedIDCardOCR"),
                     qps_order("q2", 10, date(2026, 3, 1), date(2026, 3, 1), action="NoSuchOCR")])
    for row in result.values():
        assert (row["status"], row["reason"], row["qps_class"], row["amount"]) == ("rejected", "no_qps_class", None, None)


def test_R21_owners_and_actions_do_not_share_caps():
    result = orders([
        qps_order("q1", 100, date(2026, 3, 1), date(2026, 3, 4)),
        qps_order("q2", 100, date(2026, 3, 1), date(2026, 3, 4), owner="u2"),
        qps_order("q3", 100, date(2026, 3, 1), date(2026, 3, 4), action="GeneralBasicOCR"),
    ])
    assert set(statuses(result).values()) == {"accepted"}


def test_R21_orders_on_disjoint_days_do_not_add_up():
    result = orders([
        qps_order("q1", 100, date(2026, 3, 1), date(2026, 3, 4)),
        qps_order("q2", 100, date(2026, 3, 5), date(2026, 3, 9), purchased=datetime(2026, 2, 21, tzinfo=CST)),
        qps_order("q3", 1, date(2026, 3, 4), date(2026, 3, 5), purchased=datetime(2026, 2, 22, tzinfo=CST)),
    ])
    assert statuses(result) == {"q1": "accepted", "q2": "accepted", "q3": "rejected"}


def test_R21_orders_judged_by_purchased_at_not_file_order():
    later = qps_order("a_later", 60, date(2026, 3, 1), date(2026, 3, 2), purchased=datetime(2026, 2, 22, tzinfo=CST))
    earlier = qps_order("z_earlier", 60, date(2026, 3, 2), date(2026, 3, 3), purchased=datetime(2026, 2, 21, tzinfo=CST))
    result = orders([later, earlier])
    assert statuses(result) == {"a_later": "rejected", "z_earlier": "accepted"}
    # Same instant: order_id breaks the tie.
    tie = orders([qps_order("b", 60, date(2026, 3, 1), date(2026, 3, 1)),
                  qps_order("a", 60, date(2026, 3, 1), date(2026, 3, 1))])
    assert statuses(tie) == {"a": "accepted", "b": "rejected"}


# --- the table itself -------------------------------------------------------------------------

EXPECTED_TYPES = {
    "order_id": "VARCHAR", "owner_uin": "VARCHAR", "action": "VARCHAR", "qps_class": "VARCHAR", "qps": "INTEGER",
    "period": "VARCHAR", "start_date": "DATE", "end_date": "DATE", "purchased_at": "TIMESTAMP",
    "billing_month": "VARCHAR", "quantity": "BIGINT", "unit_price": "DECIMAL(18,2)", "amount": "DECIMAL(18,2)",
    "status": "VARCHAR", "reason": "VARCHAR",
}


def test_R21_table_typed_and_empty_without_orders():
    con = new_con()
    add_events(con, [{"event_type": "top_up", "owner_uin": "u1", "amount": Decimal("10"), "at": PURCHASED}])
    build_qps_orders(con)
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE int_qps_orders)").fetchall())
    assert types == EXPECTED_TYPES
    assert con.execute("SELECT count(*) FROM int_qps_orders").fetchone() == (0,)


def test_R21_table_ordered_by_order_id_and_all_months_kept():
    con = new_con()
    add_events(con, [
        qps_order("q2", 10, date(2025, 3, 1), date(2025, 3, 1), purchased=datetime(2025, 2, 1, tzinfo=CST)),
        qps_order("q1", 10, date(2026, 3, 1), date(2026, 3, 1)),
    ])
    build_qps_orders(con)
    build_qps_orders(con)  # rebuilding replaces the table
    assert con.execute("SELECT order_id, billing_month FROM int_qps_orders").fetchall() == [
        ("q1", "2026-02"), ("q2", "2025-02")]


def test_R21_accepted_orders_are_qps_pack_bill_lines_in_the_purchase_month():
    from datetime import date, datetime
    from decimal import Decimal

    from ratingkit import CST, add_events, bill, new_con

    con = new_con()
    add_events(con, [
        {"event_type": "qps_purchase", "order_id": "o1", "owner_uin": "u1", "action": "IDCardOCR", "qps": 80,
         "start_date": date(2026, 7, 1), "end_date": date(2026, 7, 5), "period": "day",
         "purchased_at": datetime(2026, 6, 30, 10, tzinfo=CST)},
        {"event_type": "qps_purchase", "order_id": "o2", "owner_uin": "u1", "action": "IDCardOCR", "qps": 21,
         "start_date": date(2026, 7, 2), "end_date": date(2026, 7, 3), "period": "day",
         "purchased_at": datetime(2026, 6, 30, 11, tzinfo=CST)},
    ])
    lines = bill(con, "2026-06")["bill_lines"]
    assert [(l["charge_type"], l["ref_id"], l["billing_item"], l["amount"]) for l in lines] == [
        ("qps_pack", "o1", "身份证识别", Decimal("5200.00"))
    ]
    assert bill(con, "2026-07")["bill_lines"] == []


def test_R21_rejected_orders_are_listed_in_the_run_report_with_their_reason():
    from ratingkit import bill
    from ocrbill.paths import sql_text

    con = new_con()
    add_events(con, [
        qps_order("q1", 80, date(2026, 3, 1), date(2026, 3, 5)),
        qps_order("q2", 30, date(2026, 3, 5), date(2026, 3, 7), purchased=datetime(2026, 2, 21, tzinfo=CST)),
        qps_order("q3", 26, date(2026, 3, 1), date(2026, 3, 1), action="RecognizeStoreName"),
    ])
    bill(con, "2026-02")
    issues = con.execute(
        "SELECT key, records, detail FROM (" + sql_text("report_issues") + ") WHERE kind = 'qps_order_rejected'"
    ).fetchall()
    assert issues == [
        ("q2", 1, "cap_exceeded: 2026-03-05 would reach 110 > 100 (class A)"),
        ("q3", 1, "cap_exceeded: 2026-03-01 would reach 26 > 25 (class C)"),
    ]
    bill(con, "2026-03")  # the orders were bought in February: March lists none
    assert con.execute(
        "SELECT count(*) FROM (" + sql_text("report_issues") + ") WHERE kind = 'qps_order_rejected'"
    ).fetchone() == (0,)
