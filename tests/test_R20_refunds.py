"""R20 refunds: who gets money back, when the window closes, and what the pack does after."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ratingkit import CST, add_calls, add_events, bill, new_con

from ocrbill.events import load_events
from ocrbill.export import bill_month
from ocrbill.ingest import ingest_paths

ID = "身份证识别"
BOUGHT = datetime(2026, 10, 1, 15, 30, tzinfo=CST)


def purchase(pack_id="p1", price=Decimal("120"), voucher=None, **kw):
    return {"event_type": "pack_purchase", "pack_id": pack_id, "owner_uin": "u1", "billing_item": ID,
            "size": 1000, "price": price, "voucher": voucher, "purchased_at": BOUGHT, **kw}


def refund(at, pack_id="p1"):
    return {"event_type": "pack_refund", "pack_id": pack_id, "owner_uin": "u1", "requested_at": at,
            "event_key": f"refund-{pack_id}"}


def lines_of(result, charge_type):
    return [line for line in result["bill_lines"] if line["charge_type"] == charge_type]


@pytest.mark.parametrize(
    ("requested_at", "approved"),
    [
        (datetime(2026, 10, 1, 16, 0, tzinfo=CST), True),
        (datetime(2026, 10, 8, 23, 59, 59, 999000, tzinfo=CST), True),  # through Oct 8 (seed example)
        (datetime(2026, 10, 9, 0, 0, tzinfo=CST), False),  # refused at Oct 9 00:00
    ],
)
def test_R20_refund_window_closes_at_midnight_of_the_8th_day(requested_at, approved):
    con = new_con()
    add_events(con, [purchase(), refund(requested_at)])
    result = bill(con, "2026-10")
    refunds = lines_of(result, "pack_refund")
    assert [line["amount"] for line in refunds] == ([Decimal("-120.00")] if approved else [])
    decision = con.execute("SELECT status, reason FROM int_refund_decisions").fetchone()
    assert decision == (("approved", None) if approved else ("denied", "window_closed"))
    status = next(b["status"] for b in result["pack_balances"] if b["pack_id"] == "p1")
    assert status == ("refunded" if approved else "active")


@pytest.mark.parametrize(
    ("requested_at", "reason"),
    [(BOUGHT - timedelta(microseconds=1), "before_purchase"), (BOUGHT, None)],
)
def test_R20_a_refund_requested_before_the_purchase_is_denied(requested_at, reason):
    """Nothing bought yet, nothing to give back: the request does not stop the pack from serving."""
    con = new_con()
    add_events(con, [purchase(), refund(requested_at)])
    add_calls(con, [{"request_id": f"c{i:04d}", "ts": BOUGHT + timedelta(hours=1, seconds=i), "owner_uin": "u1",
                     "action": "IDCardOCR"} for i in range(1500)])
    result = bill(con, "2026-10")
    decision = con.execute("SELECT status, reason FROM int_refund_decisions").fetchone()
    assert decision == (("denied", reason) if reason else ("approved", None))
    [line] = lines_of(result, "usage")
    assert line["prepaid_units"] == (500 if reason else 0)  # the free 1000, then the pack
    assert [line["amount"] for line in lines_of(result, "pack_refund")] == ([] if reason else [Decimal("-120.00")])


def test_R20_refund_is_price_minus_voucher_in_the_month_of_the_request():
    con = new_con()
    bought = datetime(2026, 10, 30, 12, tzinfo=CST)
    add_events(con, [purchase(price=Decimal("800"), voucher=Decimal("100"), purchased_at=bought),
                     refund(datetime(2026, 11, 2, tzinfo=CST))])
    october, november = bill(con, "2026-10"), bill(con, "2026-11")
    assert [line["amount"] for line in lines_of(october, "pack_purchase")] == [Decimal("800.00")]
    assert lines_of(october, "pack_refund") == []
    assert [line["amount"] for line in lines_of(november, "pack_refund")] == [Decimal("-700.00")]
    assert [b["status"] for b in november["pack_balances"] if b["pack_id"] == "p1"] == ["refunded"]


def test_R20_refund_denied_when_a_unit_was_drawn_before_the_request():
    con = new_con()
    add_events(con, [purchase(), refund(datetime(2026, 10, 3, tzinfo=CST))])
    # 1001 calls: the free pack takes 1000, the paid pack the last one, on Oct 2
    add_calls(con, [{"request_id": f"c{i:05d}", "ts": datetime(2026, 10, 2, tzinfo=CST) + timedelta(seconds=i),
                     "owner_uin": "u1", "action": "IDCardOCR"} for i in range(1001)])
    result = bill(con, "2026-10")
    assert lines_of(result, "pack_refund") == []
    assert con.execute("SELECT status, reason FROM int_refund_decisions").fetchone() == ("denied", "units_drawn")


def test_R20_approved_refund_stops_the_pack_at_the_request_instant():
    con = new_con()
    at = datetime(2026, 10, 3, tzinfo=CST)
    add_events(con, [purchase(), refund(at)])
    calls = [{"request_id": f"f{i:05d}", "ts": datetime(2026, 10, 2, tzinfo=CST) + timedelta(seconds=i),
              "owner_uin": "u1", "action": "IDCardOCR"} for i in range(1000)]
    calls.append({"request_id": "at-request", "ts": at, "owner_uin": "u1", "action": "IDCardOCR"})
    add_calls(con, calls)
    result = bill(con, "2026-10")
    usage = lines_of(result, "usage")[0]
    assert (usage["prepaid_units"], usage["postpaid_units"]) == (0, 1)
    assert con.execute("SELECT status FROM int_refund_decisions").fetchone() == ("approved",)


def test_R20_refund_denied_while_suspended_for_violation():
    con = new_con()
    add_events(con, [purchase(), refund(datetime(2026, 10, 3, tzinfo=CST)),
                     {"event_type": "suspension", "owner_uin": "u1", "reason": "violation",
                      "from_ts": datetime(2026, 10, 2, tzinfo=CST), "event_key": "s1"}])
    result = bill(con, "2026-10")
    assert lines_of(result, "pack_refund") == []
    assert con.execute("SELECT reason FROM int_refund_decisions").fetchone() == ("suspended_for_violation",)


def test_R20_free_pack_units_do_not_block_a_refund():
    con = new_con()
    add_events(con, [purchase(), refund(datetime(2026, 10, 3, tzinfo=CST))])
    add_calls(con, [{"request_id": "c1", "ts": datetime(2026, 10, 2, tzinfo=CST), "owner_uin": "u1", "action": "IDCardOCR"}])
    assert [line["amount"] for line in lines_of(bill(con, "2026-10"), "pack_refund")] == [Decimal("-120.00")]


def request(key, at, owner="u1"):
    return {"event_type": "pack_refund", "pack_id": "p1", "owner_uin": owner, "requested_at": at, "event_key": key}


SUSPENDED = {"event_type": "suspension", "owner_uin": "u1", "reason": "violation", "event_key": "s1",
             "from_ts": datetime(2026, 10, 2, tzinfo=CST), "to_ts": datetime(2026, 10, 2, 12, tzinfo=CST)}


@pytest.mark.parametrize(
    ("events", "decisions"),
    [
        # another account's request does not take the owner's refund
        ([request("a", datetime(2026, 10, 2, 6, tzinfo=CST), owner="u9"), request("b", datetime(2026, 10, 3, tzinfo=CST))],
         [("a", "denied", "not_pack_owner"), ("b", "approved", None)]),
        # a request denied during a violation suspension, another once it is over
        ([SUSPENDED, request("a", datetime(2026, 10, 2, 6, tzinfo=CST)), request("b", datetime(2026, 10, 3, tzinfo=CST))],
         [("a", "denied", "suspended_for_violation"), ("b", "approved", None)]),
        # the first that passes is approved; a pack is refunded once
        ([request("b", datetime(2026, 10, 3, tzinfo=CST)), request("a", datetime(2026, 10, 2, 6, tzinfo=CST))],
         [("a", "approved", None), ("b", "denied", "already_refunded")]),
    ],
)
def test_R20_each_request_of_a_pack_is_decided_at_its_instant(events, decisions):
    con = new_con()
    add_events(con, [purchase(), *events])
    result = bill(con, "2026-10")
    assert con.execute("SELECT event_key, status, reason FROM int_refund_decisions ORDER BY event_key").fetchall() == decisions
    assert [line["amount"] for line in lines_of(result, "pack_refund")] == [Decimal("-120.00")]
    assert [b["status"] for b in result["pack_balances"] if b["pack_id"] == "p1"] == ["refunded"]


# --- events split over runs ----------------------------------------------------------------------

SPLIT_PACKS = [{"type": "pack_purchase", "pack_id": f"p{i}", "owner_uin": "100001", "billing_item": ID, "size": 1000,
                "price": "120", "purchased_at": f"2026-10-0{2 + 2 * i}T10:00:00+08:00"} for i in range(3)]
SPLIT_CALLS = [{"request_id": f"c{day}", "timestamp": f"2026-10-{day:02d}T12:00:00+08:00", "owner_uin": "100001",
                "action": "IDCardOCR", "region": "ap-guangzhou", "images_total": 600, "images_recognized": 600}
               for day in (3, 5, 12)]


@st.composite
def split_events(draw):
    """The three purchases, refunds of some (an hour or nine days later, owner given or not, or
    another's), one of a pack never bought; each event put in one of 1–3 files, and some refunds
    sent again in another file, spelled otherwise (a duplicate)."""
    events, again = list(SPLIT_PACKS), []
    for pack in SPLIT_PACKS:
        if draw(st.booleans()):
            later = pack["purchased_at"].replace("T10", "T11") if draw(st.booleans()) else "2026-10-13T10:00:00+08:00"
            refund = {"type": "pack_refund", "pack_id": pack["pack_id"], "requested_at": later,
                      "owner_uin": draw(st.sampled_from([None, "100001", "9"]))}
            events.append(refund)
            if draw(st.booleans()):
                utc = datetime.fromisoformat(later).astimezone(UTC).isoformat().replace("+00:00", "Z")
                owner = int(refund["owner_uin"]) if refund["owner_uin"] else None
                again.append({**refund, "requested_at": utc, "owner_uin": owner})
    events.append({"type": "pack_refund", "pack_id": "ghost", "requested_at": "2026-10-09T10:00:00+08:00"})
    files = draw(st.integers(1, 3))
    parts = [draw(st.integers(0, files - 1)) for _ in events + again]
    split = [[e for e, part in zip(events + again, parts) if part == f] for f in range(files)]
    return events, draw(st.permutations(split))


def bill_of(folder: Path, event_files: list[list[dict]]) -> dict[str, bytes]:
    """Ingest the calls, load each events file in its own run, bill October: the export's bytes."""
    wh = folder / "wh"
    calls = folder / "calls.jsonl"
    calls.write_text("".join(json.dumps(c) + "\n" for c in SPLIT_CALLS), encoding="utf-8")
    ingest_paths(wh, [calls])
    for i, events in enumerate(event_files):
        path = folder / f"events_{i}.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
        load_events(wh, [path])
    bill_month(wh, "2026-10")
    out = wh / "exports" / "2026-10"
    return {name: (out / name).read_bytes()
            for name in ("bill_lines.csv", "bill_summary.csv", "pack_balances.csv", "run_report.json")}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_events())
def test_R20_bill_is_unchanged_by_how_events_are_split_over_runs(scenario):
    events, split = scenario
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as several:
        assert bill_of(Path(several), split) == bill_of(Path(one), [events])
