"""Tests of sql/focus.sql: the month's charges in the FinOps FOCUS 1.2 format (spec §3).

The model's inputs (bill_lines, stg_run_params, cur_price_ladders) are small hand-made tables,
so these tests do not depend on the rest of the pipeline or on the `ocrbill` package.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

FOCUS_SQL = Path(__file__).resolve().parents[1] / "sql" / "focus.sql"

MONTH = "2026-10"

# Every FOCUS 1.2 column and the DuckDB type focus.sql gives it. Feature levels per the FOCUS 1.2
# conformance rules: M = mandatory, R = recommended, C = conditional.
FOCUS_COLUMNS = {
    "AvailabilityZone": ("C", "VARCHAR"),
    "BilledCost": ("M", "DECIMAL(18,2)"),
    "BillingAccountId": ("M", "VARCHAR"),
    "BillingAccountName": ("M", "VARCHAR"),
    "BillingAccountType": ("M", "VARCHAR"),
    "BillingCurrency": ("M", "VARCHAR"),
    "BillingPeriodEnd": ("M", "TIMESTAMP WITH TIME ZONE"),
    "BillingPeriodStart": ("M", "TIMESTAMP WITH TIME ZONE"),
    "CapacityReservationId": ("C", "VARCHAR"),
    "CapacityReservationStatus": ("C", "VARCHAR"),
    "ChargeCategory": ("M", "VARCHAR"),
    "ChargeClass": ("M", "VARCHAR"),
    "ChargeDescription": ("M", "VARCHAR"),
    "ChargeFrequency": ("R", "VARCHAR"),
    "ChargePeriodEnd": ("M", "TIMESTAMP WITH TIME ZONE"),
    "ChargePeriodStart": ("M", "TIMESTAMP WITH TIME ZONE"),
    "CommitmentDiscountCategory": ("C", "VARCHAR"),
    "CommitmentDiscountId": ("C", "VARCHAR"),
    "CommitmentDiscountName": ("C", "VARCHAR"),
    "CommitmentDiscountQuantity": ("C", "DECIMAL(18,6)"),
    "CommitmentDiscountStatus": ("C", "VARCHAR"),
    "CommitmentDiscountType": ("C", "VARCHAR"),
    "CommitmentDiscountUnit": ("C", "VARCHAR"),
    "ConsumedQuantity": ("C", "DECIMAL(18,6)"),
    "ConsumedUnit": ("C", "VARCHAR"),
    "ContractedCost": ("M", "DECIMAL(18,2)"),
    "ContractedUnitPrice": ("C", "DECIMAL(18,6)"),
    "EffectiveCost": ("M", "DECIMAL(18,2)"),
    "InvoiceId": ("R", "VARCHAR"),
    "InvoiceIssuerName": ("M", "VARCHAR"),
    "ListCost": ("M", "DECIMAL(18,2)"),
    "ListUnitPrice": ("C", "DECIMAL(18,6)"),
    "PricingCategory": ("C", "VARCHAR"),
    "PricingCurrency": ("C", "VARCHAR"),
    "PricingCurrencyContractedUnitPrice": ("C", "DECIMAL(18,6)"),
    "PricingCurrencyEffectiveCost": ("C", "DECIMAL(18,2)"),
    "PricingCurrencyListUnitPrice": ("C", "DECIMAL(18,6)"),
    "PricingQuantity": ("M", "DECIMAL(18,6)"),
    "PricingUnit": ("M", "VARCHAR"),
    "ProviderName": ("M", "VARCHAR"),
    "PublisherName": ("M", "VARCHAR"),
    "RegionId": ("C", "VARCHAR"),
    "RegionName": ("C", "VARCHAR"),
    "ResourceId": ("C", "VARCHAR"),
    "ResourceName": ("C", "VARCHAR"),
    "ResourceType": ("C", "VARCHAR"),
    "ServiceCategory": ("M", "VARCHAR"),
    "ServiceName": ("M", "VARCHAR"),
    "ServiceSubcategory": ("R", "VARCHAR"),
    "SkuId": ("C", "VARCHAR"),
    "SkuMeter": ("C", "VARCHAR"),
    "SkuPriceDetails": ("C", "VARCHAR"),
    "SkuPriceId": ("C", "VARCHAR"),
    "SubAccountId": ("C", "VARCHAR"),
    "SubAccountName": ("C", "VARCHAR"),
    "SubAccountType": ("C", "VARCHAR"),
    "Tags": ("C", "VARCHAR"),
}
MANDATORY = sorted(name for name, (level, _) in FOCUS_COLUMNS.items() if level == "M")
NOT_NULL = [
    "BilledCost", "BillingAccountId", "BillingAccountType", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName",
    "ListCost", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
]

BILL_LINES_DDL = """
CREATE TABLE bill_lines (
    billing_month VARCHAR, owner_uin VARCHAR, site VARCHAR, billing_item VARCHAR,
    charge_type VARCHAR, ref_id VARCHAR, calls BIGINT, billable_units BIGINT, free_units BIGINT,
    prepaid_units BIGINT, postpaid_units BIGINT, tier_from BIGINT, unit_price DECIMAL(18, 6),
    amount DECIMAL(18, 2), flags VARCHAR
)
"""

# (owner_uin, site, billing_item, charge_type, ref_id, calls, billable, free, prepaid, postpaid,
#  tier_from, unit_price, amount, flags)
BILL_LINES = [
    # domestic usage split three ways: 1000 free + 10000 from a pack + 1500 postpaid at 0.10 (R9)
    ("100001", "domestic", "通用印刷体识别", "usage", None, 12500, 12500, 1000, 10000, 1500,
     10000, "0.10", "150.00", ""),
    # the pack bought this month (R12)
    ("100001", "domestic", "通用印刷体识别", "pack_purchase", "pack-1", 0, 0, 0, 0, 0,
     None, None, "1000.00", ""),
    # refund of a pack bought last month: a correction of an invoiced period (R20)
    ("100001", "domestic", "银行卡识别", "pack_refund", "pack-0", 0, 0, 0, 0, 0,
     None, None, "-84.00", ""),
    # QPS add-on pack, 80 QPS x 5 days (R21)
    ("100001", "domestic", "身份证识别", "qps_pack", "qps-1", 0, 0, 0, 0, 0,
     None, None, "5200.00", ""),
    # international usage without a price in the book: all postpaid, amount 0 (R11)
    ("100002", "international", "身份证识别", "usage", None, 300, 300, 0, 0, 300,
     None, None, "0.00", "unpriced"),
    ("100002", "domestic", "身份证识别", "adjustment", "adj-1", 0, 0, 0, 0, 0,
     None, None, "-10.00", ""),
    # 联系商务 tier priced by a contract (R10): no list price, contracted = billed
    ("100003", "domestic", "通用印刷体识别", "usage", None, 1200000, 1200000, 1000, 0, 1199000,
     1000000, "0.04", "47960.00", "contract_price"),
    # a ladder price with 6 decimals so that the list cost needs rounding (R9)
    ("100003", "domestic", "英文识别", "usage", None, 3, 3, 0, 0, 3,
     0, "0.155555", "0.47", ""),
    # a pack bought and refunded in the same month: ChargeClass stays NULL (R20)
    ("100004", "domestic", "银行卡识别", "pack_purchase", "pack-9", 0, 0, 0, 0, 0,
     None, None, "84.00", ""),
    ("100004", "domestic", "银行卡识别", "pack_refund", "pack-9", 0, 0, 0, 0, 0,
     None, None, "-84.00", ""),
]

# int_paid_packs: (pack_id, owner_uin, billing_item, size, published price (pack_prices.csv on
# the purchase day), charged price); the seed's 1000-unit 银行卡识别 pack lists at 120, bought at 84
PAID_PACKS = [
    ("pack-1", "100001", "通用印刷体识别", 10000, "1000", "1000"),
    ("pack-0", "100001", "银行卡识别", 1000, "120", "84"),
    ("pack-9", "100004", "银行卡识别", 1000, "120", "84"),
]

# int_pack_usage: (pack_id, billing_month, draw_day, units); 100001's 10000 prepaid units come
# from pack-1 on two days, and a September draw that October's EffectiveCost must not count
PACK_USAGE = [
    ("pack-1", "2026-09", "2026-09-30", 7),
    ("pack-1", MONTH, "2026-10-03", 6000),
    ("pack-1", MONTH, "2026-10-04", 4000),
]

LADDERS = [
    ("domestic", "通用印刷体识别", 0, "0.15"),
    ("domestic", "通用印刷体识别", 10000, "0.10"),
    ("domestic", "通用印刷体识别", 100000, "0.06"),
    ("domestic", "通用印刷体识别", 1000000, None),
    ("domestic", "英文识别", 0, "0.155555"),
    ("domestic", "身份证识别", 0, "0.15"),
]


def build(rows=BILL_LINES) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the three input tables and `focus` built from sql/focus.sql."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE stg_run_params AS SELECT ?::VARCHAR AS billing_month, "
        "TIMESTAMP '2026-09-30 16:00:00' AS month_start, "
        "TIMESTAMP '2026-10-31 16:00:00' AS month_end, DATE '2026-10-01' AS month_first_day",
        [MONTH],
    )
    con.execute(
        "CREATE TABLE cur_price_ladders (site VARCHAR, billing_item VARCHAR, tier_from BIGINT, "
        "unit_price DECIMAL(18, 6))"
    )
    con.executemany("INSERT INTO cur_price_ladders VALUES (?, ?, ?, ?)", LADDERS)
    con.execute(
        "CREATE TABLE int_paid_packs (pack_id VARCHAR, owner_uin VARCHAR, billing_item VARCHAR, "
        "size BIGINT, list_price DECIMAL(18, 2), charged_price DECIMAL(18, 2))"
    )
    con.executemany("INSERT INTO int_paid_packs VALUES (?, ?, ?, ?, ?, ?)", PAID_PACKS)
    con.execute("CREATE TABLE int_pack_usage (pack_id VARCHAR, billing_month VARCHAR, draw_day DATE, units BIGINT)")
    con.executemany("INSERT INTO int_pack_usage VALUES (?, ?, ?, ?)", PACK_USAGE)
    con.execute(BILL_LINES_DDL)
    con.executemany(
        "INSERT INTO bill_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(MONTH, *row) for row in rows],
    )
    con.execute(f"CREATE TABLE focus AS {FOCUS_SQL.read_text(encoding='utf-8')}")
    return con


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return build()


def rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def column_types(con) -> dict[str, str]:
    return {name: typ for name, typ in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'focus' ORDER BY ordinal_position"
    ).fetchall()}


@pytest.mark.parametrize(("column", "expected"), [(c, t) for c, (_, t) in FOCUS_COLUMNS.items()])
def test_focus_column_present_with_type(con, column, expected):
    assert column_types(con).get(column) == expected


def test_focus_has_every_mandatory_column(con):
    assert len(FOCUS_COLUMNS) == 57
    assert not set(MANDATORY) - set(column_types(con))


def test_focus_extra_columns_are_x_prefixed(con):
    extra = [c for c in column_types(con) if c not in FOCUS_COLUMNS]
    assert extra, "the ocrbill dimensions should be there as x_ columns"
    assert all(c.startswith("x_") for c in extra), extra


def test_focus_columns_in_spec_order_then_extensions(con):
    names = list(column_types(con))
    assert names[:57] == list(FOCUS_COLUMNS)


@pytest.mark.parametrize("column", NOT_NULL)
def test_focus_not_null_columns(con, column):
    assert con.execute(f"SELECT count(*) FROM focus WHERE {column} IS NULL").fetchone()[0] == 0


def test_focus_billed_cost_sums_to_bill_lines(con):
    billed = con.execute("SELECT sum(BilledCost) FROM focus").fetchone()[0]
    amount = con.execute("SELECT sum(amount) FROM bill_lines").fetchone()[0]
    assert billed == amount == Decimal("54216.47")
    per_account = con.execute(
        "SELECT b.owner_uin, b.amount, f.billed FROM "
        "(SELECT owner_uin, sum(amount) AS amount FROM bill_lines GROUP BY ALL) b "
        "FULL JOIN (SELECT BillingAccountId AS owner_uin, sum(BilledCost) AS billed FROM focus "
        "GROUP BY ALL) f USING (owner_uin) WHERE b.amount IS DISTINCT FROM f.billed"
    ).fetchall()
    assert per_account == []


def test_focus_usage_split_by_coverage(con):
    got = rows(
        con,
        "SELECT x_Coverage, PricingQuantity, ConsumedQuantity, BilledCost, EffectiveCost, "
        "ListUnitPrice, ListCost, ContractedUnitPrice, ContractedCost, PricingUnit, SkuId "
        "FROM focus WHERE BillingAccountId = '100001' AND ChargeCategory = 'Usage'",
    )
    assert [r["x_Coverage"] for r in got] == ["free", "prepaid", "postpaid"]
    free, prepaid, postpaid = got
    assert free["PricingQuantity"] == free["ConsumedQuantity"] == 1000
    assert prepaid["PricingQuantity"] == prepaid["ConsumedQuantity"] == 10000
    assert postpaid["PricingQuantity"] == postpaid["ConsumedQuantity"] == 1500
    assert free["BilledCost"] == free["EffectiveCost"] == prepaid["BilledCost"] == 0
    # the 10000 units drawn from pack-1 (10000 for 1000.00) this month carry its cost
    assert prepaid["EffectiveCost"] == Decimal("1000.00")
    assert postpaid["BilledCost"] == postpaid["EffectiveCost"] == Decimal("150.00")
    for r in got:
        assert r["ListUnitPrice"] == r["ContractedUnitPrice"] == Decimal("0.10")
        assert r["PricingUnit"] == "Requests"
        assert r["SkuId"] == "通用印刷体识别"
    assert prepaid["ListCost"] == prepaid["ContractedCost"] == Decimal("1000.00")
    assert postpaid["ContractedCost"] == postpaid["BilledCost"]


def test_focus_free_and_pack_rows_bill_nothing(con):
    bad = con.execute(
        "SELECT count(*) FROM focus WHERE x_Coverage IN ('free', 'prepaid') AND BilledCost <> 0 "
        "OR x_Coverage = 'free' AND EffectiveCost <> 0"
    ).fetchone()[0]
    assert bad == 0
    assert con.execute(
        "SELECT count(*) FROM focus WHERE x_Coverage IN ('free', 'prepaid')"
    ).fetchone()[0] == 3


def test_focus_pricing_quantity_sums_back_to_billable_units(con):
    mismatched = con.execute(
        "SELECT * FROM (SELECT owner_uin, site, billing_item, billable_units, free_units, "
        "prepaid_units, postpaid_units FROM bill_lines WHERE charge_type = 'usage') AS b "
        "FULL JOIN (SELECT BillingAccountId AS owner_uin, x_Site AS site, x_BillingItem AS "
        "billing_item, sum(PricingQuantity) AS quantity, "
        "sum(PricingQuantity) FILTER (x_Coverage = 'free') AS free, "
        "sum(PricingQuantity) FILTER (x_Coverage = 'prepaid') AS prepaid, "
        "sum(PricingQuantity) FILTER (x_Coverage = 'postpaid') AS postpaid "
        "FROM focus WHERE ChargeCategory = 'Usage' GROUP BY ALL) AS f "
        "USING (owner_uin, site, billing_item) "
        "WHERE b.billable_units IS DISTINCT FROM f.quantity "
        "OR b.free_units IS DISTINCT FROM coalesce(f.free, 0) "
        "OR b.prepaid_units IS DISTINCT FROM coalesce(f.prepaid, 0) "
        "OR b.postpaid_units IS DISTINCT FROM coalesce(f.postpaid, 0)"
    ).fetchall()
    assert mismatched == []


def test_R12_focus_pack_purchase_is_a_purchase_row(con):
    (row,) = rows(con, "SELECT * FROM focus WHERE x_RefId = 'pack-1'")
    assert row["ChargeCategory"] == "Purchase"
    assert row["ChargeClass"] is None
    assert row["ChargeFrequency"] == "One-Time"
    assert row["PricingQuantity"] == 1
    assert row["PricingUnit"] == "Packs"
    assert row["BilledCost"] == Decimal("1000.00")
    # FOCUS: EffectiveCost MUST be 0 on a purchase that covers future charges (amortised instead)
    assert row["EffectiveCost"] == row["PricingCurrencyEffectiveCost"] == 0
    assert row["ListCost"] == row["ContractedCost"] == Decimal("1000.00")
    assert row["SkuId"] == "通用印刷体识别 pack"
    assert row["PricingCategory"] == "Standard"
    assert row["ConsumedQuantity"] is None and row["ConsumedUnit"] is None
    assert row["x_ChargeType"] == "pack_purchase"


def test_R9_R12_focus_costs_of_a_million_and_more_are_exact():
    """Costs of 1,000,000 CNY and more: unit price × quantity has 12 decimals, beyond 18 digits."""
    big = build([
        ("100009", "domestic", "文档抽取（多模态 Pro 版）-固定价格", "usage", None, 2950000, 2950000, 1000, 0,
         2949000, 1000000, "0.34", "1002660.00", ""),
        ("100009", "domestic", "商户门头照识别", "pack_purchase", "pack-big", 0, 0, 0, 0, 0,
         None, None, "2000000.00", ""),
        ("100009", "domestic", "身份证识别", "qps_pack", "qps-big", 0, 0, 0, 0, 0,
         None, None, "1008000.00", ""),
    ])
    got = {r["x_ChargeType"]: r for r in rows(big, "SELECT * FROM focus WHERE x_Coverage IS DISTINCT FROM 'free'")}
    assert (got["usage"]["ContractedCost"], got["usage"]["BilledCost"]) == (Decimal("1002660.00"),) * 2
    assert got["pack_purchase"]["ContractedCost"] == got["pack_purchase"]["BilledCost"] == Decimal("2000000.00")
    assert got["qps_pack"]["ListCost"] == got["qps_pack"]["BilledCost"] == Decimal("1008000.00")


def test_R20_focus_refund_is_a_negative_purchase(con):
    got = {r["x_RefId"] + "/" + r["BillingAccountId"]: r for r in rows(
        con, "SELECT * FROM focus WHERE x_ChargeType = 'pack_refund'"
    )}
    earlier = got["pack-0/100001"]  # bought in an earlier, already invoiced month
    same_month = got["pack-9/100004"]  # bought and refunded this month
    for r in (earlier, same_month):
        assert r["ChargeCategory"] == "Purchase"
        assert r["ChargeFrequency"] == "One-Time"
        assert (r["BilledCost"], r["EffectiveCost"]) == (Decimal("-84.00"), 0)
        assert r["PricingQuantity"] == -1
        # the list price is the published 120; the contracted one, what was paid
        assert (r["ListUnitPrice"], r["ContractedUnitPrice"]) == (Decimal("120"), Decimal("84"))
        assert (r["ListCost"], r["ContractedCost"]) == (Decimal("-120.00"), Decimal("-84.00"))
    assert earlier["ChargeClass"] == "Correction"
    assert same_month["ChargeClass"] is None


def test_R21_focus_qps_pack_is_a_purchase(con):
    (row,) = rows(con, "SELECT * FROM focus WHERE x_ChargeType = 'qps_pack'")
    assert row["ChargeCategory"] == "Purchase"
    assert row["ChargeFrequency"] == "One-Time"
    # a fee for capacity over its days, not a prepayment of usage: not amortised
    assert row["BilledCost"] == row["EffectiveCost"] == Decimal("5200.00")
    assert row["SkuId"] == "身份证识别 QPS pack"


def test_focus_adjustment_row(con):
    (row,) = rows(con, "SELECT * FROM focus WHERE x_ChargeType = 'adjustment'")
    assert row["ChargeCategory"] == "Adjustment"
    assert row["BilledCost"] == row["EffectiveCost"] == Decimal("-10.00")
    assert row["ListCost"] == row["ContractedCost"] == Decimal("-10.00")
    assert row["PricingQuantity"] is None and row["PricingUnit"] is None


def test_R11_focus_international_unpriced_line(con):
    (row,) = rows(con, "SELECT * FROM focus WHERE x_Site = 'international'")
    assert row["x_Coverage"] == "postpaid"
    assert row["PricingQuantity"] == 300
    assert row["BilledCost"] == row["EffectiveCost"] == 0
    assert row["ListUnitPrice"] is None and row["ListCost"] == 0
    assert row["ContractedUnitPrice"] is None and row["ContractedCost"] == 0
    assert row["RegionId"] is None
    assert row["x_Flags"] == "unpriced"
    assert "unpriced" in row["ChargeDescription"]


def test_R10_focus_contract_price_has_no_list_price(con):
    (row,) = rows(
        con, "SELECT * FROM focus WHERE BillingAccountId = '100003' AND x_Coverage = 'postpaid' "
        "AND x_BillingItem = '通用印刷体识别'"
    )
    assert row["ListUnitPrice"] is None and row["ListCost"] == 0
    assert row["ContractedUnitPrice"] == Decimal("0.04")
    assert row["ContractedCost"] == row["BilledCost"] == Decimal("47960.00")


def test_R9_focus_derived_costs_rounded_half_up_per_row(con):
    for r in rows(con, "SELECT * FROM focus WHERE ChargeCategory IN ('Usage', 'Purchase')"):
        pairs = (("ListUnitPrice", "ListCost"), ("ContractedUnitPrice", "ContractedCost"))
        for price, cost in pairs:
            expected = (
                Decimal(0) if r[price] is None
                else (r[price] * r["PricingQuantity"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
            )
            assert r[cost] == expected, (r["ChargeDescription"], cost)
    (row,) = rows(con, "SELECT * FROM focus WHERE x_BillingItem = '英文识别'")
    assert row["ListCost"] == Decimal("0.47")  # 3 x 0.155555 = 0.466665


def test_focus_allowed_values(con):
    def distinct(column):
        return {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM focus").fetchall()}

    assert distinct("ChargeCategory") <= {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
    assert distinct("ChargeCategory") == {"Usage", "Purchase", "Adjustment"}
    assert distinct("ChargeClass") <= {None, "Correction"}
    assert distinct("ChargeFrequency") <= {"One-Time", "Recurring", "Usage-Based"}
    assert distinct("PricingCategory") <= {None, "Standard", "Dynamic", "Committed", "Other"}
    assert distinct("ServiceCategory") == {"AI and Machine Learning"}
    assert distinct("ServiceSubcategory") == {"Other (AI and Machine Learning)"}
    assert distinct("BillingCurrency") == distinct("PricingCurrency") == {"CNY"}
    assert distinct("x_Coverage") == {None, "free", "prepaid", "postpaid"}
    assert distinct("x_Site") == {"domestic", "international"}
    assert con.execute(
        "SELECT count(*) FROM focus WHERE ChargeCategory = 'Purchase' "
        "AND ChargeFrequency = 'Usage-Based'"
    ).fetchone()[0] == 0


def test_focus_usage_and_purchase_rows_are_fully_priced(con):
    """FOCUS 1.2: non-correction Usage/Purchase rows need quantity, unit, SKU and category."""
    bad = con.execute(
        "SELECT ChargeDescription FROM focus WHERE ChargeCategory IN ('Usage', 'Purchase') "
        "AND ChargeClass IS NULL AND (PricingQuantity IS NULL OR PricingUnit IS NULL "
        "OR SkuId IS NULL OR SkuPriceId IS NULL OR SkuMeter IS NULL OR PricingCategory IS NULL)"
    ).fetchall()
    assert bad == []
    bad_usage = con.execute(
        "SELECT count(*) FROM focus WHERE ChargeCategory = 'Usage' "
        "AND (ConsumedQuantity IS DISTINCT FROM PricingQuantity OR ConsumedUnit IS NULL)"
    ).fetchone()[0]
    assert bad_usage == 0


def test_R1_focus_periods_are_the_month_in_utc(con):
    start = datetime(2026, 9, 30, 16, tzinfo=timezone.utc)  # 2026-10-01 00:00 Asia/Shanghai
    end = datetime(2026, 10, 31, 16, tzinfo=timezone.utc)  # exclusive
    got = con.execute(
        "SELECT DISTINCT BillingPeriodStart, BillingPeriodEnd, ChargePeriodStart, ChargePeriodEnd "
        "FROM focus"
    ).fetchall()
    assert got == [(start, end, start, end)]
    assert {m for (m,) in con.execute("SELECT DISTINCT x_BillingMonth FROM focus").fetchall()} == {
        MONTH
    }


def test_focus_accounts_and_provider(con):
    assert con.execute(
        "SELECT count(*) FROM focus WHERE SubAccountId <> BillingAccountId "
        "OR ProviderName <> 'Tencent Cloud' OR PublisherName <> 'Tencent Cloud' "
        "OR InvoiceIssuerName <> 'Tencent Cloud' OR ServiceName <> 'OCR'"
    ).fetchone()[0] == 0


def test_focus_row_count(con):
    # 3 + 1 + 1 (two usage lines with postpaid only) + 2 (100003 contract line: free + postpaid)
    # + 6 one-row lines (pack_purchase x2, pack_refund x2, qps_pack, adjustment)
    assert con.execute("SELECT count(*) FROM focus").fetchone()[0] == 13


def test_focus_order_is_deterministic(con):
    first = con.execute("SELECT * FROM focus").fetchall()
    rebuilt = build(list(reversed(BILL_LINES)))
    again = rebuilt.execute("SELECT * FROM focus").fetchall()
    assert first == again
    keys = [
        (
            r["BillingAccountId"], r["x_ChargeType"], r["x_Site"], r["x_BillingItem"],
            r["x_RefId"] or "", {"free": 1, "prepaid": 2, "postpaid": 3}.get(r["x_Coverage"], 0),
        )
        for r in rows(con, "SELECT * FROM focus")
    ]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys), "the order key must be unique"


def test_focus_effective_cost_amortises_each_pack_over_the_units_it_covered():
    """Through the real rating: 1000 free units, then 333 from a 1000-unit pack bought at 84 that
    expires (333 × 0.084 = 27.972 → 27.97; its remainder is never amortised), then 5 from one
    bought at 101 (0.505 → 0.51): the prepaid row's EffectiveCost is 28.48 while its BilledCost
    is 0, and the purchase rows' EffectiveCost is 0 (FOCUS 1.2)."""
    from datetime import timedelta

    from ratingkit import CST, add_calls, add_events, new_con
    from ocrbill.rate import build_month

    con = new_con()
    bought = datetime(2026, 10, 1, 8, tzinfo=CST)
    add_events(con, [
        {"event_type": "pack_purchase", "pack_id": "a", "owner_uin": "u1", "billing_item": "银行卡识别",
         "size": 1000, "price": Decimal("84"), "purchased_at": bought, "expires_at": bought + timedelta(hours=3)},
        {"event_type": "pack_purchase", "pack_id": "b", "owner_uin": "u1", "billing_item": "银行卡识别",
         "size": 1000, "price": Decimal("101"), "purchased_at": bought + timedelta(minutes=1)},
    ])
    add_calls(con, [
        {"request_id": f"{prefix}{i:04d}", "ts": bought + timedelta(hours=hours, seconds=i), "owner_uin": "u1",
         "action": "BankCardOCR"}
        for prefix, hours, count in [("f", 1, 1000), ("a", 2, 333), ("b", 4, 5)]
        for i in range(count)
    ])
    build_month(con, "2026-10")
    got = {(r["x_ChargeType"], r["x_Coverage"] or r["x_RefId"]): r
           for r in rows(con, "SELECT * FROM focus WHERE BillingAccountId = 'u1'")}
    assert got["usage", "free"]["EffectiveCost"] == 0
    prepaid = got["usage", "prepaid"]
    assert (prepaid["PricingQuantity"], prepaid["BilledCost"], prepaid["EffectiveCost"]) == (338, 0, Decimal("28.48"))
    assert ("usage", "postpaid") not in got
    assert got["pack_purchase", "a"]["EffectiveCost"] == got["pack_purchase", "b"]["EffectiveCost"] == 0
    assert got["pack_purchase", "b"]["BilledCost"] == Decimal("101.00")
