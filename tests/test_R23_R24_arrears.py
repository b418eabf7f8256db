"""R23 arrears and R24 suspension: the balance, when service stops and resumes, what it bills."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from ocrbill.arrears import arrears_intervals
from ratingkit import CST, add_calls, add_events, bill, new_con, usage

ID = "身份证识别"
SETTLED = datetime(2026, 11, 1, tzinfo=CST)  # October settles at 00:00 on Nov 1 (UTC+8)
STOP = SETTLED + timedelta(hours=24)


def top_up(amount, at, key):
    return {"event_type": "top_up", "owner_uin": "u1", "amount": Decimal(amount), "at": at, "event_key": key}


def october_debt(con, calls=1100):
    """u1 tops up 5 in September and runs `calls` IDCardOCR calls in October: 15 CNY usage."""
    add_events(con, [top_up("5", datetime(2026, 9, 20, tzinfo=CST), "t0")])
    add_calls(con, [{"request_id": f"o{i:05d}", "ts": datetime(2026, 10, 5, tzinfo=CST) + timedelta(seconds=i),
                     "owner_uin": "u1", "action": "IDCardOCR"} for i in range(calls)])


def november_calls(con, times):
    add_calls(con, [{"request_id": f"n{i:03d}", "ts": t, "owner_uin": "u1", "action": "IDCardOCR"}
                    for i, t in enumerate(times)])


@pytest.mark.parametrize(
    ("ledger", "expected"),
    [
        # settles at 0 → −10, top-up of 20 two days later: suspended from +24 h until then
        ([("settlement", 0, "-10"), ("top_up", 48, "20")], [(24, 48)]),
        # restored within the 24 h: never stopped
        ([("settlement", 0, "-10"), ("top_up", 23, "20")], []),
        # a top-up that leaves it negative does not restore; the next one does
        ([("settlement", 0, "-10"), ("top_up", 30, "5"), ("top_up", 50, "5")], [(24, 50)]),
        # balance exactly 0 after the settlement is not arrears
        ([("top_up", -5, "10"), ("settlement", 0, "-10")], []),
        # never restored: open suspension
        ([("settlement", 0, "-1")], [(24, None)]),
    ],
)
def test_R23_suspension_intervals_from_the_ledger(ledger, expected):
    rows = [("u1", SETTLED + timedelta(hours=h), Decimal(a), kind) for kind, h, a in ledger]
    got = [
        ((s["suspended_from"] - SETTLED) / timedelta(hours=1),
         None if s["suspended_until"] is None else (s["suspended_until"] - SETTLED) / timedelta(hours=1))
        for s in arrears_intervals(rows)
    ]
    assert got == expected


def test_R23_R24_negative_balance_after_settlement_stops_billing_24h_later_until_top_up():
    con = new_con()
    october_debt(con)  # balance 5 − 15 = −10 after the Nov 1 settlement
    restored = datetime(2026, 11, 5, 12, tzinfo=CST)
    add_events(con, [top_up("20", restored, "t1")])
    november_calls(con, [
        STOP - timedelta(seconds=1),  # still within the 24 h grace: billed
        STOP,  # suspended from here …
        restored - timedelta(seconds=1),  # … to here: not billed
        restored,  # service back at the top-up
    ])
    result = bill(con, "2026-11")
    assert usage(result, "u1", ID)["billable_units"] == 2
    report = con.execute("SELECT key, records FROM (" + open_report() + ") WHERE kind = 'anomaly_suspended_calls'").fetchall()
    assert report == [("u1", 2)]


def test_R24_month_starting_suspended_gets_its_free_pack_when_service_returns():
    con = new_con()
    october_debt(con)
    add_events(con, [top_up("5", datetime(2026, 11, 20, tzinfo=CST), "t1"),
                     top_up("100", datetime(2026, 12, 3, 9, tzinfo=CST), "t2")])
    # December starts suspended (balance −5 since Nov 2); service returns Dec 3 09:00
    add_calls(con, [{"request_id": f"d{i}", "ts": datetime(2026, 12, 1, tzinfo=CST) + timedelta(days=i), "owner_uin": "u1",
                     "action": "IDCardOCR"} for i in range(5)])
    result = bill(con, "2026-12")
    assert usage(result, "u1", ID)["billable_units"] == 2  # Dec 4 and Dec 5
    pack = next(b for b in result["pack_balances"] if b["kind"] == "free_monthly")
    assert pack["effective_at"] == datetime(2026, 12, 3, 1, 0)  # 09:00 UTC+8, naive UTC


def test_R23_summary_shows_balance_amount_due_and_state():
    con = new_con()
    october_debt(con)
    october = {r["owner_uin"]: r for r in bill(con, "2026-10")["bill_summary"]}["u1"]
    assert (october["balance"], october["amount_due"], october["balance_after_settlement"], october["arrears_state"]) == (
        Decimal("5.00"), Decimal("15.00"), Decimal("-10.00"), "in_arrears")
    november_calls(con, [datetime(2026, 11, 10, tzinfo=CST)])
    november = {r["owner_uin"]: r for r in bill(con, "2026-11")["bill_summary"]}["u1"]
    assert (november["balance"], november["arrears_state"]) == (Decimal("-10.00"), "suspended")


def test_R23_account_without_top_up_is_untracked_and_never_suspended():
    con = new_con()
    add_calls(con, [{"request_id": f"o{i:05d}", "ts": datetime(2026, 10, 5, tzinfo=CST) + timedelta(seconds=i),
                     "owner_uin": "u1", "action": "IDCardOCR"} for i in range(1100)])
    november_calls(con, [STOP + timedelta(days=1)])
    summary = bill(con, "2026-11")["bill_summary"]
    assert [(r["balance"], r["arrears_state"]) for r in summary] == [(None, "untracked")]


def test_R24_violation_suspension_stops_billing_between_from_and_to():
    con = new_con()
    start, end = datetime(2026, 10, 10, tzinfo=CST), datetime(2026, 10, 12, tzinfo=CST)
    add_events(con, [{"event_type": "suspension", "owner_uin": "u1", "reason": "violation",
                      "from_ts": start, "to_ts": end, "event_key": "v1"}])
    add_calls(con, [{"request_id": f"c{i}", "ts": t, "owner_uin": "u1", "action": "IDCardOCR"}
                    for i, t in enumerate([start - timedelta(seconds=1), start, end - timedelta(seconds=1), end])])
    assert usage(bill(con, "2026-10"), "u1", ID)["billable_units"] == 2


def test_R24_suspended_calls_draw_no_pack():
    con = new_con()
    add_events(con, [
        {"event_type": "pack_purchase", "pack_id": "p1", "owner_uin": "u1", "billing_item": ID, "size": 1000,
         "price": Decimal("120"), "purchased_at": datetime(2026, 10, 1, tzinfo=CST)},
        {"event_type": "suspension", "owner_uin": "u1", "reason": "violation",
         "from_ts": datetime(2026, 10, 10, tzinfo=CST), "event_key": "v1"},
    ])
    add_calls(con, [{"request_id": f"c{i:04d}", "ts": datetime(2026, 10, 11, tzinfo=CST) + timedelta(seconds=i),
                     "owner_uin": "u1", "action": "IDCardOCR"} for i in range(1500)])
    result = bill(con, "2026-10")
    assert [line for line in result["bill_lines"] if line["charge_type"] == "usage"] == []
    assert next(b for b in result["pack_balances"] if b["pack_id"] == "p1")["used_total"] == 0


def test_R24_free_pack_at_first_call_after_twelve_months_without_calls():
    con = new_con()
    back = datetime(2026, 10, 20, 15, tzinfo=CST)
    add_calls(con, [{"request_id": "old", "ts": datetime(2025, 9, 1, tzinfo=CST), "owner_uin": "u1", "action": "IDCardOCR"},
                    {"request_id": "new", "ts": back, "owner_uin": "u1", "action": "IDCardOCR"}])
    pack = next(b for b in bill(con, "2026-10")["pack_balances"] if b["kind"] == "free_monthly")
    assert pack["effective_at"] == datetime(2026, 10, 20, 7, 0)  # 15:00 UTC+8


def test_R24_free_pack_on_the_first_for_an_account_seen_within_twelve_months():
    con = new_con()
    add_calls(con, [{"request_id": "old", "ts": datetime(2025, 11, 1, tzinfo=CST), "owner_uin": "u1", "action": "IDCardOCR"},
                    {"request_id": "new", "ts": datetime(2026, 10, 20, tzinfo=CST), "owner_uin": "u1", "action": "IDCardOCR"}])
    pack = next(b for b in bill(con, "2026-10")["pack_balances"] if b["kind"] == "free_monthly")
    assert pack["effective_at"] == datetime(2026, 9, 30, 16, 0)


def open_report() -> str:
    from ocrbill.paths import sql_text

    return sql_text("report_issues")
