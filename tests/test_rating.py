"""Rating rules R1–R12, one test (or table) per rule and boundary, on the SQL models."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from ratingkit import CST, add_bulk_calls, add_calls, add_events, bill, new_con, total, usage

from ocrbill.paths import sql_text

ID = "身份证识别"
BANK = "银行卡识别"
DRIVING = "行驶证/驾驶证识别"
GENERAL = "通用印刷体识别"
FORMULA = "公式识别"
VAT_VERIFY = "增值税发票核验"
LARGE = "通用票据识别（大票）"
SMALL = "通用票据识别（小票）"
OCT = datetime(2026, 10, 2, 9, 0, tzinfo=CST)


def pack(pack_id, owner, item, size, purchased, price=None, **kw):
    """A pack_purchase event row."""
    return {"event_type": "pack_purchase", "pack_id": pack_id, "owner_uin": owner, "billing_item": item,
            "size": size, "price": price, "purchased_at": purchased, **kw}


def calls(n, owner="u1", action="IDCardOCR", start=OCT, step=timedelta(minutes=1), prefix="c", **kw):
    """n call rows, `step` apart."""
    return [{"request_id": f"{prefix}{i:07d}", "ts": start + i * step, "owner_uin": owner, "action": action, **kw}
            for i in range(n)]


# --- the seed's worked examples -------------------------------------------------------------

@pytest.mark.parametrize(
    ("action", "n", "item", "expected"),
    [
        ("IDCardOCR", 900, ID, Decimal("0.00")),          # 后付费 示例一
        ("DriverLicenseOCR", 9000, DRIVING, Decimal("1200.00")),  # 示例二
        ("GeneralBasicOCR", 90000, GENERAL, Decimal("8900.00")),  # 示例三
        ("BankCardOCR", 900000, BANK, Decimal("53940.00")),       # 示例四
    ],
)
def test_seed_postpaid_examples_R9(action, n, item, expected):
    con = new_con()
    add_bulk_calls(con, prefix="s", count=n, owner="u1", action=action, start=OCT, step_seconds=1)
    result = bill(con, "2026-10")
    assert total(result, "u1") == expected
    assert usage(result, "u1", item)["billable_units"] == n


def test_seed_prepaid_example_bank_card_159_R12():
    con = new_con()
    add_bulk_calls(con, prefix="b", count=2500, owner="u1", action="BankCardOCR", start=OCT)
    add_events(con, [pack("p1", "u1", BANK, 1000, OCT - timedelta(days=1), Decimal("84"))])
    result = bill(con, "2026-10")
    line = usage(result, "u1", BANK)
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"]) == (1000, 1000, 500)
    assert line["amount"] == Decimal("75.00")
    assert total(result, "u1") == Decimal("159.00")


def test_seed_three_packs_at_3500_is_10500_R12():
    con = new_con()
    add_events(con, [pack(f"p{i}", "u1", ID, 100000, OCT, Decimal("3500")) for i in range(3)])
    result = bill(con, "2026-10")
    assert total(result, "u1") == Decimal("10500.00")
    assert [line["charge_type"] for line in result["bill_lines"]] == ["pack_purchase"] * 3


def test_seed_mixed_invoice_one_large_two_small_R4a():
    con = new_con()
    add_calls(con, [{"request_id": "m1", "ts": OCT, "owner_uin": "u1", "action": "MixedInvoiceOCR", "tickets": [3, 8, 2]}])
    result = bill(con, "2026-10")
    assert usage(result, "u1", LARGE)["billable_units"] == 1
    assert usage(result, "u1", SMALL)["billable_units"] == 2
    assert not [line for line in result["bill_lines"] if line["billing_item"] == "增值税发票识别"]


def test_seed_mixed_invoice_example_2_ten_calls_seven_large_nine_small_R4a():
    # 示例2: 10 MixedInvoiceOCR calls recognise 5 VAT invoices (3), 2 vehicle purchase invoices
    # (12) and 9 bus tickets (9) → 7 units of the large-ticket pack, 9 of the small-ticket pack
    tickets = [[3, 9], [3, 9], [3, 9], [3, 9], [3, 9], [12, 9], [12, 9], [9], [9], []]
    con = new_con()
    add_calls(con, [
        {"request_id": f"m{i}", "ts": OCT + timedelta(minutes=i), "owner_uin": "u1", "action": "MixedInvoiceOCR", "tickets": t}
        for i, t in enumerate(tickets)
    ])
    result = bill(con, "2026-10")
    large, small = usage(result, "u1", LARGE), usage(result, "u1", SMALL)
    assert (large["calls"], large["billable_units"]) == (7, 7)
    assert (small["calls"], small["billable_units"]) == (9, 9)


def test_R4_R5_calls_no_reference_version_covers_are_reported_not_dropped():
    # ingest quarantines such calls; a reference edited after ingest (a first valid_from moved
    # later) must still not make a call vanish from the bill unreported
    con = new_con()
    con.execute("INSERT INTO ref_interfaces SELECT * REPLACE ('LaterOCR' AS action, DATE '2026-11-01' AS valid_from)"
                " FROM ref_interfaces WHERE action = 'IDCardOCR' LIMIT 1")
    con.execute("INSERT INTO ref_ticket_types SELECT * REPLACE (99 AS type_code, DATE '2026-10-03' AS valid_from)"
                " FROM ref_ticket_types WHERE type_code = 3")
    add_calls(con, [
        {"request_id": "a1", "ts": OCT, "owner_uin": "u1", "action": "LaterOCR"},
        {"request_id": "m1", "ts": OCT, "owner_uin": "u1", "action": "MixedInvoiceOCR", "tickets": [99, 3]},
        {"request_id": "m2", "ts": OCT + timedelta(days=1), "owner_uin": "u1", "action": "MixedInvoiceOCR", "tickets": [99]},
        {"request_id": "m3", "ts": OCT, "owner_uin": "u1", "action": "MixedInvoiceOCR", "tickets": [99, 99, 3]},
        {"request_id": "m4", "ts": OCT, "owner_uin": "u1", "action": "MixedInvoiceOCR", "tickets": [99],
         "error_code": "FailedOperation.ImageBlur"},  # an error bills no ticket (R4a): nothing unrated
    ])
    result = bill(con, "2026-10")
    assert usage(result, "u1", LARGE)["billable_units"] == 3  # type 3 on Oct 2 (m1, m3), type 99 from Oct 3 (m2)
    rows = con.execute(
        "SELECT key, records FROM (" + sql_text("report_issues") + ") WHERE kind = 'unrated_call' ORDER BY key"
    ).fetchall()
    assert rows == [("LaterOCR", 1), ("ticket Type 99", 2)]  # calls, not tickets: m1 and m3


# --- R1 billing month -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ts", "month"),
    [
        (datetime(2026, 9, 30, 15, 59, 59, 999000), "2026-09"),
        (datetime(2026, 9, 30, 16, 0, 0), "2026-10"),  # 00:00 Oct 1 in UTC+8
        (datetime(2026, 10, 31, 15, 59, 59), "2026-10"),
        (datetime(2026, 10, 31, 16, 0, 0), "2026-11"),
    ],
)
def test_R1_month_boundary_utc_plus_8(ts, month):
    con = new_con()
    add_calls(con, [{"request_id": "r", "ts": ts, "owner_uin": "u1", "action": "IDCardOCR"}])
    for candidate in ("2026-09", "2026-10", "2026-11"):
        result = bill(con, candidate)
        lines = [line for line in result["bill_lines"] if line["charge_type"] == "usage"]
        assert len(lines) == (1 if candidate == month else 0), candidate


# --- R2 sub-accounts --------------------------------------------------------------------------

def test_R2_sub_accounts_roll_up_and_share_free_quota():
    con = new_con()
    rows = calls(600, uin="sub-a", prefix="a") + calls(600, uin="sub-b", prefix="b")
    add_calls(con, rows)
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert (line["billable_units"], line["free_units"], line["postpaid_units"]) == (1200, 1000, 200)
    assert line["amount"] == Decimal("30.00")


# --- R3 / R11 international ------------------------------------------------------------------

def test_R3_R11_international_has_no_free_quota_and_is_unpriced_without_a_book():
    con = new_con()
    add_calls(con, calls(5, site="international"))
    line = usage(bill(con, "2026-10"), "u1", ID, site="international")
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"]) == (0, 0, 5)
    assert line["amount"] == Decimal("0.00")
    assert line["flags"] == "unpriced"


def test_R11_international_priced_from_the_book_and_packs_do_not_serve_it():
    con = new_con()
    con.execute(f"INSERT INTO ref_intl_prices VALUES ('{ID}', 0, 0.02, 'CNY', DATE '2000-01-01')")
    add_calls(con, calls(5, site="international") + calls(3, prefix="d"))
    add_events(con, [pack("p1", "u1", ID, 1000, OCT - timedelta(days=1), Decimal("120"))])
    result = bill(con, "2026-10")
    intl = usage(result, "u1", ID, site="international")
    assert (intl["postpaid_units"], intl["amount"], intl["flags"]) == (5, Decimal("0.10"), "")
    assert usage(result, "u1", ID)["free_units"] == 3


# --- R4 units -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("row", "item", "units"),
    [
        ({"action": "IDCardOCR"}, ID, 1),
        ({"action": "IDCardOCR", "error_code": "FailedOperation.ImageBlur"}, ID, 0),
        ({"action": "IDCardOCR", "error_code": "FailedOperation.EmptyImageError"}, ID, 1),
        ({"action": "BusinessCardOCR", "error_code": "FailedOperation.ImageNoBusinessCard"}, "名片识别", 1),
        ({"action": "VatInvoiceVerifyNew", "error_code": "ResourceNotFound.NoInvoice"}, VAT_VERIFY, 1),
        ({"action": "VatInvoiceVerifyNew", "error_code": "FailedOperation.InvoiceMismatch"}, VAT_VERIFY, 1),
        ({"action": "IDCardOCR", "error_code": "Made.Up.Code"}, ID, 0),
        ({"action": "IDCardOCR", "images_total": 5, "images_recognized": 4}, ID, 4),
        ({"action": "IDCardOCR", "images_total": 5, "images_recognized": 0}, ID, 0),
        ({"action": "MixedInvoiceOCR", "tickets": [3, 12]}, LARGE, 2),
        ({"action": "MixedInvoiceOCR", "tickets": [3, 12], "error_code": "FailedOperation.OcrFailed"}, LARGE, 0),
        ({"action": "MixedInvoiceOCR", "tickets": []}, LARGE, 0),
        ({"action": "MixedInvoiceOCR", "tickets": [9, 9, 2]}, SMALL, 3),
        ({"action": "SmartStructuralOCR"}, None, 0),
    ],
)
def test_R4_units_of_a_call(row, item, units):
    con = new_con()
    add_calls(con, [{"request_id": "r", "ts": OCT, "owner_uin": "u1", **row}])
    lines = [line for line in bill(con, "2026-10")["bill_lines"] if line["charge_type"] == "usage"]
    got = sum(line["billable_units"] for line in lines if line["billing_item"] == item)
    assert got == units
    assert sum(line["billable_units"] for line in lines) == units


def test_R4c_billable_error_codes_bill_only_from_2020_07_06():
    con = new_con()
    before = datetime(2020, 7, 5, 12, tzinfo=CST)
    after = datetime(2020, 7, 6, 0, 0, tzinfo=CST)
    add_calls(con, [
        {"request_id": "a", "ts": before, "owner_uin": "u1", "action": "IDCardOCR", "error_code": "FailedOperation.EmptyImageError"},
        {"request_id": "b", "ts": after, "owner_uin": "u1", "action": "IDCardOCR", "error_code": "FailedOperation.EmptyImageError"},
    ])
    assert usage(bill(con, "2020-07"), "u1", ID)["billable_units"] == 1


# --- R5 shared packs ----------------------------------------------------------------------------

def test_R5_shared_pack_interfaces_bill_to_one_item_and_share_free_quota():
    con = new_con()
    add_calls(con, calls(700, action="DriverLicenseOCR", prefix="d") + calls(700, action="VehicleLicenseOCR", prefix="v"))
    line = usage(bill(con, "2026-10"), "u1", DRIVING)
    assert (line["billable_units"], line["free_units"], line["postpaid_units"]) == (1400, 1000, 400)


# --- R6 free quota -------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "postpaid"), [(999, 0), (1000, 0), (1001, 1)])
def test_R6a_monthly_free_quota_boundary(n, postpaid):
    con = new_con()
    add_calls(con, calls(n, step=timedelta(seconds=30)))
    assert usage(bill(con, "2026-10"), "u1", ID)["postpaid_units"] == postpaid


def test_R6a_each_month_has_its_own_free_quota():
    con = new_con()
    add_calls(con, calls(800, start=datetime(2026, 9, 20, tzinfo=CST), step=timedelta(minutes=1), prefix="s")
              + calls(800, start=OCT, prefix="o"))
    assert usage(bill(con, "2026-10"), "u1", ID)["free_units"] == 800
    assert usage(bill(con, "2026-09"), "u1", ID)["free_units"] == 800


def test_R6b_one_time_free_pack_from_first_call_lasts_a_year_across_months():
    con = new_con()
    first = datetime(2026, 1, 15, 10, tzinfo=CST)
    add_calls(con, calls(600, action="RecognizeFormulaOCR", start=first, prefix="j")
              + calls(600, action="RecognizeFormulaOCR", start=datetime(2026, 3, 1, tzinfo=CST), prefix="m")
              + calls(10, action="RecognizeFormulaOCR", start=datetime(2027, 1, 15, 10, tzinfo=CST), prefix="x"))
    march = usage(bill(con, "2026-03"), "u1", FORMULA)
    assert (march["free_units"], march["postpaid_units"], march["amount"]) == (400, 200, Decimal("20.00"))
    # the pack expired at 2027-01-15 10:00 UTC+8, exactly when the January calls start
    january = usage(bill(con, "2027-01"), "u1", FORMULA)
    assert (january["free_units"], january["postpaid_units"]) == (0, 10)


@pytest.mark.parametrize(
    ("start", "free"),
    [
        (datetime(2026, 10, 9, 23, 59, tzinfo=CST), 1),  # one call before the 5 years end
        (datetime(2026, 10, 10, 0, 0, tzinfo=CST), 0),  # 2021-10-10 + 60 months, exclusive
    ],
)
def test_R6b_activation_event_starts_the_vat_verify_pack_for_five_years(start, free):
    con = new_con()
    add_events(con, [{"event_type": "activation", "owner_uin": "u1", "billing_item": VAT_VERIFY,
                      "at": datetime(2021, 10, 10, tzinfo=CST), "event_key": "act"}])
    add_calls(con, calls(60, action="VatInvoiceVerifyNew", start=start))
    line = usage(bill(con, "2026-10"), "u1", VAT_VERIFY)
    assert (line["free_units"], line["postpaid_units"]) == (free, 60 - free)


def test_R6b_vat_verify_gives_50_units():
    con = new_con()
    add_calls(con, calls(60, action="VatInvoiceVerifyNew"))
    line = usage(bill(con, "2026-10"), "u1", VAT_VERIFY)
    assert (line["free_units"], line["postpaid_units"], line["amount"]) == (50, 10, Decimal("3.00"))


def test_R6a_R8_each_months_free_pack_takes_that_months_quota_version():
    """The quota drops to 500 from November (a new billing_items version). September's closed bill
    (1000 free, 500 from p1) must stay as it was when November is rated: p1 carries 500 units, so
    November's 1000 calls are 500 free + 500 prepaid, nothing postpaid (spec §1.3)."""
    con = new_con()
    con.execute(
        "INSERT INTO ref_billing_items SELECT billing_item, pack_type, free_kind, 500, free_valid_months, aliases,"
        " DATE '2026-11-01' FROM ref_billing_items WHERE billing_item = ?", [ID])
    add_events(con, [pack("p1", "u1", ID, 1000, datetime(2026, 9, 1, tzinfo=CST), Decimal("84"))])
    add_bulk_calls(con, prefix="s", count=1500, owner="u1", action="IDCardOCR", start=datetime(2026, 9, 2, tzinfo=CST))
    add_bulk_calls(con, prefix="n", count=1000, owner="u1", action="IDCardOCR", start=datetime(2026, 11, 2, tzinfo=CST))
    september = usage(bill(con, "2026-09"), "u1", ID)
    assert (september["free_units"], september["prepaid_units"]) == (1000, 500)
    november = bill(con, "2026-11")
    [p1] = [b for b in november["pack_balances"] if b["pack_id"] == "p1"]
    assert (p1["used_total"], p1["used_in_month"]) == (1000, 500)
    line = usage(november, "u1", ID)
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"], line["amount"]) == (
        500, 500, 0, Decimal("0.00"))


# --- R7 paid pack validity -----------------------------------------------------------------------

def test_R7_pack_serves_from_effective_at_until_expiry_exclusive():
    con = new_con()
    eff = datetime(2026, 10, 10, tzinfo=CST)
    exp = datetime(2026, 10, 20, tzinfo=CST)
    add_events(con, [pack("p1", "u1", ID, 1000, eff - timedelta(days=3), Decimal("120"), effective_at=eff, expires_at=exp)])
    rows = calls(1000, start=datetime(2026, 10, 1, tzinfo=CST), step=timedelta(seconds=1), prefix="f")  # use the free pack
    rows += [
        {"request_id": "before", "ts": eff - timedelta(microseconds=1000), "owner_uin": "u1", "action": "IDCardOCR"},
        {"request_id": "at-start", "ts": eff, "owner_uin": "u1", "action": "IDCardOCR"},
        {"request_id": "last", "ts": exp - timedelta(milliseconds=1), "owner_uin": "u1", "action": "IDCardOCR"},
        {"request_id": "at-expiry", "ts": exp, "owner_uin": "u1", "action": "IDCardOCR"},
    ]
    add_calls(con, rows)
    result = bill(con, "2026-10")
    line = usage(result, "u1", ID)
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"]) == (1000, 2, 2)
    balance = next(b for b in result["pack_balances"] if b["pack_id"] == "p1")
    assert (balance["used_total"], balance["remaining"], balance["status"]) == (2, 998, "expired")


def test_R7_pack_serves_only_its_item():
    con = new_con()
    add_events(con, [pack("p1", "u1", BANK, 1000, OCT - timedelta(days=1), Decimal("120"))])
    add_calls(con, calls(1005))
    assert usage(bill(con, "2026-10"), "u1", ID)["prepaid_units"] == 0


def test_R7_back_dated_pack_serves_from_effective_at_and_is_listed_in_the_months_it_served():
    con = new_con()
    sept = datetime(2026, 9, 1, tzinfo=CST)
    add_events(con, [pack("r1", "u1", GENERAL, 1000, datetime(2026, 10, 1, 10, tzinfo=CST), Decimal("120"),
                          effective_at=sept)])
    add_calls(con, [{"request_id": "u1", "ts": datetime(2026, 9, 10, tzinfo=CST), "owner_uin": "u1",
                     "action": "GeneralBasicOCR", "images_total": 1010, "images_recognized": 1010}])
    september = bill(con, "2026-09")
    line = usage(september, "u1", GENERAL)
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"]) == (1000, 10, 0)
    [r1] = [b for b in september["pack_balances"] if b["pack_id"] == "r1"]
    assert (r1["used_in_month"], r1["used_total"], r1["remaining"]) == (10, 10, 990)
    [r1] = [b for b in bill(con, "2026-10")["pack_balances"] if b["pack_id"] == "r1"]
    assert (r1["used_in_month"], r1["used_total"]) == (0, 10)


def test_R7_R12_back_dated_pack_expired_before_its_purchase_is_listed_in_the_month_it_is_charged():
    con = new_con()
    add_events(con, [pack("bd", "u1", GENERAL, 1000, datetime(2026, 10, 15, tzinfo=CST), Decimal("84"),
                          effective_at=datetime(2026, 9, 1, tzinfo=CST), expires_at=datetime(2026, 9, 30, tzinfo=CST))])
    add_calls(con, [{"request_id": "u1", "ts": datetime(2026, 9, 10, tzinfo=CST), "owner_uin": "u1",
                     "action": "GeneralBasicOCR", "images_total": 1500, "images_recognized": 1500}])
    october = bill(con, "2026-10")
    [bd] = [b for b in october["pack_balances"] if b["pack_id"] == "bd"]
    assert (bd["used_in_month"], bd["used_total"], bd["status"]) == (0, 500, "expired")
    assert [line["amount"] for line in october["bill_lines"] if line["charge_type"] == "pack_purchase"] == [Decimal("84.00")]
    assert [b["pack_id"] for b in bill(con, "2026-11")["pack_balances"]] == []


@pytest.mark.parametrize("month, listed", [("2026-08", ["bd"]), ("2026-09", []), ("2026-10", ["bd"])])
def test_R7_R20_refund_after_the_month_does_not_list_a_pack_that_stopped_before_it(month, listed):
    """Found by hypothesis in CI: bought (and refunded) on 1 October, back-dated to serve 22–23
    August. September neither charges, serves nor refunds it; August and October list it."""
    con = new_con()
    bought = datetime(2026, 10, 1, tzinfo=CST)
    add_events(con, [
        pack("bd", "u1", ID, 1, bought, Decimal("1"), effective_at=datetime(2026, 8, 22, tzinfo=CST),
             expires_at=datetime(2026, 8, 23, tzinfo=CST)),
        {"event_type": "pack_refund", "pack_id": "bd", "owner_uin": "u1", "requested_at": bought, "event_key": "bd-r"},
    ])
    assert [b["pack_id"] for b in bill(con, month)["pack_balances"]] == listed


# --- R8 deduction order -------------------------------------------------------------------------

def test_R8_call_spans_two_packs_in_effective_order():
    con = new_con()
    add_events(con, [
        pack("b-later", "u1", ID, 1000, OCT - timedelta(days=1), Decimal("120")),
        pack("a-earlier", "u1", ID, 1000, OCT - timedelta(days=2), Decimal("120")),
    ])
    rows = calls(1000, step=timedelta(seconds=1), prefix="f") + calls(998, start=OCT + timedelta(hours=1), step=timedelta(seconds=1), prefix="g")
    rows.append({"request_id": "span", "ts": OCT + timedelta(hours=2), "owner_uin": "u1", "action": "IDCardOCR",
                 "images_total": 5, "images_recognized": 5})
    add_calls(con, rows)
    result = bill(con, "2026-10")
    balances = {b["pack_id"]: b for b in result["pack_balances"]}
    assert balances["a-earlier"]["used_total"] == 1000
    assert balances["b-later"]["used_total"] == 3
    assert usage(result, "u1", ID)["prepaid_units"] == 1003


def test_R8_same_effective_at_breaks_ties_by_pack_id_and_calls_by_request_id():
    con = new_con()
    add_events(con, [pack("p2", "u1", ID, 1000, OCT - timedelta(days=1)), pack("p1", "u1", ID, 1000, OCT - timedelta(days=1))])
    same = OCT + timedelta(hours=3)
    add_calls(con, calls(1000, step=timedelta(seconds=1), prefix="f")
              + [{"request_id": f"z{i}", "ts": same, "owner_uin": "u1", "action": "IDCardOCR"} for i in range(3)])
    balances = {b["pack_id"]: b for b in bill(con, "2026-10")["pack_balances"]}
    assert (balances["p1"]["used_total"], balances["p2"]["used_total"]) == (3, 0)


def test_R8_expired_remainder_is_lost_and_next_pack_takes_over():
    con = new_con()
    jan = datetime(2025, 10, 1, tzinfo=CST)
    add_events(con, [pack("old", "u1", ID, 1000, jan, Decimal("120")),
                     pack("new", "u1", ID, 1000, datetime(2026, 9, 1, tzinfo=CST), Decimal("120"))])
    add_calls(con, calls(1000, step=timedelta(seconds=1), prefix="f", start=datetime(2026, 10, 1, tzinfo=CST))
              + calls(5, start=datetime(2026, 10, 1, 1, tzinfo=CST), prefix="g"))
    balances = {b["pack_id"]: b for b in bill(con, "2026-10")["pack_balances"]}
    assert balances["old"]["status"] == "expired" if "old" in balances else True
    assert balances["new"]["used_total"] == 5


def test_R8_free_pack_before_paid_pack():
    con = new_con()
    add_events(con, [pack("p1", "u1", ID, 1000, OCT - timedelta(days=5), Decimal("120"))])
    add_calls(con, calls(10))
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert (line["free_units"], line["prepaid_units"]) == (10, 0)


# --- R9 ladder ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("n", "tier_from", "price", "amount"),
    [
        (9999, 0, Decimal("0.15"), Decimal("1349.85")),
        (10000, 10000, Decimal("0.10"), Decimal("900.00")),
        (99999, 10000, Decimal("0.10"), Decimal("9899.90")),
        (100000, 100000, Decimal("0.06"), Decimal("5940.00")),
    ],
)
def test_R9_tier_reached_by_all_units_prices_all_postpaid_units(n, tier_from, price, amount):
    con = new_con()
    add_bulk_calls(con, prefix="t", count=n, owner="u1", action="IDCardOCR", start=OCT, step_seconds=2)
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert (line["tier_from"], line["unit_price"], line["amount"]) == (tier_from, price, amount)


def test_R9_prepaid_units_count_towards_the_tier():
    con = new_con()
    add_events(con, [pack("p1", "u1", ID, 10000, OCT - timedelta(days=1), Decimal("800"))])
    add_bulk_calls(con, prefix="t", count=11500, owner="u1", action="IDCardOCR", start=OCT, step_seconds=2)
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert (line["postpaid_units"], line["tier_from"], line["amount"]) == (500, 10000, Decimal("50.00"))


def test_R9_R10_amount_rounds_half_up_once_per_line():
    con = new_con()
    add_events(con, [{"event_type": "contract_price", "owner_uin": "u1", "billing_item": ID,
                      "unit_price": Decimal("0.000125"), "from_month": "2026-10", "event_key": "c1"}])
    add_bulk_calls(con, prefix="t", count=1_000_040, owner="u1", action="IDCardOCR", start=OCT, step_seconds=2)
    line = usage(bill(con, "2026-10"), "u1", ID)
    # 999040 × 0.000125 = 124.88; computed per call and summed it would drift
    assert line["postpaid_units"] == 999_040
    assert line["amount"] == Decimal("124.88")


# --- R10 联系商务 ---------------------------------------------------------------------------------

def test_R10_contract_tier_without_contract_is_flagged_and_zero():
    con = new_con()
    add_bulk_calls(con, prefix="t", count=1_000_000, owner="u1", action="IDCardOCR", start=OCT, step_seconds=2)
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert (line["tier_from"], line["amount"], line["flags"]) == (1_000_000, Decimal("0.00"), "needs_contract_price")


@pytest.mark.parametrize(("calls_made", "flags", "postpaid"), [(1000, "", 0), (1001, "needs_contract_price", 1)])
def test_R10_needs_contract_price_only_when_postpaid_units_reach_the_tier(calls_made, flags, postpaid):
    """条码信息查询 is 联系商务 in every tier: units the free quota covers have nothing to price."""
    con = new_con()
    add_calls(con, calls(calls_made, action="QueryBarCode", step=timedelta(seconds=1)))
    line = usage(bill(con, "2026-10"), "u1", "条码信息查询")
    assert (line["postpaid_units"], line["amount"], line["flags"]) == (postpaid, Decimal("0.00"), flags)


def test_R10_contract_price_applies_within_its_months():
    con = new_con()
    add_events(con, [
        {"event_type": "contract_price", "owner_uin": "u1", "billing_item": ID, "unit_price": Decimal("0.05"),
         "from_month": "2026-01", "to_month": "2026-09", "event_key": "old"},
        {"event_type": "contract_price", "owner_uin": "u1", "billing_item": ID, "unit_price": Decimal("0.04"),
         "from_month": "2026-10", "event_key": "new"},
    ])
    add_bulk_calls(con, prefix="t", count=1_001_000, owner="u1", action="IDCardOCR", start=OCT, step_seconds=2)
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert (line["unit_price"], line["amount"], line["flags"]) == (Decimal("0.04"), Decimal("40000.00"), "contract_price")


def test_R10_overlapping_contract_prices_take_the_latest_and_are_reported():
    con = new_con()
    add_events(con, [
        {"event_type": "contract_price", "owner_uin": "u1", "billing_item": ID, "unit_price": Decimal("0.05"),
         "from_month": "2026-01", "event_key": "old"},  # open-ended: still covers October
        {"event_type": "contract_price", "owner_uin": "u1", "billing_item": ID, "unit_price": Decimal("0.04"),
         "from_month": "2026-10", "to_month": "2026-12", "event_key": "new"},
    ])
    add_bulk_calls(con, prefix="t", count=1_001_000, owner="u1", action="IDCardOCR", start=OCT, step_seconds=2)
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert (line["unit_price"], line["amount"]) == (Decimal("0.04"), Decimal("40000.00"))
    rows = con.execute(
        "SELECT key, records, detail FROM (" + sql_text("report_issues") + ") WHERE kind = 'contract_price_overlap'"
    ).fetchall()
    assert rows == [(f"u1 {ID}", 2, "contract prices that cover the month: 2026-01.., 2026-10..2026-12; "
                                     "the latest from_month applies")]


# --- R12 pack charges -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("item", "size", "price", "amount"),
    [
        (ID, 100000, Decimal("3500"), Decimal("3500.00")),  # promotional price
        (ID, 100000, None, Decimal("5000.00")),  # list price
        (FORMULA, 1000, None, Decimal("84.00")),
        (SMALL, 10000000, None, Decimal("150000.00")),
        ("商户门头照识别", 10000000, None, Decimal("2000000.00")),  # a list price of 7 digits
    ],
)
def test_R12_pack_charged_in_purchase_month_at_price_or_list_price(item, size, price, amount):
    con = new_con()
    add_events(con, [pack("p1", "u1", item, size, datetime(2026, 10, 31, 23, 59, tzinfo=CST), price)])
    lines = bill(con, "2026-10")["bill_lines"]
    assert [(line["charge_type"], line["ref_id"], line["amount"]) for line in lines] == [("pack_purchase", "p1", amount)]
    # FOCUS: the list cost is the published price for the size, the billed cost what was paid
    list_price = {100000: Decimal("5000.00"), 1000: Decimal("84.00"), 10000000: amount}[size]
    assert con.execute("SELECT ListCost, BilledCost FROM focus WHERE x_RefId = 'p1'").fetchall() == [
        (list_price, amount)
    ]
    assert bill(con, "2026-11")["bill_lines"] == []


# --- months chain ------------------------------------------------------------------------------------

def test_months_chain_pack_bought_in_august_serves_september_and_october():
    con = new_con()
    add_events(con, [pack("p1", "u1", ID, 10000, datetime(2026, 8, 20, tzinfo=CST), Decimal("800"))])
    add_calls(con, calls(4000, start=datetime(2026, 9, 1, tzinfo=CST), prefix="s")
              + calls(4000, start=datetime(2026, 10, 1, tzinfo=CST), prefix="o"))
    october_first = bill(con, "2026-10")
    bill(con, "2026-09")
    october_again = bill(con, "2026-10")
    assert october_first == october_again
    balance = next(b for b in october_first["pack_balances"] if b["pack_id"] == "p1")
    assert (balance["used_in_month"], balance["used_total"], balance["remaining"]) == (3000, 6000, 4000)


def test_every_usage_line_splits_exactly():
    con = new_con()
    add_events(con, [pack("p1", "u1", ID, 1000, OCT - timedelta(days=1))])
    add_calls(con, calls(2500) + calls(50, action="MixedInvoiceOCR", tickets=[3, 2], prefix="m")
              + calls(7, site="international", prefix="i"))
    for line in bill(con, "2026-10")["bill_lines"]:
        assert line["free_units"] + line["prepaid_units"] + line["postpaid_units"] == line["billable_units"]


def test_billing_stops_on_an_inconsistent_reference_table(tmp_path, monkeypatch):
    import shutil

    from ocrbill import catalog
    from ocrbill.paths import REFERENCE_DIR
    from ocrbill.rate import RatingError, rate_month
    from ocrbill.reference import load_reference

    ref = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, ref)
    with open(ref / "regions.csv", "a", encoding="utf-8") as fh:
        fh.write("ap-guangzhou,广州,international,2000-01-01\n")  # a second, contradicting row
    monkeypatch.setattr(catalog, "load_reference", lambda con: load_reference(con, ref))
    with pytest.raises(RatingError, match="duplicate key"):
        rate_month(tmp_path / "wh", "2026-10")
