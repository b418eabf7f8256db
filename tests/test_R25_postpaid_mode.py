"""R25 postpaid mode: domestic postpaid units reached while postpaid is known off are flagged."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from ratingkit import CST, add_bulk_calls, add_calls, add_events, bill, new_con, usage

ID = "身份证识别"
SWITCH = datetime(2026, 10, 15, tzinfo=CST)


def run(events, n_calls=1001, start=datetime(2026, 10, 20, tzinfo=CST), site="domestic"):
    con = new_con()
    add_events(con, events)
    add_calls(con, [{"request_id": f"c{i:05d}", "ts": start + timedelta(seconds=i), "owner_uin": "u1",
                     "action": "IDCardOCR", "site": site} for i in range(n_calls)])
    return usage(bill(con, "2026-10"), "u1", ID, site=site)


def postpaid(enabled, at=SWITCH):
    return {"event_type": "postpaid", "owner_uin": "u1", "enabled": enabled, "at": at, "event_key": f"pp{enabled}{at}"}


def account(opened):
    return {"event_type": "account", "owner_uin": "u1", "opened_at": opened, "event_key": "acct"}


@pytest.mark.parametrize(
    ("events", "flagged"),
    [
        ([], False),  # nothing known: nothing flagged
        ([postpaid(False)], True),
        ([postpaid(True)], False),
        ([postpaid(False), postpaid(True, SWITCH + timedelta(days=1))], False),  # latest wins
        ([account(datetime(2021, 12, 14, tzinfo=CST))], True),  # opened on the cutoff day
        ([account(datetime(2021, 12, 13, 23, 59, tzinfo=CST))], False),  # older accounts switch by themselves
        ([account(datetime(2023, 1, 1, tzinfo=CST)), postpaid(True)], False),
        ([account(datetime(2020, 1, 1, tzinfo=CST)), postpaid(False)], True),
    ],
)
def test_R25_postpaid_not_enabled_flag(events, flagged):
    line = run(events)
    assert line["postpaid_units"] == 1
    assert ("postpaid_not_enabled" in line["flags"].split(";")) is flagged
    assert line["amount"] > 0  # billed all the same


def test_R25_no_flag_when_free_quota_covers_everything():
    assert run([postpaid(False)], n_calls=1000)["flags"] == ""


def test_R25_the_switch_applies_only_to_calls_after_it():
    # the only postpaid unit is the 1001st call, before the switch off
    line = run([postpaid(False, datetime(2026, 10, 20, 1, tzinfo=CST))], n_calls=1001)
    assert line["flags"] == ""


def test_R25_international_usage_is_not_flagged():
    line = run([postpaid(False)], n_calls=3, site="international")
    assert "postpaid_not_enabled" not in line["flags"]


@pytest.mark.parametrize(("switch_after_last_call", "flagged"), [(timedelta(0), False), (-timedelta(microseconds=1), True)])
def test_R25_a_switch_counts_only_strictly_before_the_call(switch_after_last_call, flagged):
    start = datetime(2026, 10, 20, tzinfo=CST)
    last_call = start + timedelta(seconds=1000)  # the 1001st call: the only postpaid unit
    line = run([postpaid(False, last_call + switch_after_last_call)], n_calls=1001, start=start)
    assert ("postpaid_not_enabled" in line["flags"]) is flagged


def test_R25_flag_next_to_a_contract_price_bills_the_line_once():
    """A line with two flags (contract_price;postpaid_not_enabled) counts once in the total."""
    con = new_con()
    add_events(con, [postpaid(False, datetime(2026, 9, 1, tzinfo=CST)),
                     {"event_type": "contract_price", "owner_uin": "u1", "billing_item": ID,
                      "unit_price": Decimal("0.04"), "from_month": "2026-10", "event_key": "c1"}])
    add_bulk_calls(con, prefix="t", count=1_001_000, owner="u1", action="IDCardOCR",
                   start=datetime(2026, 10, 1, tzinfo=CST), step_seconds=2)
    result = bill(con, "2026-10")
    line = usage(result, "u1", ID)
    assert line["flags"] == "contract_price;postpaid_not_enabled"
    assert line["amount"] == Decimal("40000.00")  # 1,000,000 postpaid units × 0.04
    [summary] = [row for row in result["bill_summary"] if row["owner_uin"] == "u1"]
    assert (summary["usage_amount"], summary["total_amount"]) == (Decimal("40000.00"), Decimal("40000.00"))
    assert summary["flags"] == "contract_price;postpaid_not_enabled"
