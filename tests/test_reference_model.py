"""Tests of the slow reference model (tests/reference_model.py).

The seed's worked examples (费用计算示例, 混贴票据计费说明) must come out exactly, plus boundary
tests named after the rule they pin down. Prices here are a small hand-written excerpt of the seed
(only the items needed), so these tests do not depend on the `ocrbill` package.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_model import (  # noqa: E402
    Call,
    Pack,
    Prices,
    add_months,
    billing_month_of,
    free_monthly_pack_id,
    free_once_pack_id,
    rate_month,
)

D = Decimal
CST = timezone(timedelta(hours=8))
UTC = timezone.utc

ID_CARD = "身份证识别"
BANK_CARD = "银行卡识别"
DRIVER = "行驶证/驾驶证识别"
GENERAL = "通用印刷体识别"
LARGE = "通用票据识别（大票）"
SMALL = "通用票据识别（小票）"
FORMULA = "公式识别"
VAT_VERIFY = "增值税发票核验"

LADDER_STD = [D("0.15"), D("0.10"), D("0.06"), None]  # 0.15 / 0.10 / 0.06 / 联系商务

SEED = Prices(
    action_item={
        "IDCardOCR": ID_CARD,
        "RecognizeEncryptedIDCardOCR": ID_CARD,
        "BankCardOCR": BANK_CARD,
        "DriverLicenseOCR": DRIVER,
        "VehicleLicenseOCR": DRIVER,
        "GeneralBasicOCR": GENERAL,
        "FormulaOCR": FORMULA,
        "VatInvoiceVerifyNew": VAT_VERIFY,
    },
    ticket_item={3: LARGE, 12: LARGE, 0: SMALL, 2: SMALL, 8: SMALL, 9: SMALL},
    billable_errors=frozenset({
        "FailedOperation.InvoiceMismatch", "ResourceNotFound.NoInvoice",
        "FailedOperation.EmptyImageError", "FailedOperation.ImageNoBusinessCard",
    }),
    free_monthly={ID_CARD: 1000, BANK_CARD: 1000, DRIVER: 1000, GENERAL: 1000, LARGE: 1000,
                  SMALL: 1000},
    free_once={FORMULA: (1000, 12), VAT_VERIFY: (50, 60)},
    ladder={
        ID_CARD: LADDER_STD, BANK_CARD: LADDER_STD, DRIVER: LADDER_STD, GENERAL: LADDER_STD,
        LARGE: LADDER_STD, SMALL: [D("0.10"), D("0.07"), D("0.04"), None],
        FORMULA: [D("0.1")] * 4, VAT_VERIFY: [D("0.30"), D("0.28"), D("0.25"), None],
    },
    intl_ladder={GENERAL: [D("0.20"), D("0.15"), D("0.10"), D("0.08")]},
    pack_list_price={
        (ID_CARD, 1000): D("120"), (ID_CARD, 100_000): D("5000"),
        (BANK_CARD, 1000): D("120"), (GENERAL, 1000): D("120"), (GENERAL, 10_000): D("800"),
    },
)

OCT = "2026-10"
OCT_START = datetime(2026, 10, 1, tzinfo=CST)


def calls_of(action, n, owner="100001", start=OCT_START, step=timedelta(seconds=1),
             site="domestic", prefix=None, **fields):
    """n calls of one action, one every `step` from `start` (request ids sort like time)."""
    prefix = prefix or f"{owner}-{action}-{start.isoformat()}"
    return [Call(f"{prefix}-{i:07d}", start + i * step, owner, action, site, **fields)
            for i in range(n)]


def pack(pack_id, item, size, purchased_at, owner="100001", price=None, effective_at=None,
         expires_at=None, refunded_at=None):
    effective_at = effective_at or purchased_at
    return Pack(pack_id, owner, item, size, purchased_at, effective_at,
                expires_at or add_months(effective_at, 12), price, refunded_at)


def usage_line(result, item, owner="100001", site="domestic"):
    found = [l for l in result["lines"] if l["charge_type"] == "usage"
             and l["billing_item"] == item and l["owner_uin"] == owner and l["site"] == site]
    assert len(found) == 1, found
    return found[0]


def balance(result, pack_id):
    found = [b for b in result["pack_balances"] if b["pack_id"] == pack_id]
    assert len(found) == 1, result["pack_balances"]
    return found[0]


def total(result, charge_type=None):
    return sum((l["amount"] for l in result["lines"]
                if charge_type is None or l["charge_type"] == charge_type), D("0"))


# ---------------------------------------------------------------------------------------------
# Seed worked examples (费用计算示例)
# ---------------------------------------------------------------------------------------------


def test_R12_seed_prepaid_example_1_three_id_card_packs_at_3500():
    packs = [pack(f"p{i}", ID_CARD, 100_000, OCT_START + timedelta(hours=i), price=D("3500"))
             for i in range(3)]
    result = rate_month(OCT, [], packs, SEED)
    purchases = [l for l in result["lines"] if l["charge_type"] == "pack_purchase"]
    assert [l["ref_id"] for l in purchases] == ["p0", "p1", "p2"]
    assert all(l["site"] == "domestic" and l["billable_units"] == 0 for l in purchases)
    assert total(result) == D("10500.00")


def test_R12_pack_price_defaults_to_list_price():
    result = rate_month(OCT, [], [pack("p", ID_CARD, 1000, OCT_START)], SEED)
    assert total(result, "pack_purchase") == D("120.00")


def test_R8_seed_prepaid_example_2_bank_card_2500_calls_and_a_1000_pack_at_84():
    p = pack("bank-1000", BANK_CARD, 1000, OCT_START, price=D("84"))
    calls = calls_of("BankCardOCR", 2500, start=OCT_START + timedelta(hours=1))
    result = rate_month(OCT, calls, [p], SEED)
    line = usage_line(result, BANK_CARD)
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"]) == (1000, 1000, 500)
    assert line["calls"] == 2500 and line["billable_units"] == 2500
    assert line["amount"] == D("75.00")
    assert total(result) == D("159.00")
    b = balance(result, "bank-1000")
    assert (b["used_in_month"], b["remaining"], b["status"]) == (1000, 0, "exhausted")


def test_R6a_seed_postpaid_example_1_900_id_card_calls_are_free():
    result = rate_month(OCT, calls_of("IDCardOCR", 900), [], SEED)
    line = usage_line(result, ID_CARD)
    assert (line["free_units"], line["postpaid_units"], line["amount"]) == (900, 0, D("0.00"))
    assert total(result) == 0


def test_R9_seed_postpaid_example_2_9000_driver_license_calls():
    result = rate_month(OCT, calls_of("DriverLicenseOCR", 9000), [], SEED)
    line = usage_line(result, DRIVER)
    assert (line["tier_from"], line["unit_price"]) == (0, D("0.15"))
    assert line["amount"] == D("1200.00")


def test_R9_seed_postpaid_example_3_90000_general_basic_calls():
    result = rate_month(OCT, calls_of("GeneralBasicOCR", 90_000), [], SEED)
    line = usage_line(result, GENERAL)
    assert (line["tier_from"], line["unit_price"]) == (10_000, D("0.10"))
    assert line["amount"] == D("8900.00")


def test_R9_seed_postpaid_example_4_900000_bank_card_calls():
    calls = calls_of("BankCardOCR", 900_000, step=timedelta(seconds=2))
    result = rate_month(OCT, calls, [], SEED)
    line = usage_line(result, BANK_CARD)
    assert (line["tier_from"], line["unit_price"]) == (100_000, D("0.06"))
    assert (line["free_units"], line["postpaid_units"]) == (1000, 899_000)
    assert line["amount"] == D("53940.00")


def test_R4a_seed_mixed_invoice_example_vat_machine_printed_train():
    call = Call("mix-1", OCT_START, "100001", "MixedInvoiceOCR", "domestic", tickets=(3, 8, 2))
    result = rate_month(OCT, [call], [], SEED)
    assert usage_line(result, LARGE)["billable_units"] == 1
    assert usage_line(result, SMALL)["billable_units"] == 2
    assert usage_line(result, LARGE)["calls"] == usage_line(result, SMALL)["calls"] == 1
    assert {l["billing_item"] for l in result["lines"]} == {LARGE, SMALL}  # not 增值税发票识别


def test_R4a_mixed_invoice_error_or_no_tickets_bills_nothing():
    calls = [
        Call("m1", OCT_START, "100001", "MixedInvoiceOCR", "domestic", tickets=()),
        Call("m2", OCT_START, "100001", "MixedInvoiceOCR", "domestic"),
        Call("m3", OCT_START, "100001", "MixedInvoiceOCR", "domestic",
             error_code="FailedOperation.EmptyImageError", tickets=(3,)),
    ]
    assert rate_month(OCT, calls, [], SEED)["lines"] == []


def test_R4bc_units_legacy_images_and_error_codes():
    t = OCT_START
    calls = [
        Call("a", t, "1", "GeneralBasicOCR", "domestic", images_total=5, images_recognized=4),
        Call("b", t, "1", "GeneralBasicOCR", "domestic", error_code="FailedOperation.ImageBlur"),
        Call("c", t, "1", "GeneralBasicOCR", "domestic",
             error_code="FailedOperation.EmptyImageError"),
        Call("d", t, "1", "GeneralBasicOCR", "domestic", error_code=""),
        Call("e", t, "1", "GeneralBasicOCR", "domestic", images_total=3, images_recognized=0),
        Call("f", t, "1", "UnknownNoItemAction", "domestic"),
    ]
    line = usage_line(rate_month(OCT, calls, [], SEED), GENERAL, owner="1")
    assert (line["billable_units"], line["calls"]) == (4 + 1 + 1, 3)


# ---------------------------------------------------------------------------------------------
# Boundaries, by rule
# ---------------------------------------------------------------------------------------------


def test_R1_month_boundary_utc_plus_8():
    last_sept = datetime(2026, 9, 30, 15, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999999 +08
    first_oct = datetime(2026, 9, 30, 16, 0, 0, tzinfo=UTC)  # 00:00 +08 on Oct 1
    assert billing_month_of(last_sept) == "2026-09"
    assert billing_month_of(first_oct) == "2026-10"
    assert billing_month_of(datetime(2026, 9, 30, 16, 0, 0)) == "2026-10"  # naive = UTC
    calls = [Call("s", last_sept, "1", "IDCardOCR", "domestic"),
             Call("o", first_oct, "1", "IDCardOCR", "domestic")]
    sept, oct_ = rate_month("2026-09", calls, [], SEED), rate_month(OCT, calls, [], SEED)
    assert usage_line(sept, ID_CARD, owner="1")["billable_units"] == 1
    assert usage_line(oct_, ID_CARD, owner="1")["billable_units"] == 1
    # each month has its own free pack, effective 00:00 +08 on the 1st
    b = balance(oct_, free_monthly_pack_id("1", ID_CARD, OCT))
    assert (b["effective_at"], b["used_total"], b["status"]) == (first_oct, 1, "expired")


def test_R1_pack_purchase_month_is_utc_plus_8():
    p = pack("p", ID_CARD, 1000, datetime(2026, 9, 30, 16, 30, tzinfo=UTC), price=D("100"))
    assert total(rate_month("2026-09", [], [p], SEED)) == 0
    assert total(rate_month(OCT, [], [p], SEED)) == D("100.00")


def test_R8_call_spans_two_packs():
    start = OCT_START + timedelta(hours=1)
    p_a = pack("A", GENERAL, 1000, OCT_START)
    p_b = pack("B", GENERAL, 1000, OCT_START)  # same effective_at: pack_id breaks the tie
    calls = calls_of("GeneralBasicOCR", 998, start=start, prefix="x")  # free pack: 2 left
    calls.append(Call("y1", start + timedelta(hours=1), "100001", "GeneralBasicOCR", "domestic",
                      images_total=5, images_recognized=5))  # 2 free + 3 from A
    calls += calls_of("GeneralBasicOCR", 996, start=start + timedelta(hours=2), prefix="z")
    calls.append(Call("y2", start + timedelta(hours=3), "100001", "GeneralBasicOCR", "domestic",
                      images_total=4, images_recognized=4))  # 1 from A + 3 from B
    result = rate_month(OCT, calls, [p_b, p_a], SEED)
    line = usage_line(result, GENERAL)
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"]) == (1000, 1003, 0)
    assert (balance(result, "A")["remaining"], balance(result, "A")["status"]) == (0, "exhausted")
    assert (balance(result, "B")["used_total"], balance(result, "B")["status"]) == (3, "active")


def test_R8_paid_packs_drawn_by_effective_at_before_pack_id():
    early = pack("Z-early", GENERAL, 1000, OCT_START)
    late = pack("A-late", GENERAL, 1000, OCT_START + timedelta(minutes=1))
    calls = calls_of("GeneralBasicOCR", 1010, start=OCT_START + timedelta(hours=1))
    result = rate_month(OCT, calls, [late, early], SEED)
    assert balance(result, "Z-early")["used_total"] == 10
    assert balance(result, "A-late")["used_total"] == 0


def test_R8_order_is_timestamp_then_request_id():
    # 1000 free units; two calls at the same instant: the smaller request_id gets the last free one
    t = OCT_START + timedelta(hours=2)
    calls = calls_of("GeneralBasicOCR", 999, start=OCT_START, prefix="a")
    calls += [Call("r-2", t, "100001", "GeneralBasicOCR", "domestic"),
              Call("r-1", t, "100001", "GeneralBasicOCR", "domestic", images_total=2,
                   images_recognized=2)]
    line = usage_line(rate_month(OCT, calls, [], SEED), GENERAL)
    # r-1 (2 units) first: 1 free + 1 postpaid; then r-2: postpaid
    assert (line["free_units"], line["postpaid_units"]) == (1000, 2)


def test_R7_pack_expiry_instant_is_exclusive():
    expires = OCT_START + timedelta(days=10)
    p = pack("P", GENERAL, 1000, datetime(2025, 10, 1, tzinfo=CST), expires_at=expires)
    calls = calls_of("GeneralBasicOCR", 1000, start=OCT_START, prefix="f")  # use up free
    calls += [Call("just-before", expires - timedelta(microseconds=1), "100001", "GeneralBasicOCR",
                   "domestic"),
              Call("at-expiry", expires, "100001", "GeneralBasicOCR", "domestic")]
    result = rate_month(OCT, calls, [p], SEED)
    line = usage_line(result, GENERAL)
    assert (line["prepaid_units"], line["postpaid_units"]) == (1, 1)
    b = balance(result, "P")
    assert (b["used_total"], b["remaining"], b["status"]) == (1, 999, "expired")  # remainder lost


def test_R7_pack_effective_instant_is_inclusive_and_item_and_owner_specific():
    eff = OCT_START + timedelta(days=3)
    p = pack("P", GENERAL, 1000, OCT_START, effective_at=eff)
    calls = calls_of("GeneralBasicOCR", 1000, start=OCT_START, prefix="f")
    calls += [Call("before", eff - timedelta(microseconds=1), "100001", "GeneralBasicOCR",
                   "domestic"),
              Call("at", eff, "100001", "GeneralBasicOCR", "domestic"),
              Call("other-owner", eff, "100002", "GeneralBasicOCR", "domestic"),
              Call("other-item", eff, "100001", "IDCardOCR", "domestic")]
    result = rate_month(OCT, calls, [p], SEED)
    line = usage_line(result, GENERAL)
    assert (line["prepaid_units"], line["postpaid_units"]) == (1, 1)
    assert usage_line(result, GENERAL, owner="100002")["prepaid_units"] == 0
    assert usage_line(result, ID_CARD)["prepaid_units"] == 0


def test_R20_refunded_pack_stops_serving_at_refund_instant():
    refund_at = OCT_START + timedelta(days=2)
    p = pack("P", GENERAL, 1000, OCT_START, price=D("120"), refunded_at=refund_at)
    calls = calls_of("GeneralBasicOCR", 1000, start=OCT_START, prefix="f")
    calls += [Call("before", refund_at - timedelta(seconds=1), "100001", "GeneralBasicOCR",
                   "domestic"),
              Call("at", refund_at, "100001", "GeneralBasicOCR", "domestic")]
    result = rate_month(OCT, calls, [p], SEED)
    line = usage_line(result, GENERAL)
    assert (line["prepaid_units"], line["postpaid_units"]) == (1, 1)
    assert balance(result, "P")["status"] == "refunded"
    assert total(result, "pack_purchase") == D("120.00")  # the refund line is not modelled here


def test_R9_tier_boundary_9999_vs_10000():
    # the 1000 free units count in the total that picks the tier
    below = usage_line(rate_month(OCT, calls_of("IDCardOCR", 9999), [], SEED), ID_CARD)
    at = usage_line(rate_month(OCT, calls_of("IDCardOCR", 10_000), [], SEED), ID_CARD)
    assert (below["tier_from"], below["unit_price"], below["postpaid_units"]) == (0, D("0.15"), 8999)
    assert below["amount"] == D("1349.85")
    assert (at["tier_from"], at["unit_price"], at["postpaid_units"]) == (10_000, D("0.10"), 9000)
    assert at["amount"] == D("900.00")


def test_R9_prepaid_units_count_towards_the_tier():
    p = pack("P", ID_CARD, 100_000, OCT_START)
    line = usage_line(rate_month(OCT, calls_of("IDCardOCR", 101_500), [p], SEED), ID_CARD)
    assert (line["tier_from"], line["postpaid_units"], line["amount"]) == (100_000, 500, D("30.00"))


def test_R9_rounding_half_up_once_per_line():
    prices = dataclasses.replace(SEED, ladder={**SEED.ladder, GENERAL: [D("0.005")] * 4})
    calls = calls_of("GeneralBasicOCR", 1001)  # 1 postpaid unit x 0.005 = 0.005 -> 0.01
    assert usage_line(rate_month(OCT, calls, [], prices), GENERAL)["amount"] == D("0.01")


def _million_units(owner="100001"):
    # 1000 legacy calls of 1000 recognised images each: 1,000,000 units (tier 100万)
    return calls_of("GeneralBasicOCR", 1000, owner=owner, images_total=1000,
                    images_recognized=1000)


def test_R10_contract_price():
    result = rate_month(OCT, _million_units(), [], SEED,
                        contract_prices={("100001", GENERAL): D("0.045")})
    line = usage_line(result, GENERAL)
    assert (line["tier_from"], line["postpaid_units"]) == (1_000_000, 999_000)
    assert line["unit_price"] == D("0.045") and line["flags"] == ("contract_price",)
    assert line["amount"] == D("44955.00")


def test_R10_needs_contract_price_without_one():
    result = rate_month(OCT, _million_units(), [], SEED,
                        contract_prices={("someone-else", GENERAL): D("0.01")})
    line = usage_line(result, GENERAL)
    assert line["flags"] == ("needs_contract_price",)
    assert line["amount"] == D("0.00") and line["unit_price"] is None


def test_R10_no_postpaid_units_needs_no_price():
    p = pack("P", GENERAL, 1_000_000, OCT_START)
    line = usage_line(rate_month(OCT, _million_units(), [p], SEED), GENERAL)
    assert (line["tier_from"], line["postpaid_units"], line["flags"]) == (1_000_000, 0, ())
    assert line["amount"] == D("0.00")


def test_R11_unpriced():
    calls = calls_of("IDCardOCR", 5, site="international")  # no intl price for 身份证识别
    line = usage_line(rate_month(OCT, calls, [], SEED), ID_CARD, site="international")
    assert (line["free_units"], line["postpaid_units"]) == (0, 5)
    assert line["flags"] == ("unpriced",) and line["amount"] == D("0.00")


def test_R11_international_has_no_free_quota_and_no_packs():
    p = pack("P", GENERAL, 1000, OCT_START)
    calls = calls_of("GeneralBasicOCR", 10, site="international", prefix="i")
    calls += calls_of("GeneralBasicOCR", 10, prefix="d")
    result = rate_month(OCT, calls, [p], SEED)
    intl = usage_line(result, GENERAL, site="international")
    assert (intl["free_units"], intl["prepaid_units"], intl["postpaid_units"]) == (0, 0, 10)
    assert intl["amount"] == D("2.00") and intl["flags"] == ()
    dom = usage_line(result, GENERAL)
    assert (dom["free_units"], dom["billable_units"]) == (10, 10)  # the site tiers separately
    assert balance(result, "P")["used_total"] == 0


def test_R6b_once_free_from_first_call():
    first = datetime(2026, 3, 15, 10, 0, tzinfo=CST)
    calls = [Call("err", first - timedelta(days=1), "1", "FormulaOCR", "domestic",
                  error_code="FailedOperation.ImageBlur")]  # not billable: does not open it
    calls += calls_of("FormulaOCR", 500, owner="1", start=first, prefix="mar")
    calls += calls_of("FormulaOCR", 600, owner="1", start=datetime(2026, 4, 2, tzinfo=CST),
                      prefix="apr")
    expiry = datetime(2027, 3, 15, 10, 0, tzinfo=CST)
    calls += [Call("x-before", expiry - timedelta(microseconds=1), "1", "FormulaOCR", "domestic")]
    calls += [Call("x-at", expiry, "1", "FormulaOCR", "domestic")]

    march = rate_month("2026-03", calls, [], SEED)
    line = usage_line(march, FORMULA, owner="1")
    assert (line["free_units"], line["postpaid_units"], line["calls"]) == (500, 0, 500)
    b = balance(march, free_once_pack_id("1", FORMULA))
    assert (b["kind"], b["effective_at"], b["expires_at"]) == ("free_once", first, expiry)
    assert (b["used_in_month"], b["remaining"], b["status"]) == (500, 500, "active")

    april = rate_month("2026-04", calls, [], SEED)
    line = usage_line(april, FORMULA, owner="1")
    assert (line["free_units"], line["postpaid_units"], line["amount"]) == (500, 100, D("10.00"))
    assert balance(april, free_once_pack_id("1", FORMULA))["status"] == "exhausted"


def test_R6b_once_free_expiry_is_exclusive_and_activation_event_wins():
    act = datetime(2026, 1, 31, 12, 0, tzinfo=CST)
    calls = [Call("before-act", act - timedelta(seconds=1), "1", "VatInvoiceVerifyNew", "domestic"),
             Call("at-act", act, "1", "VatInvoiceVerifyNew", "domestic")]
    expiry = add_months(act, 60)
    assert expiry == datetime(2031, 1, 31, 12, 0, tzinfo=CST)
    calls += [Call("at-expiry", expiry, "1", "VatInvoiceVerifyNew", "domestic")]
    activations = {("1", VAT_VERIFY): act}
    jan = usage_line(rate_month("2026-01", calls, [], SEED, activations=activations), VAT_VERIFY,
                     owner="1")
    assert (jan["free_units"], jan["postpaid_units"]) == (1, 1)  # nothing free before activation
    jan31 = rate_month("2031-01", calls, [], SEED, activations=activations)
    assert usage_line(jan31, VAT_VERIFY, owner="1")["postpaid_units"] == 1
    assert balance(jan31, free_once_pack_id("1", VAT_VERIFY))["status"] == "expired"


def test_add_months_clamps_to_month_end():
    assert add_months(datetime(2026, 1, 31, 9, tzinfo=CST), 1) == datetime(2026, 2, 28, 9,
                                                                          tzinfo=CST)
    assert add_months(datetime(2028, 2, 29, tzinfo=CST), 12) == datetime(2029, 2, 28, tzinfo=CST)


def test_months_chain_carry_over_pack_bought_in_august():
    aug, sep, oct_ = (datetime(2026, m, 1, tzinfo=CST) for m in (8, 9, 10))
    p = pack("P", BANK_CARD, 1000, aug + timedelta(days=9), price=D("84"))
    calls = (calls_of("BankCardOCR", 1500, start=aug + timedelta(days=10), prefix="aug")
             + calls_of("BankCardOCR", 1200, start=sep, prefix="sep")
             + calls_of("BankCardOCR", 1600, start=oct_, prefix="oct"))
    r_aug = rate_month("2026-08", calls, [p], SEED)
    r_sep = rate_month("2026-09", calls, [p], SEED)
    r_oct = rate_month("2026-10", calls, [p], SEED)
    assert total(r_aug) == D("84.00")
    assert usage_line(r_aug, BANK_CARD)["prepaid_units"] == 500
    assert (balance(r_aug, "P")["used_total"], balance(r_aug, "P")["status"]) == (500, "active")
    assert usage_line(r_sep, BANK_CARD)["prepaid_units"] == 200
    assert total(r_sep) == 0
    assert (balance(r_sep, "P")["used_in_month"], balance(r_sep, "P")["remaining"]) == (200, 300)
    line = usage_line(r_oct, BANK_CARD)
    assert (line["free_units"], line["prepaid_units"], line["postpaid_units"]) == (1000, 300, 300)
    assert total(r_oct) == D("45.00")
    b = balance(r_oct, "P")
    assert (b["used_in_month"], b["used_total"], b["remaining"], b["status"]) == (
        300, 1000, 0, "exhausted")


def test_months_chain_later_calls_do_not_change_an_earlier_month():
    p = pack("P", BANK_CARD, 1000, datetime(2026, 9, 5, tzinfo=CST))
    sept = calls_of("BankCardOCR", 1100, start=datetime(2026, 9, 6, tzinfo=CST), prefix="s")
    later = calls_of("BankCardOCR", 3000, start=OCT_START, prefix="o")
    assert rate_month("2026-09", sept, [p], SEED) == rate_month("2026-09", sept + later, [p], SEED)


def test_pack_balances_listing():
    sep = datetime(2026, 9, 1, tzinfo=CST)
    packs = [
        pack("bought-next-month", GENERAL, 1000, datetime(2026, 11, 1, tzinfo=CST)),
        pack("expired-before", GENERAL, 1000, datetime(2025, 1, 1, tzinfo=CST),
             expires_at=OCT_START),
        pack("live", GENERAL, 1000, sep),
    ]
    calls = calls_of("IDCardOCR", 3) + calls_of("IDCardOCR", 3, site="international", prefix="i")
    result = rate_month(OCT, calls, packs, SEED)
    ids = {b["pack_id"] for b in result["pack_balances"]}
    # no monthly free pack for 通用印刷体识别 (no usage), none for an international-only owner
    assert ids == {"live", free_monthly_pack_id("100001", ID_CARD, OCT)}
    assert balance(result, "live")["status"] == "active"


# ---------------------------------------------------------------------------------------------
# Properties of the model itself (small random inputs)
# ---------------------------------------------------------------------------------------------

ACTIONS = ["IDCardOCR", "GeneralBasicOCR", "FormulaOCR", "MixedInvoiceOCR"]
SEPT_START = datetime(2026, 9, 1, tzinfo=CST)


@st.composite
def scenarios(draw):
    n = draw(st.integers(0, 40))
    calls = []
    for i in range(n):
        action = draw(st.sampled_from(ACTIONS))
        ts = SEPT_START + timedelta(minutes=draw(st.integers(0, 61 * 24 * 60)))
        kwargs = {}
        if action == "MixedInvoiceOCR":
            kwargs["tickets"] = tuple(draw(st.lists(st.sampled_from([0, 2, 3, 4, 12]), max_size=4)))
        elif draw(st.booleans()):
            total_ = draw(st.integers(1, 400))
            kwargs.update(images_total=total_, images_recognized=draw(st.integers(0, total_)))
        calls.append(Call(f"r{i:03d}", ts, draw(st.sampled_from(["u1", "u2"])), action,
                          draw(st.sampled_from(["domestic", "domestic", "international"])),
                          error_code=draw(st.sampled_from([None, None, "FailedOperation.ImageBlur",
                                                           "FailedOperation.EmptyImageError"])),
                          **kwargs))
    packs = []
    for j in range(draw(st.integers(0, 4))):
        eff = SEPT_START + timedelta(days=draw(st.integers(-20, 50)))
        packs.append(Pack(f"p{j}", draw(st.sampled_from(["u1", "u2"])),
                          draw(st.sampled_from([GENERAL, ID_CARD, SMALL])),
                          draw(st.sampled_from([50, 300, 1000])), eff, eff,
                          eff + timedelta(days=draw(st.integers(1, 40))), D("10")))
    return calls, packs


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_model_invariants(scenario):
    calls, packs = scenario
    prices = dataclasses.replace(SEED, free_monthly={**SEED.free_monthly, GENERAL: 200, ID_CARD: 50})
    sep = rate_month("2026-09", calls, packs, prices)
    oct_ = rate_month("2026-10", calls, packs, prices)
    for result in (sep, oct_):
        for line in result["lines"]:
            assert line["billable_units"] == (line["free_units"] + line["prepaid_units"]
                                              + line["postpaid_units"])
            if line["site"] == "international":
                assert line["free_units"] == line["prepaid_units"] == 0
            assert line["amount"] == line["amount"].quantize(D("0.01"))
        for b in result["pack_balances"]:
            assert 0 <= b["used_in_month"] <= b["used_total"] <= b["size"]
            assert b["remaining"] == b["size"] - b["used_total"]
    # months chain: October's totals continue September's
    sep_b = {b["pack_id"]: b for b in sep["pack_balances"] if b["kind"] == "paid"}
    for b in oct_["pack_balances"]:
        if b["pack_id"] in sep_b:
            assert b["used_total"] == sep_b[b["pack_id"]]["used_total"] + b["used_in_month"]
    # prepaid units in the lines are exactly the units drawn from paid packs that month
    for result in (sep, oct_):
        prepaid = sum(l["prepaid_units"] for l in result["lines"])
        drawn = sum(b["used_in_month"] for b in result["pack_balances"] if b["kind"] == "paid")
        assert prepaid == drawn
