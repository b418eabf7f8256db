"""The SQL rating against the slow per-call model (tests/reference_model.py), on random inputs.

Activation events (R6b) and lifecycle events ride along: refund requests at and around the
window's close (R20), violation suspensions (R24) and postpaid switches / account openings (R25).

Free quotas and the ladder's tier floors are shrunk (in both) so that small random inputs reach
the paid packs, postpaid and every tier, 联系商务 ones with and without a contract price (R10); packs start and expire mid-month, several per item, and calls sit on month boundaries in several
offsets. Everything the bill says must match: usage lines, pack charges, pack balances.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import reference_model as model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ratingkit import add_calls, add_events, bill, new_con

UTC = timezone.utc
BASE = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 2026-10-01 00:00 UTC+8
OWNERS = ("u1", "u2")
ACTIONS = ("IDCardOCR", "RecognizeEncryptedIDCardOCR", "DriverLicenseOCR", "VehicleLicenseOCR",
           "RecognizeFormulaOCR", "MixedInvoiceOCR", "BankCardOCR", "GeneralBasicOCR", "QueryBarCode")
PACK_ITEMS = ("身份证识别", "行驶证/驾驶证识别", "公式识别", "通用票据识别（大票）", "通用票据识别（小票）")
ERRORS = (None, None, None, "FailedOperation.EmptyImageError", "FailedOperation.ImageBlur", "Unknown.Code")
SMALL_FREE = {"monthly": 3, "once": 4}
SMALL_TIERS = (0, 3, 6, 10)  # R9 floors 0 / 1万 / 10万 / 100万, shrunk
CONTRACT_ITEMS = ("通用印刷体识别", "条码信息查询", "身份证识别")  # 联系商务 in some tier (R10)

# instants around the Sep/Oct/Nov boundaries, as offsets in seconds from BASE
offsets = st.one_of(
    st.integers(min_value=-40 * 86400, max_value=60 * 86400),
    st.sampled_from([-1, 0, 1, 31 * 86400 - 1, 31 * 86400, -8 * 3600, 8 * 3600]),
)


@st.composite
def call_rows(draw, actions):
    action = draw(st.sampled_from(actions))
    row = {
        "ts": BASE + timedelta(seconds=draw(offsets), milliseconds=draw(st.integers(0, 999))),
        "owner_uin": draw(st.sampled_from(OWNERS)),
        "action": action,
        "site": draw(st.sampled_from(("domestic",) * 5 + ("international",))),
        "error_code": draw(st.sampled_from(ERRORS)),
    }
    if action == "MixedInvoiceOCR":
        row["tickets"] = draw(st.lists(st.sampled_from([3, 12, 2, 8, 9]), max_size=4))
    elif draw(st.booleans()) and action == "IDCardOCR":
        total = draw(st.integers(1, 6))
        row["images_total"], row["images_recognized"] = total, draw(st.integers(0, total))
    return row


@st.composite
def pack_rows(draw, index):
    # purchases at random instants or at local midnight (where the refund window's edge falls)
    purchased = BASE + timedelta(seconds=draw(st.one_of(
        st.integers(-45 * 86400, 50 * 86400), st.integers(-45, 50).map(lambda d: d * 86400))))
    effective = purchased + timedelta(seconds=draw(st.sampled_from([0, 0, 3600, 5 * 86400, -40 * 86400])))  # last: back-dated
    expires = effective + timedelta(seconds=draw(st.sampled_from([86400, 10 * 86400, 40 * 86400, 365 * 86400])))
    return {
        "event_type": "pack_purchase",
        "pack_id": f"p{index}",
        "owner_uin": draw(st.sampled_from(OWNERS)),
        "billing_item": draw(st.sampled_from(PACK_ITEMS)),
        "size": draw(st.integers(1, 8)),
        "price": Decimal(draw(st.integers(1, 500))),
        "purchased_at": purchased,
        "effective_at": effective,
        "expires_at": expires,
    }


@st.composite
def lifecycle_events(draw, packs, call_times):
    """Refund requests, violation suspensions, postpaid switches and account openings.

    Their instants are often a call's own timestamp, so that `<` against `<=` is exercised.
    """
    events = []

    def instant_and_owner():
        if call_times and draw(st.booleans()):
            return draw(st.sampled_from(call_times))
        return BASE + timedelta(seconds=draw(offsets)), draw(st.sampled_from(OWNERS))

    def instant():
        return instant_and_owner()[0]

    for pack in packs:
        for j in range(draw(st.sampled_from([0, 0, 1, 2]))):  # a pack may have several requests
            after = timedelta(seconds=draw(st.sampled_from([0, 3600, 7 * 86400, 8 * 86400 - 1, 8 * 86400, 9 * 86400])))
            events.append({"event_type": "pack_refund", "pack_id": pack["pack_id"], "owner_uin": pack["owner_uin"],
                           "requested_at": pack["purchased_at"] + after, "event_key": f"{pack['pack_id']}-r{j}"})
    for i in range(draw(st.integers(0, 1))):
        start, owner = instant_and_owner()
        end = draw(st.one_of(st.none(), st.just(max(start, instant()) + timedelta(seconds=draw(st.sampled_from([0, 1, 86400]))))))
        end = None if end == start else end
        events.append({"event_type": "suspension", "owner_uin": owner, "reason": "violation",
                       "from_ts": start, "to_ts": end, "event_key": f"v{i}"})
    for i in range(draw(st.integers(0, 2))):
        at, owner = instant_and_owner()
        events.append({"event_type": "postpaid", "owner_uin": owner, "enabled": draw(st.booleans()),
                       "at": at, "event_key": f"pp{i}"})
    for owner in OWNERS:
        if draw(st.booleans()):
            opened = draw(st.sampled_from([datetime(2020, 5, 1, tzinfo=UTC), datetime(2021, 12, 13, 16, tzinfo=UTC),
                                           datetime(2024, 1, 1, tzinfo=UTC)]))
            events.append({"event_type": "account", "owner_uin": owner, "opened_at": opened, "event_key": f"a{owner}"})
    return events


@st.composite
def scenarios(draw):
    # a few actions per scenario, so that a line gathers enough units to climb the tiers
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3, unique=True))
    rows = draw(st.lists(call_rows(actions), max_size=40))
    # some calls come in bursts (1 ms apart), so that lines climb the shrunk tiers
    rows = [{**row, "ts": row["ts"] + timedelta(milliseconds=k)}
            for row in rows for k in range(draw(st.sampled_from([1, 1, 1, 4, 9])))]
    calls = [{"request_id": f"r{i:03d}", **row} for i, row in enumerate(rows)]
    n_packs = draw(st.integers(0, 4))
    packs = [draw(pack_rows(i)) for i in range(n_packs)]
    packs += draw(lifecycle_events(packs, [(c["ts"], c["owner_uin"]) for c in calls]))
    packs += draw(contract_prices())
    packs += draw(activations())
    month = draw(st.sampled_from(["2026-09", "2026-10", "2026-11"]))
    return calls, packs, month


@st.composite
def contract_prices(draw):
    """At most one contract price per (owner, item): for one month or open-ended (R10)."""
    events = []
    for owner in OWNERS:
        for item in CONTRACT_ITEMS:
            if draw(st.booleans()):
                start = draw(st.sampled_from(["2026-09", "2026-10", "2026-11"]))
                events.append({"event_type": "contract_price", "owner_uin": owner, "billing_item": item,
                               "unit_price": Decimal(draw(st.integers(1, 999))) / 1000, "from_month": start,
                               "to_month": draw(st.sampled_from([None, start])), "event_key": f"c-{owner}-{item}"})
    return events


@st.composite
def activations(draw):
    """R6b: 公式识别's one-time free pack opened by an event, near the calls or about a year before."""
    return [{"event_type": "activation", "owner_uin": owner, "billing_item": "公式识别",
             "at": BASE + timedelta(seconds=draw(offsets)) - draw(st.sampled_from([timedelta(0), timedelta(days=365)])),
             "event_key": f"act-{owner}"}
            for owner in OWNERS if draw(st.booleans())]


def contracts_in(events: list[dict], month: str) -> dict[tuple[str, str], Decimal]:
    """The model's contract prices valid in `month`."""
    return {(e["owner_uin"], e["billing_item"]): e["unit_price"] for e in events if e["event_type"] == "contract_price"
            and e["from_month"] <= month and (e["to_month"] is None or month <= e["to_month"])}


def prices_from(con) -> model.Prices:
    """The model's price data, read from the same reference tables the SQL uses."""
    action_item = dict(con.execute("SELECT action, billing_item FROM ref_interfaces WHERE billing_rule = 'per_call'").fetchall())
    ticket_item = dict(con.execute("SELECT type_code, billing_item FROM ref_ticket_types").fetchall())
    billable = frozenset(
        code for (code,) in con.execute(
            "SELECT error_code FROM ref_error_codes QUALIFY row_number() OVER (PARTITION BY error_code ORDER BY valid_from DESC) = 1 AND billable"
        ).fetchall()
    )
    items = con.execute("SELECT billing_item, free_kind, free_units, free_valid_months FROM ref_billing_items").fetchall()
    ladder: dict[str, list] = {}
    for item, _tier, price in con.execute("SELECT billing_item, tier_from, unit_price FROM ref_postpaid_ladder ORDER BY billing_item, tier_from").fetchall():
        ladder.setdefault(item, []).append(price)
    return model.Prices(
        action_item=action_item,
        ticket_item=ticket_item,
        billable_errors=billable,
        free_monthly={i: u for i, k, u, _m in items if k == "monthly"},
        free_once={i: (u, m) for i, k, u, m in items if k == "once"},
        ladder=ladder,
        intl_ladder={},
        pack_list_price={(i, s): p for i, s, p in con.execute("SELECT billing_item, size, list_price FROM ref_pack_prices").fetchall()},
        tier_floors=tuple(t for (t,) in con.execute("SELECT DISTINCT tier_from FROM ref_postpaid_ladder ORDER BY 1").fetchall()),
    )


def sql_side(result: dict) -> tuple[list, list, list]:
    lines = sorted(
        (l["owner_uin"], l["site"], l["billing_item"], l["charge_type"], l["ref_id"] or "", l["calls"],
         l["billable_units"], l["free_units"], l["prepaid_units"], l["postpaid_units"], l["tier_from"],
         l["amount"], tuple(sorted(f for f in l["flags"].split(";") if f)))
        for l in result["bill_lines"]
    )
    balances = sorted(
        (b["pack_id"], b["kind"], b["size"], b["used_in_month"], b["used_total"], b["remaining"], b["status"])
        for b in result["pack_balances"]
    )
    alerts = sorted((a["pack_id"], a["kind"], a["request_id"]) for a in result["alerts"])
    return lines, balances, alerts


def model_side(out: dict) -> tuple[list, list, list]:
    lines = sorted(
        (l["owner_uin"], l["site"], l["billing_item"], l["charge_type"], l["ref_id"] or "", l["calls"],
         l["billable_units"], l["free_units"], l["prepaid_units"], l["postpaid_units"], l["tier_from"],
         l["amount"], tuple(l["flags"]))
        for l in out["lines"]
    )
    balances = sorted(
        (b["pack_id"], b["kind"], b["size"], b["used_in_month"], b["used_total"], b["remaining"], b["status"])
        for b in out["pack_balances"]
    )
    return lines, balances, out["alerts"]


def sql_and_model(calls: list[dict], packs: list[dict], month: str) -> tuple[tuple, tuple]:
    """The month rated by the SQL and by the per-call model, each as (lines, balances, alerts)."""
    con = new_con()
    con.execute("UPDATE ref_billing_items SET free_units = CASE free_kind WHEN 'monthly' THEN ? WHEN 'once' THEN ? END WHERE free_kind <> 'none'",
                [SMALL_FREE["monthly"], SMALL_FREE["once"]])
    con.execute("UPDATE ref_postpaid_ladder SET tier_from = CASE tier_from WHEN 10000 THEN ? WHEN 100000 THEN ? "
                "WHEN 1000000 THEN ? ELSE tier_from END", list(SMALL_TIERS[1:]))
    add_calls(con, calls)
    add_events(con, packs)
    got = sql_side(bill(con, month))
    prices = prices_from(con)
    model_calls = [
        model.Call(request_id=c["request_id"], ts=c["ts"], owner_uin=c["owner_uin"], action=c["action"], site=c["site"],
                   error_code=c.get("error_code"), images_total=c.get("images_total"),
                   images_recognized=c.get("images_recognized"),
                   tickets=tuple(c["tickets"]) if c.get("tickets") is not None else None)
        for c in calls
    ]
    model_packs = [
        model.Pack(pack_id=p["pack_id"], owner_uin=p["owner_uin"], billing_item=p["billing_item"], size=p["size"],
                   purchased_at=p["purchased_at"], effective_at=p["effective_at"], expires_at=p["expires_at"], price=p["price"])
        for p in packs if p["event_type"] == "pack_purchase"
    ]
    life = model.Lifecycle(
        refund_requests=tuple((e["pack_id"], e["requested_at"]) for e in packs if e["event_type"] == "pack_refund"),
        violations=tuple((e["owner_uin"], e["from_ts"], e["to_ts"]) for e in packs if e["event_type"] == "suspension"),
        postpaid_switches=tuple((e["owner_uin"], e["at"], e["enabled"]) for e in packs if e["event_type"] == "postpaid"),
        opened_at=tuple((e["owner_uin"], e["opened_at"]) for e in packs if e["event_type"] == "account"),
    )
    return got, model_side(model.rate_month(month, model_calls, model_packs, prices,
                                            activations={(e["owner_uin"], e["billing_item"]): e["at"]
                                                         for e in packs if e["event_type"] == "activation"},
                                            contract_prices=contracts_in(packs, month), life=life))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_R4_to_R12_R20_R22_R24_R25_sql_matches_the_per_call_model(scenario):
    got, want = sql_and_model(*scenario)
    assert got[0] == want[0]
    assert got[1] == want[1]
    assert got[2] == want[2]  # R22


@st.composite
def alert_scenarios(draw):
    """One account and item, a tiny free pack and 1–3 small paid packs that start, stop and are
    refunded around the calls (often at a call's instant), many multi-unit calls: packs fill,
    run low and empty while other packs are, or are not, usable."""
    day = timedelta(days=1)
    instants = st.integers(0, 20 * 86400).map(lambda s: BASE + timedelta(seconds=s) - 5 * day)
    rows = draw(st.lists(st.tuples(instants, st.integers(1, 6)), min_size=5, max_size=40))
    calls = [{"request_id": f"r{i:03d}", "ts": ts, "owner_uin": "u1", "action": "IDCardOCR", "site": "domestic",
              "images_total": n, "images_recognized": n} for i, (ts, n) in enumerate(rows)]
    call_times = [c["ts"] for c in calls]
    edge = st.one_of(st.sampled_from(call_times), instants)
    packs = []
    for i in range(draw(st.integers(1, 3))):
        effective = draw(edge)
        packs.append({"event_type": "pack_purchase", "pack_id": f"p{i}", "owner_uin": "u1", "billing_item": "身份证识别",
                      "size": draw(st.integers(1, 12)), "price": Decimal(1), "purchased_at": effective - timedelta(hours=1),
                      "effective_at": effective, "expires_at": max(draw(edge), effective + timedelta(seconds=1))})
        if draw(st.integers(0, 3)) == 0:
            packs.append({"event_type": "pack_refund", "pack_id": f"p{i}", "owner_uin": "u1",
                          "requested_at": effective + timedelta(seconds=draw(st.sampled_from([0, 1, 3600]))),
                          "event_key": f"p{i}-refund"})
    return calls, packs, draw(st.sampled_from(["2026-09", "2026-10"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert_scenarios())
def test_R22_alerts_match_the_per_call_model(scenario):
    got, want = sql_and_model(*scenario)
    assert got[2] == want[2]
    assert got[1] == want[1]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.randoms(use_true_random=False))
def test_bill_is_unchanged_by_input_order(scenario, rnd):
    calls, packs, month = scenario
    results = []
    for shuffle in (False, True):
        rows, events = list(calls), list(packs)
        if shuffle:
            rnd.shuffle(rows)
            rnd.shuffle(events)
        con = new_con()
        add_calls(con, rows)
        add_events(con, events)
        results.append(bill(con, month))
    assert results[0] == results[1]
