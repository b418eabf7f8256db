"""The sample-log generator: deterministic, realistic mix, real actions, committed sample current."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from ocrbill import bench_samples, samples

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "reference" / "sources"
SAMPLE_DIR = ROOT / "sample_logs"
SAMPLE_ARGS: dict[str, Any] = {"calls": 2000, "accounts": 40, "month": "2026-10", "seed": 7}


def _reference_actions() -> dict[str, str]:
    """action → the note of its api_actions.csv row(s)."""
    with open(SOURCES / "api_actions.csv", encoding="utf-8", newline="") as fh:
        return {row["action"]: row["note"] for row in csv.DictReader(fh)}


def _ticket_classes() -> dict[int, str]:
    with open(SOURCES / "invoice_ticket_types.csv", encoding="utf-8", newline="") as fh:
        return {
            int(row["code"]): row["seed_billing_class"]
            for row in csv.DictReader(fh)
            if row["field"] == "Type"
        }


def _read(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Parsed records and the lines that are not valid JSON."""
    records, broken = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            broken.append(line)
    return records, broken


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return samples.write_sample_logs(tmp_path_factory.mktemp("s"), calls=20_000, accounts=50)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = samples.write_sample_logs(tmp_path / "a", calls=3000, accounts=20, seed=11)
    b = samples.write_sample_logs(tmp_path / "b", calls=3000, accounts=20, seed=11)
    c = samples.write_sample_logs(tmp_path / "c", calls=3000, accounts=20, seed=12)
    assert a["calls_file"].read_bytes() == b["calls_file"].read_bytes()
    assert a["events_file"].read_bytes() == b["events_file"].read_bytes()
    assert a["calls_file"].read_bytes() != c["calls_file"].read_bytes()


def test_csv_same_bytes_and_tickets_semicolon_separated(tmp_path: Path) -> None:
    a = samples.write_sample_logs(tmp_path / "a", calls=1000, accounts=10, fmt="csv")
    b = samples.write_sample_logs(tmp_path / "b", calls=1000, accounts=10, fmt="csv")
    assert a["calls_file"].name == "calls_2026-10.csv"
    assert a["calls_file"].read_bytes() == b["calls_file"].read_bytes()
    with open(a["calls_file"], encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == samples.CSV_COLUMNS
    assert len(rows) - 1 == a["records"]
    multi = [r[9] for r in rows[1:] if len(r) == 10 and ";" in r[9]]
    assert multi and all(all(t.lstrip("-").isdigit() for t in m.split(";")) for m in multi)


def test_records_add_up(generated: dict[str, Any]) -> None:
    """records read = accepted + duplicates + quarantined (spec §1.1) for the generator's own tally."""
    exp = generated["expected"]
    lines = generated["calls_file"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == generated["records"]
    assert generated["records"] == exp["accepted"] + exp["duplicates"] + sum(
        exp["quarantined"].values()
    )
    assert set(exp["quarantined"]) == set(samples.BAD_LINE_KINDS)
    assert all(n >= 1 for n in exp["quarantined"].values())


def test_failure_and_site_mix(generated: dict[str, Any]) -> None:
    records, broken = _read(generated["calls_file"])
    assert len(broken) == generated["expected"]["quarantined"]["unreadable"]
    n = len(records)
    codes = [r.get("error_code") for r in records]
    failures = [c for c in codes if c]
    assert 0.02 < len(failures) / n < 0.04
    billable = {"FailedOperation.EmptyImageError", "FailedOperation.ImageNoBusinessCard",
                "ResourceNotFound.NoInvoice", "FailedOperation.InvoiceMismatch"}  # fmt: skip
    assert set(failures) & billable == billable
    assert "FailedOperation.ImageBlur" in failures
    assert set(failures) & set(samples.UNKNOWN_ERRORS)
    # success spelled as absent, null and ""
    assert {None, ""} <= set(codes) and any("error_code" not in r for r in records)
    regions = [r.get("region") for r in records]
    intl = sum(r in {"ap-hongkong", "ap-singapore", "ap-bangkok"} for r in regions)
    assert 0.03 < intl / n < 0.07
    assert {"ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-hongkong", "ap-singapore", "ap-bangkok"} <= set(regions)


def test_accounts_timestamps_tickets_legacy(generated: dict[str, Any]) -> None:
    records, _ = _read(generated["calls_file"])
    owners: dict[str, int] = {}
    for r in records:
        if "owner_uin" in r:
            owners[r["owner_uin"]] = owners.get(r["owner_uin"], 0) + 1
    volumes = sorted(owners.values(), reverse=True)
    assert volumes[0] > 10 * volumes[len(volumes) // 2]  # heavy tail
    assert any(r.get("uin") and r["uin"] != r.get("owner_uin") for r in records)
    assert any("uin" not in r for r in records)
    shapes = {type(r["timestamp"]).__name__ + (r["timestamp"][-6:] if isinstance(r["timestamp"], str) else "")
              for r in records if isinstance(r.get("timestamp"), (int, str))}  # fmt: skip
    assert {"int", "str+08:00"} <= shapes and any(s.endswith("Z") for s in shapes)
    classes = _ticket_classes()
    tickets = [t for r in records if r.get("action") == "MixedInvoiceOCR" for t in r.get("tickets") or []]
    known = [t for t in tickets if t in classes]
    assert {classes[t] for t in known} == {"large", "small"}
    assert {3, 8, 2, 9, 12} <= set(tickets)
    assert 99 in tickets  # the unknown_ticket_type line
    legacy = [r for r in records if "images_total" in r]
    assert {r["action"] for r in legacy} <= {"IDCardOCR", "BusinessCardOCR"}
    assert any(r["images_recognized"] < r["images_total"] for r in legacy)
    assert any(r["images_recognized"] > r["images_total"] for r in legacy)  # inconsistent_counts


def test_daily_rhythm(generated: dict[str, Any]) -> None:
    records, _ = _read(generated["calls_file"])
    hours = [0] * 24
    for r in records:
        if isinstance(r.get("timestamp"), int):
            hours[(r["timestamp"] // 3_600_000 + 8) % 24] += 1
    assert sum(hours[9:17]) > 4 * sum(hours[0:8])


def test_duplicates_and_conflicts(generated: dict[str, Any]) -> None:
    lines = generated["calls_file"].read_text(encoding="utf-8").splitlines()
    exp = generated["expected"]
    exact = len(lines) - len(set(lines))
    assert exact == exp["duplicates"] - exp["conflicts"] >= 3
    seen: dict[str, str] = {}
    conflicts = 0
    for line in dict.fromkeys(lines):  # unique lines, first occurrence order
        try:
            rid = json.loads(line)["request_id"]
        except json.JSONDecodeError:
            continue
        if rid in seen:
            conflicts += 1
            assert json.loads(seen[rid]) != json.loads(line)
        seen[rid] = line
    assert conflicts == exp["conflicts"] >= 2


def test_every_action_is_a_real_one(generated: dict[str, Any]) -> None:
    reference = _reference_actions()
    records, _ = _read(generated["calls_file"])
    used = {r["action"] for r in records if "action" in r}
    assert set(samples.ACTIONS) <= set(reference)
    assert used - set(reference) == {"GeneralBasicOcr", "TextTranslate"}  # the unknown_action lines
    assert set(samples.ACTIONS) <= used
    # the billing item each action draws on matches the facts table's `pack=` note
    for action, item in samples.ACTION_ITEM.items():
        assert f"pack={item}" in reference[action], action


def test_events(generated: dict[str, Any]) -> None:
    events = [json.loads(x) for x in generated["events_file"].read_text(encoding="utf-8").splitlines()]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for ev in events:
        by_type.setdefault(ev["type"], []).append(ev)
    assert {"account", "postpaid", "pack_purchase", "activation", "contract_price"} <= set(by_type)
    packs = by_type["pack_purchase"]
    assert {p["size"] for p in packs} <= set(samples.PACK_SIZES) and len({p["size"] for p in packs}) >= 2
    assert any("price" not in p for p in packs)
    assert [p["price"] for p in packs if p["billing_item"] == "身份证识别" and p.get("price") == 3500] == [3500] * 3
    assert any(p["billing_item"] == "银行卡识别" and p.get("price") == 84 for p in packs)
    assert len({p["pack_id"] for p in packs}) == len(packs)
    assert {False, True} <= {e["enabled"] for e in by_type["postpaid"]}
    assert len(by_type["contract_price"]) == 1
    records, _ = _read(generated["calls_file"])
    owners = {r.get("owner_uin") for r in records}
    assert {e["owner_uin"] for e in events} <= owners


@pytest.mark.parametrize("name", ["calls_2026-10.jsonl", "events.jsonl"])
def test_committed_sample_is_current(tmp_path: Path, name: str) -> None:
    """sample_logs/ is what `python -m ocrbill.samples sample_logs --calls 2000 --accounts 40` writes."""
    info = samples.write_sample_logs(tmp_path, **SAMPLE_ARGS)
    assert 1900 <= info["records"] <= 2100
    assert (SAMPLE_DIR / name).read_bytes() == (tmp_path / name).read_bytes()
    assert "--calls 2000 --accounts 40" in (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        samples.write_sample_logs(tmp_path, month="2026-1")
    with pytest.raises(ValueError):
        samples.write_sample_logs(tmp_path, fmt="xml")


def test_bench_logs_deterministic_valid_json(tmp_path: Path) -> None:
    a = bench_samples.write_bench_logs(tmp_path / "a.jsonl", calls=20_000, accounts=500)
    b = bench_samples.write_bench_logs(tmp_path / "b.jsonl", calls=20_000, accounts=500)
    assert a.read_bytes() == b.read_bytes()
    records = [json.loads(x) for x in a.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 20_000
    assert {r["action"] for r in records} <= set(_reference_actions())
    fails = sum(bool(r.get("error_code")) for r in records) / len(records)
    assert 0.02 < fails < 0.04
    assert any("tickets" in r for r in records) and any("images_total" in r for r in records)
    ms = [r["timestamp"] for r in records if isinstance(r["timestamp"], int)]
    assert ms == sorted(ms)  # time-ordered
    ev = bench_samples.write_bench_events(tmp_path / "e.jsonl", accounts=500, pack_accounts=50)
    events = [json.loads(x) for x in ev.read_text(encoding="utf-8").splitlines()]
    owners = {r["owner_uin"] for r in records}
    packs = {e["owner_uin"] for e in events if e["type"] == "pack_purchase"}
    assert len(packs) == 50 and len(packs & owners) > 25
