"""Account event fields (spec §1.2): each JSON value → its normalised Python value, or EventError.

`FIELDS` lists, per event type, its JSON fields, the `events` column each fills, its parser and
whether it is required. Times become naive UTC datetimes, money an exact `Decimal`, ids strings;
the choices where the spec is silent are in docs/decisions.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from . import db

BILLING_ZONE = ZoneInfo(db.BILLING_TZ)

_MONEY_MAX = Decimal(10) ** 16  # DECIMAL(18,2)
_UNIT_PRICE_MAX = Decimal(10) ** 12  # DECIMAL(18,6)
_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1
# times outside 2000..2099 UTC are refused, as in the call logs (stg_calls.sql): epoch seconds
# sent as milliseconds would otherwise land in January 1970
_EPOCH_MS_MIN = 946684800000  # 2000-01-01T00:00:00Z
_EPOCH_MS_END = 4102444800000  # 2100-01-01T00:00:00Z


class EventError(ValueError):
    """An event that cannot be accepted: `reason` is one of events.REJECT_REASONS."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# a date alone is its 00:00 (in the billing time zone: it has no offset)
_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.ASCII,  # \d: 0-9 only
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)
_MONEY_STR_RE = re.compile(r"^[0-9]+(\.[0-9]+)?$")
# integers as strings: at most 19 digits (BIGINT), so that int() never meets a huge string
_DIGITS_RE = re.compile(r"^[0-9]{1,19}$")
_EPOCH_MS_STR_RE = re.compile(r"^[0-9]{1,15}$")  # as stg_calls.sql reads a call's timestamp


def json_type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def parse_timestamp(value: Any, name: str = "timestamp") -> datetime:
    """A time as the call logs give it → naive UTC datetime (microseconds)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not _EPOCH_MS_MIN <= value < _EPOCH_MS_END:
            raise EventError(
                "bad_timestamp", f"{name}: epoch milliseconds {value} is outside 2000..2099 (seconds?)"
            )
        return datetime(1970, 1, 1) + timedelta(milliseconds=value)
    if isinstance(value, str) and _EPOCH_MS_STR_RE.match(value.strip()):
        return parse_timestamp(int(value.strip()), name)  # epoch milliseconds as a string, as in CSV logs
    if not isinstance(value, str):
        raise EventError(
            "bad_timestamp",
            f"{name}: expected an ISO-8601 string or epoch milliseconds, got {json_type_name(value)}",
        )
    m = _TS_RE.match(value.strip())
    if not m:
        raise EventError("bad_timestamp", f"{name}: {value!r} is not an ISO-8601 time")
    year, month, day, hour, minute = (int(m.group(i) or 0) for i in range(1, 6))
    second = int(m.group(6) or 0)
    micro = int((m.group(7) or "").ljust(6, "0")[:6] or 0)
    offset = m.group(8)
    if offset is None:
        tz: Any = BILLING_ZONE  # no offset: billing time zone (R1)
    elif offset in ("Z", "z"):
        tz = UTC
    else:
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise EventError("bad_timestamp", f"{name}: {value!r} has a bad UTC offset")
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        local = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
        utc = local.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise EventError("bad_timestamp", f"{name}: {value!r}: {exc}") from None
    if not 2000 <= utc.year < 2100:
        raise EventError("bad_timestamp", f"{name}: {value!r} is outside 2000..2099")
    return utc


def add_one_year(utc: datetime) -> datetime:
    """The same Asia/Shanghai wall-clock instant one calendar year later (29 Feb → 28 Feb)."""
    local = utc.replace(tzinfo=UTC).astimezone(BILLING_ZONE)
    year = local.year + 1
    try:
        later = local.replace(year=year)
    except ValueError:  # 29 Feb
        later = local.replace(year=year, day=28)
    return later.astimezone(UTC).replace(tzinfo=None)


def billing_date(utc: datetime) -> date:
    """The Asia/Shanghai calendar date of a naive UTC time (which reference version applies)."""
    return utc.replace(tzinfo=UTC).astimezone(BILLING_ZONE).date()


def _parse_id(value: Any, name: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise EventError("bad_value", f"{name}: negative number {value}")
        return str(value)
    if not isinstance(value, str):
        raise EventError("bad_value", f"{name}: expected a string, got {json_type_name(value)}")
    return value  # (a blank one never gets here: it is absent, events._absent)


# int_free_packs.sql names the free packs `free_monthly:…` / `free_once:…`; a paid pack with
# such an id would merge with a free pack wherever packs are joined by pack_id
_FREE_PACK_PREFIXES = ("free_monthly:", "free_once:")


def _parse_pack_id(value: Any, name: str) -> str:
    pack_id = _parse_id(value, name)
    if pack_id.startswith(_FREE_PACK_PREFIXES):
        raise EventError("bad_value", f"{name}: {pack_id!r}: the prefix is reserved for free packs")
    return pack_id


def _parse_decimal(value: Any, name: str, places: int, limit: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise EventError("bad_value", f"{name}: expected a number, got {json_type_name(value)}")
    if isinstance(value, str):
        if not _MONEY_STR_RE.match(value.strip()):
            raise EventError("bad_value", f"{name}: {value!r} is not a decimal number")
        value = Decimal(value.strip())
    number = Decimal(value)
    if not number.is_finite():
        raise EventError("bad_value", f"{name}: {value} is not finite")
    quantum = Decimal(1).scaleb(-places)
    try:
        exact = number.quantize(quantum)
    except InvalidOperation:
        raise EventError("bad_value", f"{name}: {value} is out of range") from None
    if exact != number:
        raise EventError("bad_value", f"{name}: {value} has more than {places} decimals")
    if exact < 0:
        raise EventError("bad_value", f"{name}: {value} is negative")
    if exact >= limit:
        raise EventError("bad_value", f"{name}: {value} is out of range")
    return exact + 0  # drop a negative zero's sign


def parse_money(value: Any, name: str) -> Decimal:
    return _parse_decimal(value, name, 2, _MONEY_MAX)


def _parse_unit_price(value: Any, name: str) -> Decimal:
    return _parse_decimal(value, name, 6, _UNIT_PRICE_MAX)


def _parse_int(value: Any, name: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            value = int(value)  # 1000.0 → 1000
        elif isinstance(value, str) and _DIGITS_RE.match(value.strip()):
            value = int(value.strip())  # "1000", as money may be "84.00"
        else:
            raise EventError("bad_value", f"{name}: expected an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise EventError("bad_value", f"{name}: {value} is out of range [{minimum}, {maximum}]")
    return value


def _parse_size(value: Any, name: str) -> int:
    return _parse_int(value, name, minimum=1, maximum=_INT64_MAX)


def _parse_qps(value: Any, name: str) -> int:
    return _parse_int(value, name, minimum=1, maximum=_INT32_MAX)


def _parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # written as a string: "true", Python's "True"
    if not isinstance(value, bool):
        raise EventError("bad_value", f"{name}: expected true or false, got {value!r}")
    return value


def _parse_date(value: Any, name: str) -> date:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise EventError("bad_value", f"{name}: expected a YYYY-MM-DD date, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise EventError("bad_value", f"{name}: {value!r}: {exc}") from None


def _parse_month(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _MONTH_RE.fullmatch(value):
        raise EventError("bad_value", f"{name}: expected a YYYY-MM month, got {value!r}")
    return value


def _parse_period(value: Any, name: str) -> str:
    if value not in ("day", "month"):
        raise EventError("bad_value", f"{name}: expected 'day' or 'month', got {value!r}")
    return value


def _parse_reason(value: Any, name: str) -> str:
    # Suspensions for arrears are computed (R23); the only event reason is a violation (R20, R24).
    if value != "violation":
        raise EventError("bad_value", f"{name}: expected 'violation', got {value!r}")
    return value


def _parse_str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise EventError("bad_value", f"{name}: expected a string, got {value!r}")
    return value


Parser = Callable[[Any, str], Any]

# type → [(JSON field, column, parser, required)]
FIELDS: dict[str, list[tuple[str, str, Parser, bool]]] = {
    "pack_purchase": [
        ("pack_id", "pack_id", _parse_pack_id, True),
        ("owner_uin", "owner_uin", _parse_id, True),
        ("billing_item", "billing_item", _parse_str, True),
        ("size", "size", _parse_size, True),
        ("purchased_at", "purchased_at", parse_timestamp, True),
        ("price", "price", parse_money, False),
        ("effective_at", "effective_at", parse_timestamp, False),
        ("expires_at", "expires_at", parse_timestamp, False),
        ("voucher", "voucher", parse_money, False),
    ],
    "pack_refund": [
        ("pack_id", "pack_id", _parse_id, True),
        ("requested_at", "requested_at", parse_timestamp, True),
        ("owner_uin", "owner_uin", _parse_id, False),  # checked against the purchase at rating (R20)
    ],
    "postpaid": [
        ("owner_uin", "owner_uin", _parse_id, True),
        ("enabled", "enabled", _parse_bool, True),
        ("at", "at", parse_timestamp, True),
    ],
    "contract_price": [
        ("owner_uin", "owner_uin", _parse_id, True),
        ("billing_item", "billing_item", _parse_str, True),
        ("unit_price", "unit_price", _parse_unit_price, True),
        ("from_month", "from_month", _parse_month, True),
        ("to_month", "to_month", _parse_month, False),
    ],
    "qps_purchase": [
        ("order_id", "order_id", _parse_id, True),
        ("owner_uin", "owner_uin", _parse_id, True),
        ("action", "action", _parse_str, True),
        ("qps", "qps", _parse_qps, True),
        ("start_date", "start_date", _parse_date, True),
        ("end_date", "end_date", _parse_date, True),
        ("period", "period", _parse_period, True),
        ("purchased_at", "purchased_at", parse_timestamp, True),
    ],
    "activation": [
        ("owner_uin", "owner_uin", _parse_id, True),
        ("billing_item", "billing_item", _parse_str, True),
        ("at", "at", parse_timestamp, True),
    ],
    "account": [
        ("owner_uin", "owner_uin", _parse_id, True),
        ("opened_at", "opened_at", parse_timestamp, True),
    ],
    "top_up": [
        ("owner_uin", "owner_uin", _parse_id, True),
        ("amount", "amount", parse_money, True),
        ("at", "at", parse_timestamp, True),
    ],
    "suspension": [
        ("owner_uin", "owner_uin", _parse_id, True),
        ("reason", "reason", _parse_reason, True),
        ("from", "from_ts", parse_timestamp, True),
        ("to", "to_ts", parse_timestamp, False),
    ],
}
