"""R23 arrears and R24 suspension: the balance, when service stops and resumes, what it bills."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from ocrbill.arrears import arrears_intervals
from ocrbill.paths import sql_text
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
        # an approved refund inside the 24 h brings it to ≥ 0 but is no top-up: the top-up ends it
        ([("settlement", 0, "-10"), ("pack_refund", 12, "84"), ("top_up", 48, "0.01")], [(24, 48)]),
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


@pytest.mark.parametrize(
    ("ends", "billable"),
    [
        ([None], 1),  # open-ended: only the call before it
        ([None, 12], 4),  # the same start sent again with an end closes it (in either order)
        ([12, None], 4),
        ([12, 14], 2),  # of two ends the later one holds
    ],
)
def test_R24_a_suspension_sent_again_with_an_end_closes_it(ends, billable):
    con = new_con()
    start = datetime(2026, 10, 10, tzinfo=CST)
    add_events(con, [
        {"event_type": "suspension", "owner_uin": "u1", "reason": "violation", "from_ts": start,
         "to_ts": None if day is None else datetime(2026, 10, day, tzinfo=CST), "event_key": f"v{i}"}
        for i, day in enumerate(ends)
    ])
    days = [9, 11, 12, 13, 15]  # a call at 00:00 on each of these days
    add_calls(con, [{"request_id": f"c{d}", "ts": datetime(2026, 10, d, tzinfo=CST), "owner_uin": "u1",
                     "action": "IDCardOCR"} for d in days])
    assert usage(bill(con, "2026-10"), "u1", ID)["billable_units"] == billable


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


# --- found by review: a month without usage settles; refunds decided late; the report's count ---

BANK = "银行卡识别"


def bank_pack(pack_id, purchased, price="84"):
    return {"event_type": "pack_purchase", "pack_id": pack_id, "owner_uin": "u1", "billing_item": BANK,
            "size": 1000, "price": Decimal(price), "purchased_at": purchased}


@pytest.mark.parametrize("october_free_call", [True, False])
def test_R23_a_month_without_usage_settles_at_zero_and_can_suspend(october_free_call):
    """+10 (Sep 20) − 84 (pack, Oct 5) = −74 when October's bill (0.00 either way) settles on
    Nov 1: suspended from Nov 2, whether or not October had a (free) call."""
    con = new_con()
    add_events(con, [top_up("10", datetime(2026, 9, 20, tzinfo=CST), "t0"),
                     bank_pack("p1", datetime(2026, 10, 5, tzinfo=CST))])
    if october_free_call:
        add_calls(con, [{"request_id": "o1", "ts": datetime(2026, 10, 6, tzinfo=CST), "owner_uin": "u1",
                         "action": "IDCardOCR"}])
    november_calls(con, [datetime(2026, 11, 10, tzinfo=CST) + timedelta(minutes=i) for i in range(1200)])
    result = bill(con, "2026-11")
    assert con.execute("SELECT suspended_from FROM int_suspensions WHERE owner_uin = 'u1'").fetchall() == [
        (datetime(2026, 11, 1, 16, 0),)  # Nov 2 00:00 UTC+8
    ]
    assert [line for line in result["bill_lines"] if line["charge_type"] == "usage"] == []


def test_R23_R20_a_refund_the_month_denies_does_not_end_the_suspension():
    """−89 after the Nov 1 settlement (+10 − 84 − 15): suspended from Nov 2. p1 draws a unit on
    Nov 1, so its refund of Nov 3 is denied (R20) and the Nov 4 top-up of 80 leaves −9: still
    suspended, the Nov 10 calls are not billed (R24). Rating October alone would have taken the
    refund as approved (+84) and ended the suspension at that top-up."""
    con = new_con()
    october_debt(con, calls=1100)  # +5 top-up, 15.00 of October usage
    add_events(con, [top_up("5", datetime(2026, 9, 21, tzinfo=CST), "t0b"),
                     bank_pack("p1", datetime(2026, 10, 28, tzinfo=CST)),
                     {"event_type": "pack_refund", "pack_id": "p1", "owner_uin": "u1",
                      "requested_at": datetime(2026, 11, 3, tzinfo=CST)},
                     top_up("80", datetime(2026, 11, 4, tzinfo=CST), "t1")])
    add_calls(con, [{"request_id": f"b{i:05d}", "ts": datetime(2026, 11, 1, tzinfo=CST) + timedelta(seconds=10 * i),
                     "owner_uin": "u1", "action": "BankCardOCR"} for i in range(1001)])  # 1000 free + 1 from p1
    november_calls(con, [datetime(2026, 11, 10, tzinfo=CST) + timedelta(minutes=i) for i in range(5)])
    result = bill(con, "2026-11")
    assert con.execute("SELECT pack_id, status, reason FROM int_refund_decisions").fetchall() == [
        ("p1", "denied", "units_drawn")
    ]
    [summary] = result["bill_summary"]
    assert (summary["balance"], summary["arrears_state"]) == (Decimal("-9.00"), "suspended")
    assert [line for line in result["bill_lines"] if line["charge_type"] == "usage" and line["billing_item"] == ID] == []


def test_R24_report_counts_a_call_in_two_overlapping_suspensions_once():
    con = new_con()
    add_events(con, [
        {"event_type": "suspension", "owner_uin": "u1", "reason": "violation", "from_ts": datetime(2026, 10, 10, tzinfo=CST),
         "to_ts": datetime(2026, 10, 20, tzinfo=CST), "event_key": "v1"},
        {"event_type": "suspension", "owner_uin": "u1", "reason": "violation", "from_ts": datetime(2026, 10, 12, tzinfo=CST),
         "to_ts": datetime(2026, 10, 25, tzinfo=CST), "event_key": "v2"},
    ])
    november_calls(con, [datetime(2026, 10, 15, tzinfo=CST) + timedelta(minutes=i) for i in range(10)])
    bill(con, "2026-10")
    rows = con.execute(
        "SELECT key, records FROM (" + sql_text("report_issues") + ") WHERE kind = 'anomaly_suspended_calls'"
    ).fetchall()
    assert rows == [("u1", 10)]


@pytest.mark.parametrize("other_account_earlier", [False, True])
def test_R23_a_purchase_before_the_first_top_up_settles_and_other_accounts_do_not_matter(other_account_earlier):
    """u1 buys an 800 pack on Sep 10 and tops up 100 on Oct 10: September settles on Oct 1 at
    −800, so u1 is suspended from Oct 2 and its October calls are not billed (R23, R24). The same
    whether or not another tracked account started earlier (the audit found u1 billed when alone)."""
    con = new_con()
    add_events(con, [{**bank_pack("PB", datetime(2026, 9, 10, 10, tzinfo=CST), "800"), "billing_item": ID,
                      "size": 10000},
                     top_up("100", datetime(2026, 10, 10, 10, tzinfo=CST), "t1")])
    if other_account_earlier:
        add_events(con, [{**top_up("100", datetime(2026, 8, 10, tzinfo=CST), "ta"), "owner_uin": "A"}])
        add_calls(con, [{"request_id": "a1", "ts": datetime(2026, 8, 15, tzinfo=CST), "owner_uin": "A",
                         "action": "IDCardOCR"}])
    add_calls(con, [{"request_id": f"b{i}", "ts": datetime(2026, 10, 20, 10, i, tzinfo=CST), "owner_uin": "u1",
                     "action": "IDCardOCR"} for i in range(5)])
    result = bill(con, "2026-10")
    assert [line for line in result["bill_lines"] if line["owner_uin"] == "u1" and line["charge_type"] == "usage"] == []
    assert con.execute("SELECT suspended_from FROM int_suspensions WHERE owner_uin = 'u1'").fetchall() == [
        (datetime(2026, 10, 1, 16, 0),)  # Oct 2 00:00 UTC+8
    ]


@pytest.mark.parametrize(
    ("voucher", "refunded", "balance"),
    [
        ("100", False, "0.00"),  # 700 top-up pays the 700 cash part of 800: not in arrears
        ("0", False, "-100.00"),  # no voucher: the whole 800 is owed
        ("100", True, "700.00"),  # refund gives back the cash part: the balance is as before
    ],
)
def test_R23_the_voucher_part_of_a_pack_price_is_not_taken_from_the_balance(voucher, refunded, balance):
    con = new_con()
    bought = datetime(2026, 10, 1, 10, tzinfo=CST)
    events = [top_up("700", datetime(2026, 10, 1, 9, tzinfo=CST), "t1"),
              {**bank_pack("p1", bought, "800"), "voucher": Decimal(voucher)}]
    if refunded:
        events.append({"event_type": "pack_refund", "pack_id": "p1", "owner_uin": "u1",
                       "requested_at": bought + timedelta(days=1), "event_key": "p1"})
    add_events(con, events)
    november_calls(con, [datetime(2026, 11, 5, tzinfo=CST) + timedelta(minutes=i) for i in range(3)])
    [october] = bill(con, "2026-10")["bill_summary"]
    assert october["balance"] == Decimal(balance)
    november = bill(con, "2026-11")
    billed = sum(line["calls"] for line in november["bill_lines"] if line["charge_type"] == "usage")
    assert billed == (0 if balance.startswith("-") else 3)
