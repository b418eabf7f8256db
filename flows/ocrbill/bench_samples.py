"""Benchmark call logs and account events: the customer model of `samples.py`, vectorised
(numpy + polars) for files of millions of rows. Every line is valid JSON, so that DuckDB's bare
`read_json` (the benchmark's baseline) reads it. Seeded: the same arguments give the same bytes.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .samples import (
    ACTIONS,
    ACTION_ITEM,
    ACTION_WEIGHTS,
    BILLABLE_ERRORS,
    BILLABLE_FAILURE_SHARE,
    FAILURE_SHARE,
    HOUR_WEIGHTS,
    INTL_REGIONS,
    INTL_SHARE,
    LEGACY_ACTIONS,
    MAINLAND_REGIONS,
    NONBILLABLE_ERRORS,
    PACK_LIST_PRICES,
    PACK_SIZES,
    SHANGHAI,
    TICKET_MIX,
    UNKNOWN_ERRORS,
    day_weights,
    month_start_ms,
    owner_uin,
    shanghai_iso,
    sub_uin,
    year_month,
)

if TYPE_CHECKING:
    import polars as pl

BENCH_CHUNK = 1_000_000


def _bench_accounts(accounts: int, seed: int) -> dict[str, Any]:
    """The benchmark customer base: Zipf volumes, a favourite action, sub-accounts."""
    import numpy as np

    rng = np.random.default_rng([seed, 0])
    rank = rng.permutation(accounts)  # account k has volume rank rank[k]
    weights = 1.0 / (rank + 1.0) ** 1.05
    mix = np.asarray(ACTION_WEIGHTS) / sum(ACTION_WEIGHTS)
    return {
        "weights": weights / weights.sum(),
        "rank": rank,
        "primary": rng.choice(len(ACTIONS), size=accounts, p=mix),
        "n_subs": np.where(rng.random(accounts) < 0.3, rng.integers(1, 4, accounts), 0),
        "owners": [owner_uin(k) for k in range(accounts)],
        "subs": [sub_uin(k, j) for k in range(accounts) for j in range(4)],
    }


def _bench_chunk(  # noqa: PLR0913
    n: int, ci: int, seed: int, base: dict[str, Any], start_ms: int, days: list[float], u0: float, u1: float
) -> "pl.Series":
    """One chunk of benchmark lines as a polars Series of JSON strings."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng([seed, 1, ci])
    n_acc = len(base["owners"])
    mix = np.asarray(ACTION_WEIGHTS) / sum(ACTION_WEIGHTS)
    acct = rng.choice(n_acc, size=n, p=base["weights"])
    action = np.where(rng.random(n) < 0.7, base["primary"][acct], rng.choice(len(ACTIONS), n, p=mix))

    # request ids: UUID v4 text
    nib = rng.integers(0, 16, (n, 32), dtype=np.uint8)
    nib[:, 12] = 4
    nib[:, 16] = 8 + nib[:, 16] % 4
    hexch = np.frombuffer(b"0123456789abcdef", dtype="S1")[nib]
    dash = np.full((n, 1), b"-", dtype="S1")
    parts = [hexch[:, :8], dash, hexch[:, 8:12], dash, hexch[:, 12:16], dash, hexch[:, 16:20], dash, hexch[:, 20:]]
    rid = np.ascontiguousarray(np.hstack(parts)).view("S36").ravel()
    # a few conflicting duplicates: same id as the line before, own content
    conf = np.flatnonzero(rng.random(n) < 1e-5)
    conf = conf[conf > 0]
    rid[conf] = rid[conf - 1]

    # time-ordered across the whole file: this chunk covers quantiles [u0, u1) of the month's
    # day x hour rhythm (inverse CDF of a piecewise-uniform density, one bin per hour)
    w = np.outer(np.asarray(days), np.asarray(HOUR_WEIGHTS)).ravel()
    cum = np.concatenate(([0.0], np.cumsum(w) / w.sum()))
    u = u0 + (u1 - u0) * np.sort(rng.random(n))
    hour_bin = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, len(w) - 1)
    frac = (u - cum[hour_bin]) / (cum[hour_bin + 1] - cum[hour_bin])
    ms = start_ms + hour_bin.astype(np.int64) * 3_600_000 + np.minimum(frac * 3_600_000, 3_599_999).astype(np.int64)
    shape = rng.choice(3, n, p=[0.55, 0.25, 0.20])

    n_subs = base["n_subs"][acct]
    is_sub = (n_subs > 0) & (rng.random(n) < 0.4)
    sub_idx = acct * 4 + np.where(is_sub, rng.integers(0, 4, n) % np.maximum(n_subs, 1), 0)
    uin_mode = np.where(is_sub, 2, np.where(rng.random(n) < 0.7, 1, 0))  # 0 absent, 1 owner, 2 sub

    intl = rng.random(n) < INTL_SHARE
    mainland = rng.choice(3, n, p=np.array([w for _, w in MAINLAND_REGIONS]) / 100)
    abroad = rng.choice(3, n, p=np.array([w for _, w in INTL_REGIONS]) / 100)
    region = np.where(intl, 3 + abroad, mainland)
    region_names = [r for r, _ in MAINLAND_REGIONS] + [r for r, _ in INTL_REGIONS]

    # errors: index into error_names, -1 = success
    error_names = list(BILLABLE_ERRORS) + list(NONBILLABLE_ERRORS) + [
        "FailedOperation.ImageNoBusinessCard", "ResourceNotFound.NoInvoice",
        "FailedOperation.InvoiceMismatch", "FailedOperation.ImageNoIdCard",
    ] + list(UNKNOWN_ERRORS)  # fmt: skip
    nb = len(BILLABLE_ERRORS) + len(NONBILLABLE_ERRORS)
    fail = rng.random(n) < FAILURE_SHARE
    billable = rng.random(n) < BILLABLE_FAILURE_SHARE
    err = np.where(billable, 0, 1 + rng.integers(0, len(NONBILLABLE_ERRORS), n))
    a_card, a_verify, a_id = (ACTIONS.index(x) for x in ("BusinessCardOCR", "VatInvoiceVerifyNew", "IDCardOCR"))
    specific = rng.random(n) < 0.6
    err = np.where(billable & specific & (action == a_card), nb, err)
    err = np.where(billable & specific & (action == a_verify), nb + 1 + rng.integers(0, 2, n), err)
    err = np.where(~billable & specific & (action == a_id), nb + 3, err)
    err = np.where(rng.random(n) < 1e-4, nb + 4 + rng.integers(0, 2, n), err)
    err = np.where(fail | (err >= nb + 4), err, -1)
    ok = err < 0

    a_mixed = ACTIONS.index("MixedInvoiceOCR")
    mixed = ok & (action == a_mixed)
    tcodes = np.array([c for c, _ in TICKET_MIX])
    tp = np.array([w for _, w in TICKET_MIX]) / sum(w for _, w in TICKET_MIX)
    n_t = rng.choice(4, n, p=[0.45, 0.3, 0.15, 0.1]) + 1
    tk = [tcodes[rng.choice(len(tcodes), n, p=tp)] for _ in range(4)]
    legacy = ok & np.isin(action, [ACTIONS.index(a) for a in LEGACY_ACTIONS]) & (rng.random(n) < 0.08)
    total = rng.integers(2, 11, n)
    recog = np.where(rng.random(n) < 0.8, total, rng.integers(0, 10, n) % total)

    s = pl.DataFrame({
        "rid": pl.Series(rid).cast(pl.String), "ms": ms, "shape": shape,
        "owner": pl.Series(base["owners"]).gather(acct),
        "sub": pl.Series(base["subs"]).gather(sub_idx), "uin_mode": uin_mode,
        "action": pl.Series(list(ACTIONS)).gather(action),
        "region": pl.Series(region_names).gather(region),
        "err": pl.Series(error_names).gather(np.maximum(err, 0)), "ok": ok, "ok_shape": rng.integers(0, 10, n),
        "mixed": mixed, "n_t": n_t, "t0": tk[0], "t1": tk[1], "t2": tk[2], "t3": tk[3],
        "legacy": legacy, "total": total, "recog": recog,
    })  # fmt: skip
    c = pl.col
    t = pl.from_epoch(c("ms"), time_unit="ms")
    ts = (
        pl.when(c("shape") == 0)
        .then(pl.concat_str(pl.lit('"'), (t + pl.duration(hours=8)).dt.strftime("%Y-%m-%dT%H:%M:%S%.3f+08:00"), pl.lit('"')))
        .when(c("shape") == 1)
        .then(pl.concat_str(pl.lit('"'), t.dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"), pl.lit('"')))
        .otherwise(c("ms").cast(pl.String))
    )
    uin = (
        pl.when(c("uin_mode") == 1).then(pl.concat_str(pl.lit(',"uin":"'), c("owner"), pl.lit('"')))
        .when(c("uin_mode") == 2).then(pl.concat_str(pl.lit(',"uin":"'), c("sub"), pl.lit('"')))
        .otherwise(pl.lit(""))
    )  # fmt: skip
    error = (
        pl.when(~c("ok")).then(pl.concat_str(pl.lit(',"error_code":"'), c("err"), pl.lit('"')))
        .when(c("ok_shape") < 2).then(pl.lit(',"error_code":null'))
        .when(c("ok_shape") < 3).then(pl.lit(',"error_code":""'))
        .otherwise(pl.lit(""))
    )  # fmt: skip
    tickets = pl.when(c("mixed")).then(
        pl.concat_str(
            pl.lit(',"tickets":['), c("t0").cast(pl.String),
            *[pl.when(c("n_t") > i).then(pl.concat_str(pl.lit(","), c(f"t{i}").cast(pl.String))).otherwise(pl.lit("")) for i in (1, 2, 3)],
            pl.lit("]"),
        )
    ).otherwise(pl.lit(""))  # fmt: skip
    images = pl.when(c("legacy")).then(
        pl.concat_str(pl.lit(',"images_total":'), c("total").cast(pl.String), pl.lit(',"images_recognized":'), c("recog").cast(pl.String))
    ).otherwise(pl.lit(""))  # fmt: skip
    line = pl.concat_str(
        pl.lit('{"request_id":"'), c("rid"), pl.lit('","timestamp":'), ts,
        pl.lit(',"owner_uin":"'), c("owner"), pl.lit('"'), uin,
        pl.lit(',"action":"'), c("action"), pl.lit('","region":"'), c("region"), pl.lit('"'),
        error, images, tickets, pl.lit("}"),
    ).alias("line")  # fmt: skip
    lines = s.select(line).to_series()
    # a few byte-identical duplicates: the line is shipped again right after itself
    dup = np.flatnonzero(rng.random(n) < 1e-5)
    if len(dup):
        idx = np.arange(n)
        idx[dup[dup > 0]] = dup[dup > 0] - 1
        lines = lines.gather(idx)
    return lines


def write_bench_logs(
    path: Path, *, calls: int, accounts: int = 20_000, month: str = "2026-10", seed: int = 7
) -> Path:
    """One JSONL file of `calls` valid JSON lines (no broken lines), in chunks of 1M rows."""
    import polars as pl

    year, mon = year_month(month)
    base = _bench_accounts(accounts, seed)
    start_ms, days = month_start_ms(year, mon), day_weights(year, mon)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        for ci, lo in enumerate(range(0, calls, BENCH_CHUNK)):
            n = min(BENCH_CHUNK, calls - lo)
            lines = _bench_chunk(n, ci, seed, base, start_ms, days, lo / calls, (lo + n) / calls)
            pl.DataFrame({"line": lines}).write_csv(fh, include_header=False, quote_style="never")
    tmp.replace(path)
    return path


def write_bench_events(
    path: Path,
    *,
    accounts: int = 20_000,
    pack_accounts: int = 3_000,
    month: str = "2026-10",
    seed: int = 7,
) -> Path:
    """Account events matching `write_bench_logs(accounts=..., seed=...)`'s customer base."""
    year, mon = year_month(month)
    base = _bench_accounts(accounts, seed)
    rng = random.Random(seed * 1_000_003 + accounts)
    month_start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    cutoff = datetime(2021, 12, 14, tzinfo=SHANGHAI)
    by_rank = sorted(range(accounts), key=lambda k: int(base["rank"][k]))
    top = by_rank[: pack_accounts // 2]
    rest = rng.sample(by_rank[pack_accounts // 2 :], min(pack_accounts - len(top), accounts - len(top)))
    events: list[dict[str, Any]] = []
    for k in range(accounts):
        opened = datetime(2018, 1, 1, tzinfo=SHANGHAI) + timedelta(days=rng.randrange(365 * 8 + 240))
        events.append({"type": "account", "owner_uin": base["owners"][k], "opened_at": shanghai_iso(opened)})
        if opened >= cutoff and rng.random() < 0.5:
            at = opened + timedelta(days=rng.randint(1, 30))
            events.append({"type": "postpaid", "owner_uin": base["owners"][k], "enabled": True, "at": shanghai_iso(at)})
    for n, k in enumerate(top + rest):
        rank = int(base["rank"][k])
        item = ACTION_ITEM[ACTIONS[int(base["primary"][k])]]
        size = 100_000 if rank < 200 else 10_000 if rank < 2000 else 1000
        list_price = PACK_LIST_PRICES[item][PACK_SIZES.index(size)]
        for m in range(rng.choice((1, 1, 1, 2, 3))):
            purchased = month_start + timedelta(days=rng.randint(-300, 19), seconds=rng.randrange(86_400))
            ev: dict[str, Any] = {
                "type": "pack_purchase", "pack_id": f"bpk-{n:06d}-{m}", "owner_uin": base["owners"][k],
                "billing_item": item, "size": size, "purchased_at": shanghai_iso(purchased),
            }  # fmt: skip
            r = rng.random()
            if r >= 0.4:
                ev["price"] = list_price if r < 0.8 else round(list_price * 0.7)
            events.append(ev)
    for k in by_rank[:20]:
        item = ACTION_ITEM[ACTIONS[int(base["primary"][k])]]
        events.append({
            "type": "contract_price", "owner_uin": base["owners"][k], "billing_item": item,
            "unit_price": 0.045, "from_month": month,
        })  # fmt: skip
    for k in rng.sample(range(accounts), max(1, accounts // 100)):
        at = month_start - timedelta(days=rng.randint(1, 200))
        events.append({"type": "activation", "owner_uin": base["owners"][k], "billing_item": "增值税发票核验", "at": shanghai_iso(at)})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for ev in events:
            fh.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path
