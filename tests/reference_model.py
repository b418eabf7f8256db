"""A deliberately slow, obvious reference model of the ocrbill rating rules.

The SQL engine (`sql/`) is checked against this module with hypothesis. It must stay easy to read
and audit, so it is written as plain Python:

* calls are replayed one by one in (timestamp, request_id) order (R8);
* pack balances are kept in ordinary dicts / small objects;
* money is `decimal.Decimal`, rounded half-up to 0.01 once per bill line (R9).

It is independent of the `ocrbill` package on purpose: nothing is imported from it, and all price
data comes in through `Prices`. Rule numbers refer to `reference/sources/billing-spec.md`.

Scope: R1-R12 (usage and pack-purchase lines, pack balances). Of the account-lifecycle rules only
the effect of an *approved* refund is modelled (`Pack.refunded_at`: the pack stops serving at that
instant, R20); refund lines, QPS packs (R21), alerts (R22), arrears / suspension (R23, R24) and
postpaid-mode flags (R25) are out of scope here.

Choices where the spec is silent are marked "CHOICE:" below.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

UTC = timezone.utc
BILLING_TZ = timezone(timedelta(hours=8), "UTC+08:00")  # R1: Asia/Shanghai has no DST since 1991
MIXED_INVOICE_ACTION = "MixedInvoiceOCR"
TIER_FLOORS = (0, 10_000, 100_000, 1_000_000)  # R9: [0,1万) [1万,10万) [10万,100万) [100万,∞)
CENT = Decimal("0.01")
ZERO_MONEY = Decimal("0.00")
SITES = ("domestic", "international")


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One accepted, deduplicated call (sub-accounts already rolled up to owner_uin, R2)."""

    request_id: str
    ts: datetime  # aware, or naive meaning UTC
    owner_uin: str
    action: str
    site: str  # 'domestic' | 'international' (R3 already applied)
    error_code: str | None = None
    images_total: int | None = None
    images_recognized: int | None = None
    tickets: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Pack:
    """A paid pack (from a pack_purchase event)."""

    pack_id: str
    owner_uin: str
    billing_item: str
    size: int
    purchased_at: datetime
    effective_at: datetime
    expires_at: datetime
    price: Decimal | None = None  # None -> list price (R12)
    refunded_at: datetime | None = None  # approved refund: stops serving at this instant (R20)
    voucher: Decimal = Decimal(0)  # part of the price paid by voucher: not refunded (R20)


@dataclass(frozen=True)
class Lifecycle:
    """Account-lifecycle events the model replays alongside the calls (R20, R24, R25)."""

    refund_requests: tuple[tuple[str, datetime], ...] = ()  # (pack_id, requested_at)
    violations: tuple[tuple[str, datetime, datetime | None], ...] = ()  # (owner, from, to)
    postpaid_switches: tuple[tuple[str, datetime, bool], ...] = ()  # (owner, at, enabled)
    opened_at: tuple[tuple[str, datetime], ...] = ()  # (owner, account opened)


@dataclass(frozen=True)
class Prices:
    action_item: dict[str, str]  # action -> billing item (absent for MixedInvoiceOCR / no-item actions)
    ticket_item: dict[int, str]  # MixedInvoiceOCR ticket Type -> 通用票据识别（大票） / 通用票据识别（小票）
    billable_errors: frozenset[str]
    free_monthly: dict[str, int]  # billing item -> monthly free units (R6a)
    free_once: dict[str, tuple[int, int]]  # billing item -> (units, valid months) (R6b)
    ladder: dict[str, list[Decimal | None]]  # item -> price per tier; None = 联系商务 (R9, R10)
    intl_ladder: dict[str, list[Decimal | None]]  # international price book (R11)
    pack_list_price: dict[tuple[str, int], Decimal | None]  # (item, size) -> list price (R12)
    tier_floors: tuple[int, ...] = TIER_FLOORS  # R9 (tests shrink them to reach every tier)


# --------------------------------------------------------------------------------------------
# Time helpers
# --------------------------------------------------------------------------------------------


def as_utc(dt: datetime) -> datetime:
    """An aware UTC datetime. A naive datetime is read as UTC (the Call/Pack contract)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def billing_month_of(dt: datetime) -> str:
    """R1: the calendar month of the instant in UTC+8, as 'YYYY-MM'."""
    local = as_utc(dt).astimezone(BILLING_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a billing month, as aware UTC instants (00:00 UTC+8 on the 1st)."""
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    year, mon = int(month[:4]), int(month[5:])
    if not 1 <= mon <= 12:
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    start = datetime(year, mon, 1, tzinfo=BILLING_TZ)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=BILLING_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def add_months(dt: datetime, months: int) -> datetime:
    """The same wall-clock instant `months` calendar months later (R6b validity).

    CHOICE: months are counted on the UTC+8 calendar (the billing time zone); a day that does not
    exist in the target month is clamped to its last day (Jan 31 + 1 month = Feb 28/29).
    """
    local = as_utc(dt).astimezone(BILLING_TZ)
    years_up, month_index = divmod(local.month - 1 + months, 12)
    year, mon = local.year + years_up, month_index + 1
    day = min(local.day, calendar.monthrange(year, mon)[1])
    return local.replace(year=year, month=mon, day=day).astimezone(UTC)


# --------------------------------------------------------------------------------------------
# R4 / R5: billable units of one call, by billing item
# --------------------------------------------------------------------------------------------


def units_of_call(call: Call, prices: Prices) -> dict[str, int]:
    """Billable units of one call per billing item ({} when it bills nothing)."""
    # R4a: MixedInvoiceOCR bills one unit per recognised ticket, to the ticket's class item.
    # An error or no tickets bills nothing (classification is free).
    if call.action == MIXED_INVOICE_ACTION:
        if call.error_code or not call.tickets:
            return {}
        units: dict[str, int] = {}
        for ticket_type in call.tickets:
            item = prices.ticket_item.get(ticket_type)
            # CHOICE: a ticket Type without a billing class (e.g. 4 客运限额发票, class 'none')
            # bills nothing. Unknown Types are quarantined at ingest and never reach here.
            if item is None:
                continue
            units[item] = units.get(item, 0) + 1
        return units

    # R5: action -> billing item. CHOICE: an action with no billing item bills nothing.
    item = prices.action_item.get(call.action)
    if item is None:
        return {}

    if call.images_total is not None:
        # R4b: legacy multi-image request: the recognised images bill, whatever the error code.
        n = call.images_recognized or 0
    elif not call.error_code:
        n = 1  # R4c: success ('' counts as no error, as at ingest)
    elif call.error_code in prices.billable_errors:
        n = 1  # R4c: failure with a billable error code (seed 错误码计费说明)
    else:
        n = 0  # R4c: any other failure
    return {item: n} if n > 0 else {}


def tier_index(total_units: int, floors: tuple[int, ...] = TIER_FLOORS) -> int:
    """R9: index of the ladder tier reached by the month's total billable units."""
    index = 0
    for i, floor in enumerate(floors):
        if total_units >= floor:
            index = i
    return index


def money(value: Decimal) -> Decimal:
    """R9: round half-up to 0.01 CNY (done once per bill line)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Pack state during the replay
# --------------------------------------------------------------------------------------------


def free_monthly_pack_id(owner_uin: str, item: str, month: str) -> str:
    """Id of the R6a monthly free pack of (owner, item, month)."""
    return f"free_monthly:{owner_uin}:{item}:{month}"


def free_once_pack_id(owner_uin: str, item: str) -> str:
    """Id of the R6b one-time free pack of (owner, item)."""
    return f"free_once:{owner_uin}:{item}"


class PackState:
    """A pack (free or paid) and how many units have been drawn from it so far."""

    def __init__(self, pack_id, owner_uin, billing_item, kind, size, effective_at, expires_at,
                 refunded_at=None):
        self.pack_id = pack_id
        self.owner_uin = owner_uin
        self.billing_item = billing_item
        self.kind = kind  # 'free_monthly' | 'free_once' | 'paid'
        self.size = size
        self.effective_at = effective_at
        self.expires_at = expires_at
        self.refunded_at = refunded_at
        self.used_total = 0  # every unit drawn so far (the replay stops at the rated month's end)
        self.used_in_month = 0  # units drawn by calls of the rated month

    @property
    def remaining(self) -> int:
        return self.size - self.used_total

    def serves_at(self, t: datetime) -> bool:
        """R7 window effective_at <= t < expires_at, stopped by an approved refund (R20)."""
        if not (self.effective_at <= t < self.expires_at):
            return False
        if self.refunded_at is not None and t >= self.refunded_at:
            return False
        return self.remaining > 0

    def draw(self, wanted: int, in_rated_month: bool) -> int:
        """Draw up to `wanted` units; return how many were drawn."""
        taken = min(wanted, self.remaining)
        self.used_total += taken
        if in_rated_month:
            self.used_in_month += taken
        return taken


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def suspended_for_violation(life: Lifecycle, owner: str, t: datetime) -> bool:
    """R24: is the account stopped for a violation at instant t?"""
    return any(o == owner and as_utc(f) <= t and (to is None or t < as_utc(to)) for o, f, to in life.violations)


def postpaid_known_off(life: Lifecycle, owner: str, t: datetime) -> bool:
    """R25: the latest switch strictly before t says off, or no switch and opened ≥ 2021-12-14."""
    before = [(as_utc(at), enabled) for o, at, enabled in life.postpaid_switches if o == owner and as_utc(at) < t]
    if before:
        return not max(before)[1]
    opened = [as_utc(at) for o, at in life.opened_at if o == owner]
    return bool(opened) and min(opened) >= datetime(2021, 12, 14, tzinfo=BILLING_TZ).astimezone(UTC)


def refund_window_closes(purchased_at: datetime) -> datetime:
    """R20: 00:00 (UTC+8) of the 8th day after the purchase day."""
    day = as_utc(purchased_at).astimezone(BILLING_TZ).date() + timedelta(days=8)
    return datetime(day.year, day.month, day.day, tzinfo=BILLING_TZ).astimezone(UTC)


def rate_month(month: str, calls: list[Call], packs: list[Pack], prices: Prices,
               activations: dict[tuple[str, str], datetime] | None = None,
               contract_prices: dict[tuple[str, str], Decimal] | None = None,
               life: Lifecycle | None = None) -> dict:
    """Rate one billing month.

    `activations`: (owner, item) -> activation instant (R6b). `contract_prices`: (owner, item) ->
    negotiated unit price valid for `month` (R10).
    Returns {"lines": [...], "pack_balances": [...]}, both sorted deterministically.
    """
    activations = activations or {}
    contract_prices = contract_prices or {}
    life = life or Lifecycle()
    month_start, month_end = month_bounds(month)
    for name, book in (("ladder", prices.ladder), ("intl_ladder", prices.intl_ladder)):
        for item, tiers in book.items():
            if len(tiers) != len(TIER_FLOORS):
                raise ValueError(f"{name}[{item!r}] must have {len(TIER_FLOORS)} tiers")

    # ---- paid packs, per (owner, item), in R8 order: effective_at, then pack_id ------------
    paid_packs: dict[tuple[str, str], list[PackState]] = defaultdict(list)
    paid_by_id: dict[str, tuple[Pack, PackState]] = {}
    for pack in packs:
        if pack.pack_id in paid_by_id:
            raise ValueError(f"duplicate pack_id {pack.pack_id!r}")
        state = PackState(
            pack.pack_id, pack.owner_uin, pack.billing_item, "paid", pack.size,
            as_utc(pack.effective_at), as_utc(pack.expires_at),
            as_utc(pack.refunded_at) if pack.refunded_at is not None else None,
        )
        # NOTE: R7 is applied literally (effective_at <= t); purchased_at does not gate serving.
        paid_packs[(pack.owner_uin, pack.billing_item)].append(state)
        paid_by_id[pack.pack_id] = (pack, state)
    for states in paid_packs.values():
        states.sort(key=lambda s: (s.effective_at, s.pack_id))

    # ---- free packs: created when first needed -------------------------------------------
    monthly_free: dict[tuple[str, str, str], PackState] = {}  # (owner, item, month) -> pack
    once_free: dict[tuple[str, str], PackState] = {}  # (owner, item) -> pack

    def make_once_free(owner: str, item: str, at: datetime) -> PackState:
        units, valid_months = prices.free_once[item]
        state = PackState(free_once_pack_id(owner, item), owner, item, "free_once", units,
                          at, add_months(at, valid_months))
        once_free[(owner, item)] = state
        return state

    # R6b: an activation event opens the one-time free pack at its instant (even if later than
    # the first call: CHOICE, the event wins when given). Activations after the rated month's
    # end do not exist yet.
    for (owner, item), at in sorted(activations.items()):
        if item in prices.free_once and prices.free_once[item][0] > 0 and as_utc(at) < month_end:
            make_once_free(owner, item, as_utc(at))

    def free_packs_for(owner: str, item: str, t: datetime) -> list[PackState]:
        """Free packs that exist for (owner, item) at instant t, creating them on first use."""
        result = []
        # R6a: monthly free pack of t's billing month, effective month start to next month start.
        if prices.free_monthly.get(item, 0) > 0:
            m = billing_month_of(t)
            key = (owner, item, m)
            if key not in monthly_free:
                start, end = month_bounds(m)
                monthly_free[key] = PackState(free_monthly_pack_id(owner, item, m), owner, item,
                                              "free_monthly", prices.free_monthly[item], start, end)
            result.append(monthly_free[key])
        # R6b: one-time free pack, opened by the first billable domestic call when there is no
        # activation event for (owner, item).
        if item in prices.free_once and prices.free_once[item][0] > 0:
            if (owner, item) not in once_free and (owner, item) not in activations:
                make_once_free(owner, item, t)
            if (owner, item) in once_free:
                result.append(once_free[(owner, item)])
        return result

    # ---- replay every call before the rated month's end, in R8 order ----------------------
    # Calls of earlier months are replayed too, so that pack balances carry over (months chain).
    # R20: refund requests are decided at their instant, before the calls of that same instant.
    replay = [(as_utc(c.ts), 1, c.request_id, c) for c in calls]
    # A pack may have several requests: each is decided at its instant (key: its index).
    replay += [(as_utc(at), 0, i, None) for i, (_pack_id, at) in enumerate(life.refund_requests)]
    replay = [r for r in replay if r[0] < month_end]
    replay.sort(key=lambda r: r[:3])
    refund_decisions: dict[int, tuple[str, str | None]] = {}  # request index -> (status, reason)

    # R22: (pack_id, kind) → (t, request_id) of the unit that raised it; each kind once per pack
    raised: dict[tuple[str, str], tuple[datetime, str]] = {}

    def draw(pack: PackState, wanted: int, t: datetime, call: Call, item: str, in_rated_month: bool) -> int:
        """Draw up to `wanted` units from `pack` one at a time, raising the R22 alerts."""
        taken = 0
        while taken < wanted and pack.remaining > 0:
            pack.draw(1, in_rated_month)
            taken += 1
            others = free_packs_for(call.owner_uin, item, t) + paid_packs.get((call.owner_uin, item), [])
            if any(other is not pack and other.serves_at(t) for other in others):
                continue  # another pack is usable, with units left, when this unit is drawn
            if 5 * pack.remaining < pack.size:  # CHOICE: `low` is a state (docs/decisions.md)
                raised.setdefault((pack.pack_id, "low"), (t, call.request_id))
            if pack.remaining == 0:
                raised.setdefault((pack.pack_id, "exhausted"), (t, call.request_id))
        return taken

    # usage of the rated month, per (owner, site, item)
    usage: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
        lambda: {"calls": 0, "free": 0, "prepaid": 0, "postpaid": 0, "postpaid_off": False})

    for t, _order, key, call in replay:
        if call is None:
            pack, state = paid_by_id[life.refund_requests[key][0]]
            if state.refunded_at is not None:
                reason = "already_refunded"  # an earlier request was approved
            elif t >= refund_window_closes(pack.purchased_at):
                reason = "window_closed"
            elif suspended_for_violation(life, pack.owner_uin, t):
                reason = "suspended_for_violation"
            elif state.used_total > 0:
                reason = "units_drawn"
            else:
                reason = None
                state.refunded_at = t
            refund_decisions[key] = ("denied", reason) if reason else ("approved", None)
            continue
        if suspended_for_violation(life, call.owner_uin, t):
            continue  # R24: not billed while suspended (reported as an anomaly)
        if call.site not in SITES:
            raise ValueError(f"call {call.request_id!r}: unknown site {call.site!r}")
        in_rated_month = t >= month_start
        for item, n in sorted(units_of_call(call, prices).items()):
            left = n
            free = prepaid = 0
            if call.site == "domestic":  # R11: no free quota and no packs on the international site
                # R8: free packs first (earliest effective first), then paid packs by
                # (effective_at, pack_id), then postpaid. A call's units may span several packs.
                free_now = [p for p in free_packs_for(call.owner_uin, item, t) if p.serves_at(t)]
                free_now.sort(key=lambda p: (p.effective_at, p.pack_id))
                for pack in free_now:
                    taken = draw(pack, left, t, call, item, in_rated_month)
                    free += taken
                    left -= taken
                paid_now = [p for p in paid_packs.get((call.owner_uin, item), []) if p.serves_at(t)]
                for pack in paid_now:
                    taken = draw(pack, left, t, call, item, in_rated_month)
                    prepaid += taken
                    left -= taken
            postpaid = left
            if in_rated_month:
                line = usage[(call.owner_uin, call.site, item)]
                line["calls"] += 1
                line["free"] += free
                line["prepaid"] += prepaid
                line["postpaid"] += postpaid
                if call.site == "domestic" and postpaid > 0 and postpaid_known_off(life, call.owner_uin, t):
                    line["postpaid_off"] = True  # R25

    # ---- usage lines (R9, R10, R11) ---------------------------------------------------------
    lines = []
    for (owner, site, item), u in usage.items():
        billable = u["free"] + u["prepaid"] + u["postpaid"]
        if billable == 0:
            continue
        tier = tier_index(billable, prices.tier_floors)  # R9: the free units are inside the total
        postpaid = u["postpaid"]
        flags: list[str] = []
        if site == "domestic":
            tiers = prices.ladder.get(item)
            list_price = tiers[tier] if tiers is not None else None
            if tiers is None:
                # CHOICE: a domestic item missing from the price book is treated like R11.
                unit_price = None
                if postpaid > 0:
                    flags.append("unpriced")
            elif list_price is not None:
                unit_price = list_price
            elif postpaid == 0:
                unit_price = None  # 联系商务 tier, but nothing to price: no flag
            elif (owner, item) in contract_prices:
                unit_price = contract_prices[(owner, item)]  # R10
                flags.append("contract_price")
            else:
                unit_price = None  # R10: amount 0, listed for review
                flags.append("needs_contract_price")
        else:
            tiers = prices.intl_ladder.get(item)
            unit_price = tiers[tier] if tiers is not None else None
            if unit_price is None and postpaid > 0:
                flags.append("unpriced")  # R11
        if u["postpaid_off"]:
            flags.append("postpaid_not_enabled")
        amount = money(postpaid * unit_price) if unit_price is not None else ZERO_MONEY
        lines.append({
            "billing_month": month,
            "owner_uin": owner,
            "site": site,
            "billing_item": item,
            "charge_type": "usage",
            "ref_id": None,
            "calls": u["calls"],
            "billable_units": billable,
            "free_units": u["free"],
            "prepaid_units": u["prepaid"],
            "postpaid_units": postpaid,
            "tier_from": prices.tier_floors[tier],
            "unit_price": unit_price,
            "amount": amount,
            "flags": tuple(sorted(flags)),
        })

    # ---- pack purchase lines (R12) ---------------------------------------------------------
    for pack, _state in paid_by_id.values():
        if billing_month_of(pack.purchased_at) != month:
            continue
        flags = []
        price = pack.price
        if price is None:
            price = prices.pack_list_price.get((pack.billing_item, pack.size))
        if price is None:
            # CHOICE: no price given and no list price for that size: amount 0, flagged.
            flags.append("unpriced")
        lines.append({
            "billing_month": month,
            "owner_uin": pack.owner_uin,
            "site": "domestic",
            "billing_item": pack.billing_item,
            "charge_type": "pack_purchase",
            "ref_id": pack.pack_id,
            "calls": 0,
            "billable_units": 0,
            "free_units": 0,
            "prepaid_units": 0,
            "postpaid_units": 0,
            "tier_from": None,
            "unit_price": None,
            "amount": money(price) if price is not None else ZERO_MONEY,
            "flags": tuple(sorted(flags)),
        })
    # ---- approved refunds: a negative line in the month of the request (R20) ----------------
    for i, (pack_id, at) in enumerate(life.refund_requests):
        if refund_decisions.get(i, ("", None))[0] != "approved" or billing_month_of(at) != month:
            continue
        pack, _state = paid_by_id[pack_id]
        price = pack.price if pack.price is not None else prices.pack_list_price.get((pack.billing_item, pack.size))
        lines.append({
            "billing_month": month, "owner_uin": pack.owner_uin, "site": "domestic",
            "billing_item": pack.billing_item, "charge_type": "pack_refund", "ref_id": pack_id,
            "calls": 0, "billable_units": 0, "free_units": 0, "prepaid_units": 0, "postpaid_units": 0,
            "tier_from": None, "unit_price": None,
            "amount": -money((price or Decimal(0)) - pack.voucher), "flags": (),
        })
    lines.sort(key=lambda l: (l["owner_uin"], l["site"], l["billing_item"], l["charge_type"],
                              l["ref_id"] or ""))

    # ---- pack balances at the rated month's end --------------------------------------------
    listed: list[PackState] = []
    for pack, state in paid_by_id.values():
        stops = min(state.expires_at, state.refunded_at or state.expires_at)
        refunded_this_month = state.refunded_at is not None and state.refunded_at >= month_start
        # listed from its purchase, or from an earlier (back-dated) effective_at: it serves from there
        listed_from = min(as_utc(pack.purchased_at), as_utc(pack.effective_at))
        bought_this_month = month_start <= as_utc(pack.purchased_at) < month_end
        if listed_from < month_end and (stops > month_start or refunded_this_month or bought_this_month):
            listed.append(state)
    domestic_usage = {(o, i) for (o, s, i), u in usage.items()
                      if s == "domestic" and u["free"] + u["prepaid"] + u["postpaid"] > 0}
    for (owner, item), state in once_free.items():
        # CHOICE: a one-time free pack is listed whenever it exists (opened by an activation event
        # or a first call before month end) and its validity overlaps the month.
        if state.effective_at < month_end and state.expires_at > month_start:
            listed.append(state)
    for (owner, item, m), state in monthly_free.items():
        # a monthly free pack is listed for the owners that had domestic usage of its item
        if m == month and (owner, item) in domestic_usage:
            listed.append(state)

    balances = []
    for state in listed:
        # Status as of the instant month_end (the next month's start), first match wins.
        if state.refunded_at is not None and state.refunded_at <= month_end:
            status = "refunded"
        elif state.remaining == 0:
            status = "exhausted"  # used up: nothing was lost, even if its validity also ended
        elif state.expires_at <= month_end:
            status = "expired"  # a remainder was lost (monthly free packs at their month's end)
        else:
            status = "active"  # includes a pack bought this month that takes effect later
        balances.append({
            "pack_id": state.pack_id,
            "owner_uin": state.owner_uin,
            "billing_item": state.billing_item,
            "kind": state.kind,
            "size": state.size,
            "effective_at": state.effective_at,
            "expires_at": state.expires_at,
            "used_in_month": state.used_in_month,
            "used_total": state.used_total,
            "remaining": state.remaining,  # unused units, even if expired or refunded
            "status": status,
        })
    balances.sort(key=lambda b: (b["owner_uin"], b["billing_item"], b["kind"], b["pack_id"]))
    alerts = sorted((pack_id, kind, request_id) for (pack_id, kind), (t, request_id) in raised.items()
                    if month_start <= t < month_end)
    return {"lines": lines, "pack_balances": balances, "refund_decisions": refund_decisions,
            "alerts": alerts}
