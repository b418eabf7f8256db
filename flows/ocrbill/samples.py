"""Realistic, seeded sample call logs (spec §1.1) and account events (§1.2).

Two generators share one model of the customer base:

- `write_sample_logs` — a small, readable log with every kind of trouble ingest must handle
  (duplicates, conflicts, bad lines of each quarantine reason, unknown error codes). Pure Python
  (`random.Random(seed)`), so the same arguments always give the same bytes. Its return value
  says what ingest should find (`expected`).
- `bench_samples.write_bench_logs` / `write_bench_events` — the same shapes, vectorised (numpy +
  polars) for benchmark files of millions of rows.

Model: accounts with Pareto/Zipf-distributed volumes, each with a few favourite actions and some
sub-accounts; calls follow a daily rhythm in Asia/Shanghai (quieter at night, at weekends and in
the October Golden Week); ~3 % fail; ~5 % go to international regions; MixedInvoiceOCR calls
list their ticket Type codes; IDCardOCR / BusinessCardOCR sometimes use the legacy multi-image
form. Timestamps come in three shapes: ISO with `+08:00`, ISO `Z`, epoch milliseconds.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

MONTH_RE = re.compile(r"\d{4}-\d{2}", re.ASCII)
SHANGHAI = timezone(timedelta(hours=8))  # R1 billing time zone (no DST)

# action, share of calls, billing item (resource pack) as the seed spells it
ACTION_MIX: tuple[tuple[str, float, str], ...] = (
    ("GeneralBasicOCR", 28.0, "通用印刷体识别"),
    ("IDCardOCR", 16.0, "身份证识别"),
    ("GeneralAccurateOCR", 9.0, "通用印刷体识别（高精度版）"),
    ("BankCardOCR", 7.0, "银行卡识别"),
    ("VatInvoiceOCR", 6.0, "增值税发票识别"),
    ("MixedInvoiceOCR", 6.0, "通用票据识别（大票）"),  # per ticket: large or small (R4a)
    ("DriverLicenseOCR", 4.0, "行驶证/驾驶证识别"),
    ("VehicleLicenseOCR", 3.0, "行驶证/驾驶证识别"),
    ("BizLicenseOCR", 4.0, "营业执照识别"),
    ("VatInvoiceVerifyNew", 3.0, "增值税发票核验"),
    ("BusinessCardOCR", 2.0, "名片识别"),
    ("TrainTicketOCR", 2.0, "通用票据识别（小票）"),
    ("RecognizeTableAccurateOCR", 2.0, "表格识别"),
    ("LicensePlateOCR", 2.0, "车牌识别"),
    ("GeneralFastOCR", 1.0, "通用印刷体识别（高速版）"),
    ("GeneralHandwritingOCR", 1.0, "通用手写体识别"),
    ("QrcodeOCR", 1.0, "图片文字识别（基础版）"),
    ("PassportOCR", 1.0, "通用证照识别"),
    ("RecognizeMedicalInvoiceOCR", 1.0, "医疗票据识别"),
    ("EnglishOCR", 1.0, "英文识别"),
)
ACTIONS = tuple(a for a, _, _ in ACTION_MIX)
ACTION_WEIGHTS = tuple(w for _, w, _ in ACTION_MIX)
ACTION_ITEM = {a: item for a, _, item in ACTION_MIX}
LEGACY_ACTIONS = ("IDCardOCR", "BusinessCardOCR")  # API 2017 multi-image forms exist

# List prices (CNY) of 1000 / 1万 / 10万 packs, from the seed's prepaid table.
PACK_LIST_PRICES: dict[str, tuple[int, int, int]] = {
    "通用印刷体识别": (120, 800, 5000),
    "通用印刷体识别（高精度版）": (400, 3000, 15000),
    "通用印刷体识别（高速版）": (400, 3000, 15000),
    "身份证识别": (120, 800, 5000),
    "银行卡识别": (120, 800, 5000),
    "增值税发票识别": (120, 800, 5000),
    "通用票据识别（大票）": (120, 800, 5000),
    "通用票据识别（小票）": (80, 500, 3000),
    "行驶证/驾驶证识别": (120, 800, 5000),
    "营业执照识别": (120, 800, 5000),
    "增值税发票核验": (280, 2600, 24000),
    "名片识别": (120, 800, 5000),
    "表格识别": (120, 800, 5000),
    "车牌识别": (120, 800, 5000),
    "通用手写体识别": (120, 800, 5000),
    "图片文字识别（基础版）": (100, 800, 5000),
    "通用证照识别": (120, 800, 5000),
    "医疗票据识别": (450, 4000, 30000),
    "英文识别": (120, 800, 5000),
}
PACK_SIZES = (1000, 10_000, 100_000)

MAINLAND_REGIONS = (("ap-guangzhou", 50.0), ("ap-shanghai", 30.0), ("ap-beijing", 20.0))
INTL_REGIONS = (("ap-hongkong", 60.0), ("ap-singapore", 30.0), ("ap-bangkok", 10.0))
INTL_SHARE = 0.05
FAILURE_SHARE = 0.03
BILLABLE_FAILURE_SHARE = 0.35  # of failures

BILLABLE_ERRORS = ("FailedOperation.EmptyImageError",)
BILLABLE_ERRORS_BY_ACTION = {
    "BusinessCardOCR": ("FailedOperation.ImageNoBusinessCard",),
    "VatInvoiceVerifyNew": ("ResourceNotFound.NoInvoice", "FailedOperation.InvoiceMismatch"),
}
NONBILLABLE_ERRORS = (
    "FailedOperation.ImageBlur",
    "FailedOperation.ImageNoText",
    "FailedOperation.ImageDecodeFailed",
    "FailedOperation.DownLoadError",
    "FailedOperation.EngineRecognizeTimeout",
    "FailedOperation.ImageSizeTooLarge",
    "FailedOperation.OcrFailed",
    "LimitExceeded.TooLargeFileError",
    "RequestLimitExceeded",
    "InternalServerError",
)
NONBILLABLE_ERRORS_BY_ACTION = {
    "IDCardOCR": (
        "FailedOperation.ImageNoIdCard",
        "FailedOperation.IdCardInfoIllegal",
        "FailedOperation.MultiCardError",
    ),
}
# Real OCR error codes that the seed's 错误码计费说明 table does not list (not billed, reported).
UNKNOWN_ERRORS = ("FailedOperation.NoBankCardError", "FailedOperation.UnKnowFileTypeError")

# MixedInvoiceOCR ticket Type codes (invoice_ticket_types.csv) and their share of tickets.
TICKET_MIX: tuple[tuple[int, float], ...] = (
    (3, 35.0),  # 增值税发票, large
    (8, 14.0),  # 通用机打发票, small
    (2, 14.0),  # 火车票, small
    (9, 8.0),  # 汽车票, small
    (0, 8.0),  # 出租车发票, small
    (12, 4.0),  # 购车发票, large
    (1, 5.0),  # 定额发票, small
    (5, 5.0),  # 机票行程单, small
    (13, 3.0),  # 过路过桥费发票, small
    (16, 2.0),  # 全电发票, small
    (11, 2.0),  # 增值税发票（卷票）, small
)
TICKETS_PER_CALL = ((1, 40.0), (2, 30.0), (3, 15.0), (4, 10.0), (5, 5.0))

# Local-hour rhythm (Asia/Shanghai): quiet at night, peaks mid-morning and mid-afternoon.
HOUR_WEIGHTS = (
    0.30, 0.20, 0.14, 0.10, 0.10, 0.14, 0.30, 0.60, 1.00, 1.40, 1.60, 1.50,
    1.20, 1.30, 1.60, 1.60, 1.50, 1.30, 1.00, 0.90, 0.90, 0.80, 0.60, 0.40,
)  # fmt: skip

CSV_COLUMNS = (
    "request_id", "timestamp", "owner_uin", "uin", "action", "region",
    "error_code", "images_total", "images_recognized", "tickets",
)  # fmt: skip

# Quarantine reasons of ingest (DEVELOPERS.md) that the sample log exercises.
BAD_LINE_KINDS = (
    "unreadable",
    "missing_field",
    "unknown_action",
    "bad_timestamp",
    "unknown_region",
    "unknown_ticket_type",
    "inconsistent_counts",
)


def owner_uin(k: int) -> str:
    """The 12-digit main-account uin of account number k (a bijection, same in every generator)."""
    return str(100_000_000_000 + (k * 2_654_435_761) % 1_000_000_000)


def sub_uin(k: int, j: int) -> str:
    """The uin of sub-account j (0..3) of account k."""
    return str(200_000_000_000 + (k * 4 + j) * 7_919 % 1_000_000_000)


def year_month(month: str) -> tuple[int, int]:
    """(year, month) of a YYYY-MM month, else ValueError."""
    if not MONTH_RE.fullmatch(month):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    year, mon = int(month[:4]), int(month[5:])
    if not 1 <= mon <= 12:
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    return year, mon


def day_weights(year: int, mon: int) -> list[float]:
    """Relative call volume of each day of the month: weekends and Golden Week are quieter."""
    weights = []
    for day in range(1, calendar.monthrange(year, mon)[1] + 1):
        w = 0.55 if calendar.weekday(year, mon, day) >= 5 else 1.0
        if mon == 10 and day <= 7:  # National Day holiday
            w = 0.45
        weights.append(w)
    return weights


def month_start_ms(year: int, mon: int) -> int:
    """Epoch ms of 00:00 on day 1 of the month in Asia/Shanghai."""
    return int(datetime(year, mon, 1, tzinfo=SHANGHAI).timestamp() * 1000)


def format_ts(ms: int, shape: int) -> str | int:
    """Timestamp shapes: 0 ISO +08:00 with ms, 1 ISO +08:00 seconds, 2 ISO Z with ms, 3 epoch ms."""
    if shape == 3:
        return ms
    if shape in (0, 1):
        t = datetime.fromtimestamp(ms / 1000, SHANGHAI)
        base = t.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{base}.{ms % 1000:03d}+08:00" if shape == 0 else f"{base}+08:00"
    t = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return f"{t.strftime('%Y-%m-%dT%H:%M:%S')}.{ms % 1000:03d}Z"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


# ---------------------------------------------------------------------------------------------
# Small sample (pure Python)


class _Account:
    def __init__(self, k: int, rng: random.Random) -> None:
        self.k = k
        self.owner = owner_uin(k)
        self.weight = rng.paretovariate(1.16)  # 80/20 volumes
        n_actions = rng.choice((1, 1, 2, 2, 3, 4))
        picked: list[str] = []
        while len(picked) < n_actions:
            a = rng.choices(ACTIONS, weights=ACTION_WEIGHTS)[0]
            if a not in picked:
                picked.append(a)
        self.actions = picked
        self.action_weights = [1.0 / (i + 1) ** 1.5 for i in range(len(picked))]
        self.subs = [sub_uin(k, j) for j in range(rng.choice((0, 0, 0, 1, 2, 3)))]
        self.opened = datetime(2018, 1, 1, tzinfo=SHANGHAI) + timedelta(
            days=rng.randrange(0, 365 * 8 + 240), seconds=rng.randrange(86_400)
        )


def _make_accounts(n: int, rng: random.Random) -> list[_Account]:
    return [_Account(k, rng) for k in range(n)]


def _call_record(
    rng: random.Random, acct: _Account, ms: int, *, unknown_error: bool = False
) -> dict[str, Any]:
    """One valid call record (keys in the order of the spec table)."""
    if rng.random() < 0.9:
        action = rng.choices(acct.actions, weights=acct.action_weights)[0]
    else:
        action = rng.choices(ACTIONS, weights=ACTION_WEIGHTS)[0]
    rec: dict[str, Any] = {
        "request_id": _uuid(rng),
        "timestamp": format_ts(ms, rng.choices((0, 1, 2, 3), weights=(45, 10, 25, 20))[0]),
        "owner_uin": acct.owner,
    }
    r = rng.random()
    if acct.subs and r < 0.4:
        rec["uin"] = rng.choice(acct.subs)
    elif r < 0.7:
        rec["uin"] = acct.owner  # else absent: defaults to owner_uin
    rec["action"] = action
    intl = rng.random() < INTL_SHARE
    rec["region"] = _pick(rng, INTL_REGIONS if intl else MAINLAND_REGIONS)
    error: str | None = None
    if unknown_error:
        error = rng.choice(UNKNOWN_ERRORS)
    elif rng.random() < FAILURE_SHARE:
        if rng.random() < BILLABLE_FAILURE_SHARE:
            specific = BILLABLE_ERRORS_BY_ACTION.get(action, ())
            pool = specific if specific and rng.random() < 0.7 else BILLABLE_ERRORS
        else:
            specific = NONBILLABLE_ERRORS_BY_ACTION.get(action, ())
            pool = specific if specific and rng.random() < 0.5 else NONBILLABLE_ERRORS
        error = rng.choice(pool)
    if error is not None:
        rec["error_code"] = error
    else:
        shape = rng.random()  # success spelled three ways
        if shape < 0.2:
            rec["error_code"] = None
        elif shape < 0.3:
            rec["error_code"] = ""
    if error is None and action in LEGACY_ACTIONS and rng.random() < 0.08:
        total = rng.randint(2, 10)
        rec["images_total"] = total
        rec["images_recognized"] = total if rng.random() < 0.8 else rng.randint(0, total - 1)
    if action == "MixedInvoiceOCR" and error is None:
        if rng.random() < 0.04:
            rec["tickets"] = []  # classified, nothing recognised
        else:
            n = _pick(rng, TICKETS_PER_CALL)
            rec["tickets"] = [_pick(rng, TICKET_MIX) for _ in range(n)]
    return rec


def _random_ms(rng: random.Random, start_ms: int, days: list[float]) -> int:
    day = rng.choices(range(len(days)), weights=days)[0]
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return start_ms + day * 86_400_000 + hour * 3_600_000 + rng.randrange(3_600_000)


def _corrupt(rng: random.Random, rec: dict[str, Any], kind: str, i: int) -> dict[str, Any]:
    """A bad record of the given quarantine reason (except `unreadable`, done on the text)."""
    rec = dict(rec)
    if kind == "missing_field":
        del rec["owner_uin"]
    elif kind == "unknown_action":
        rec["action"] = ("GeneralBasicOcr", "TextTranslate")[i % 2]
    elif kind == "bad_timestamp":
        rec["timestamp"] = ("2026-10-32T09:15:00+08:00", "yesterday 10:00")[i % 2]
    elif kind == "unknown_region":
        rec["region"] = ("ap-nowhere-1", "xx-test")[i % 2]
    elif kind == "unknown_ticket_type":
        rec.update(action="MixedInvoiceOCR", tickets=[3, 99])
        rec.pop("error_code", None)
        rec.pop("images_total", None)
        rec.pop("images_recognized", None)
    elif kind == "inconsistent_counts":
        rec.update(action="IDCardOCR", images_total=2, images_recognized=3)
        rec.pop("error_code", None)
        rec.pop("tickets", None)
    return rec


def _conflict(rng: random.Random, rec: dict[str, Any], i: int) -> dict[str, Any]:
    """Same request_id, different content."""
    rec = dict(rec)
    variant = i % 3
    if variant == 0:  # the retry was logged as a failure
        blur = "FailedOperation.ImageBlur"
        rec["error_code"] = "FailedOperation.OcrFailed" if rec.get("error_code") == blur else blur
        rec.pop("tickets", None)
        rec.pop("images_total", None)
        rec.pop("images_recognized", None)
    elif variant == 1:  # another region's gateway logged the same id
        rec["region"] = "ap-hongkong" if rec["region"] != "ap-hongkong" else "ap-beijing"
    else:  # a different account claims it
        rec["owner_uin"] = owner_uin(10_000 + i)
        rec.pop("uin", None)
    return rec


def _to_csv_row(rec: dict[str, Any]) -> list[str]:
    row = []
    for col in CSV_COLUMNS:
        v = rec.get(col)
        if v is None:
            row.append("")
        elif col == "tickets":
            row.append(";".join(str(t) for t in v))
        else:
            row.append(str(v))
    return row


def _serialise(rec: dict[str, Any], fmt: str) -> str:
    if fmt == "jsonl":
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(_to_csv_row(rec))
    return buf.getvalue()


def write_sample_logs(
    out_dir: Path,
    *,
    calls: int = 20_000,
    accounts: int = 50,
    month: str = "2026-10",
    seed: int = 7,
    fmt: str = "jsonl",
) -> dict[str, Any]:
    """Write `calls_<month>.<fmt>` and `events.jsonl` into out_dir; same arguments → same bytes.

    Returns the paths, the number of records (lines after the header) and `expected`: what an
    ingest of the calls file must report (accepted, duplicates, conflicts, quarantined by reason).
    """
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"fmt must be 'jsonl' or 'csv', got {fmt!r}")
    if calls < 100 or accounts < 5:
        raise ValueError("need at least 100 calls and 5 accounts")
    year, mon = year_month(month)
    rng = random.Random(seed)
    accts = _make_accounts(accounts, rng)
    start_ms = month_start_ms(year, mon)
    days = day_weights(year, mon)
    end_ms = start_ms + len(days) * 86_400_000

    # --- valid calls, in time order
    n_unknown = max(3, calls // 2000)
    chosen = rng.choices(accts, weights=[a.weight for a in accts], k=calls)
    unknown_at = set(rng.sample(range(calls), n_unknown))
    recs: list[tuple[int, dict[str, Any]]] = []
    for i, acct in enumerate(chosen):
        ms = _random_ms(rng, start_ms, days)
        recs.append((ms, _call_record(rng, acct, ms, unknown_error=i in unknown_at)))
    # R1 edge cases: the first and last millisecond of the month, written in UTC.
    recs[0] = (start_ms, {**recs[0][1], "timestamp": format_ts(start_ms, 2)})
    recs[1] = (end_ms - 1, {**recs[1][1], "timestamp": format_ts(end_ms - 1, 2)})
    recs.sort(key=lambda t: (t[0], t[1]["request_id"]))
    lines = [_serialise(rec, fmt) for _, rec in recs]

    # --- insertions: (position, order, line); position = index of the line it follows
    inserts: list[tuple[int, int, str]] = []
    n_dup, n_conf = max(5, calls // 2000), max(3, calls // 5000)
    for j, src in enumerate(rng.sample(range(calls - 1), n_dup + n_conf)):
        pos = min(calls - 1, src + rng.randint(1, 300))
        if j < n_dup:  # byte-identical line shipped twice
            inserts.append((pos, len(inserts), lines[src]))
        else:
            inserts.append((pos, len(inserts), _serialise(_conflict(rng, recs[src][1], j), fmt)))
    n_bad = max(1, calls // 5000)
    for kind in BAD_LINE_KINDS:
        for i in range(n_bad):
            acct = rng.choices(accts, weights=[a.weight for a in accts])[0]
            rec = _call_record(rng, acct, _random_ms(rng, start_ms, days))
            line = _serialise(_corrupt(rng, rec, kind, i), fmt)
            if kind == "unreadable":
                line = line[: len(line) // 2]  # truncated write
            inserts.append((rng.randrange(calls), len(inserts), line))
    inserts.sort()

    out: list[str] = []
    if fmt == "csv":
        out.append(",".join(CSV_COLUMNS))
    k = 0
    for i, line in enumerate(lines):
        out.append(line)
        while k < len(inserts) and inserts[k][0] == i:
            out.append(inserts[k][2])
            k += 1

    out_dir.mkdir(parents=True, exist_ok=True)
    calls_file = out_dir / f"calls_{month}.{fmt}"
    calls_file.write_text("\n".join(out) + "\n", encoding="utf-8", newline="\n")
    events_file = out_dir / "events.jsonl"
    n_events = _write_sample_events(events_file, accts, month, calls, rng)

    failures = [r for _, r in recs if r.get("error_code")]
    billable = {c for cs in BILLABLE_ERRORS_BY_ACTION.values() for c in cs} | set(BILLABLE_ERRORS)
    return {
        "calls_file": calls_file,
        "events_file": events_file,
        "records": len(out) - (1 if fmt == "csv" else 0),
        "expected": {
            "accepted": calls,
            "duplicates": n_dup + n_conf,
            "conflicts": n_conf,
            "quarantined": {kind: n_bad for kind in BAD_LINE_KINDS},
        },
        "failures": len(failures),
        "billable_failures": sum(r["error_code"] in billable for r in failures),
        "unknown_error_codes": n_unknown,
        "international": sum(r["region"] in dict(INTL_REGIONS) for _, r in recs),
        "mixed_invoice_calls": sum(r["action"] == "MixedInvoiceOCR" for _, r in recs),
        "legacy_multi_image_calls": sum("images_total" in r for _, r in recs),
        "events": n_events,
    }


def shanghai_iso(t: datetime) -> str:
    """ISO 8601 with the +08:00 offset, to the second."""
    return t.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _price_variant(item: str) -> str:
    """The seed's PDF spelling of an item: ASCII parentheses, a space before them."""
    return item.replace("（", " (").replace("）", ")") if "（" in item else item


def _pack_events(
    rng: random.Random, accts: list[_Account], volumes: list[float], month_start: datetime
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    n_packs = max(3, len(accts) // 5)
    order = sorted(range(len(accts)), key=lambda k: -volumes[k])
    buyers = order[: n_packs // 2] + rng.sample(order[n_packs // 2 :], n_packs - n_packs // 2)
    # Seed examples (R12): 3 × 10万 身份证识别 at 3500; one 1000 银行卡识别 pack at 84.
    id_buyer = next((k for k in order if "IDCardOCR" in accts[k].actions), order[0])
    bank_buyer = next((k for k in order if "BankCardOCR" in accts[k].actions), order[-1])
    specs: list[tuple[int, str, int, Any]] = [(id_buyer, "身份证识别", 100_000, 3500)] * 3
    specs.append((bank_buyer, "银行卡识别", 1000, 84))
    for k in buyers:
        item = ACTION_ITEM[accts[k].actions[0]]
        size = 1000 if volumes[k] < 2000 else 10_000 if volumes[k] < 20_000 else 100_000
        list_price = PACK_LIST_PRICES[item][PACK_SIZES.index(size)]
        r = rng.random()
        price: Any = None if r < 0.4 else list_price if r < 0.8 else round(list_price * 0.7)
        specs.append((k, item, size, price))
    for n, (k, item, size, price) in enumerate(specs):
        before = rng.random() < 0.4  # bought months ago, still effective
        purchased = (
            month_start - timedelta(days=rng.randint(20, 300), seconds=rng.randrange(86_400))
            if before
            else month_start + timedelta(days=rng.randint(0, 19), seconds=rng.randrange(86_400))
        )
        ev: dict[str, Any] = {
            "type": "pack_purchase",
            "pack_id": f"pkg-{purchased:%Y%m%d}-{n:04d}",
            "owner_uin": accts[k].owner,
            "billing_item": _price_variant(item) if n % 7 == 5 else item,
            "size": size,
            "purchased_at": shanghai_iso(purchased),
        }
        if price is not None:
            ev["price"] = price
            if n % 11 == 4 and price >= 100:
                ev["voucher"] = 50
        events.append(ev)
    return events


def _write_sample_events(
    path: Path, accts: list[_Account], month: str, calls: int, rng: random.Random
) -> int:
    year, mon = year_month(month)
    month_start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    cutoff = datetime(2021, 12, 14, tzinfo=SHANGHAI)  # R25
    total = sum(a.weight for a in accts)
    volumes = [calls * a.weight / total for a in accts]  # expected calls in the month
    events: list[dict[str, Any]] = []
    for a in accts:
        events.append({"type": "account", "owner_uin": a.owner, "opened_at": shanghai_iso(a.opened)})
        if a.opened >= cutoff and rng.random() < 0.5:
            at = a.opened + timedelta(days=rng.randint(1, 30))
            events.append({"type": "postpaid", "owner_uin": a.owner, "enabled": True, "at": shanghai_iso(at)})
    # One account switches postpaid off mid-month (R25 flags its later postpaid units).
    off = accts[len(accts) // 2]
    events.append({
        "type": "postpaid", "owner_uin": off.owner, "enabled": False,
        "at": shanghai_iso(month_start + timedelta(days=14, hours=9)),
    })  # fmt: skip
    events.extend(_pack_events(rng, accts, volumes, month_start))
    # Activation of the one-time 50-unit 增值税发票核验 free pack (R6b).
    verifier = next((a for a in accts if "VatInvoiceVerifyNew" in a.actions), accts[0])
    events.append({
        "type": "activation", "owner_uin": verifier.owner, "billing_item": "增值税发票核验",
        "at": shanghai_iso(month_start - timedelta(days=45, hours=-10)),
    })  # fmt: skip
    # Contract price (R10) for the largest account's main item.
    top = max(accts, key=lambda a: a.weight)
    events.append({
        "type": "contract_price", "owner_uin": top.owner,
        "billing_item": ACTION_ITEM[top.actions[0]], "unit_price": 0.045, "from_month": month,
    })  # fmt: skip

    def when(ev: dict[str, Any]) -> str:
        t = ev.get("opened_at") or ev.get("at") or ev.get("purchased_at")
        return datetime.fromisoformat(t).astimezone(timezone.utc).isoformat() if t else "9999"

    events.sort(key=lambda ev: (when(ev), ev["type"], ev["owner_uin"]))
    text = "".join(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n" for ev in events)
    path.write_text(text, encoding="utf-8", newline="\n")
    return len(events)


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m ocrbill.samples",
        description="Write seeded sample call logs (calls_<month>.<fmt>) and events.jsonl.",
    )
    p.add_argument("out_dir", type=Path, help="folder to write into")
    p.add_argument("--calls", type=int, default=20_000, help="valid calls (default 20000)")
    p.add_argument("--accounts", type=int, default=50, help="main accounts (default 50)")
    p.add_argument("--month", default="2026-10", help="billing month YYYY-MM (default 2026-10)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--fmt", choices=("jsonl", "csv"), default="jsonl", help="call log format")
    p.add_argument(
        "--bench",
        action="store_true",
        help="write benchmark files instead (bench_calls.jsonl, bench_events.jsonl; all valid "
        "JSON, vectorised; --accounts defaults to 20000 here)",
    )
    args = p.parse_args(argv)
    if args.bench:
        from .bench_samples import write_bench_events, write_bench_logs  # numpy/polars only here

        accounts = args.accounts if args.accounts != 50 else 20_000
        calls = write_bench_logs(
            args.out_dir / "bench_calls.jsonl", calls=args.calls, accounts=accounts,
            month=args.month, seed=args.seed,
        )  # fmt: skip
        events = write_bench_events(
            args.out_dir / "bench_events.jsonl", accounts=accounts,
            pack_accounts=min(3000, accounts // 2), month=args.month, seed=args.seed,
        )  # fmt: skip
        print(json.dumps({"calls_file": str(calls), "events_file": str(events)}))
        return 0
    info = write_sample_logs(
        args.out_dir, calls=args.calls, accounts=args.accounts, month=args.month,
        seed=args.seed, fmt=args.fmt,
    )  # fmt: skip
    print(json.dumps(info, default=str, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
