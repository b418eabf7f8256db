"""`ocrbill events`: account events (spec §1.2) → warehouse tables `events` / `events_rejected`.

Account events are JSON Lines (`.jsonl`, `.jsonl.gz`; a path may be a folder, read recursively),
one event per line, discriminated by `type`. Volumes are small (thousands), so each line is
validated in Python, streamed line by line. Every input file is one batch:

    <wh>/events/<batch_id>.parquet            accepted events, normalised, in line order
    <wh>/events_rejected/<batch_id>.parquet   rejected events with reason, detail and raw line

`batch_id` is derived from the file's sha256; a file whose sha256 is already committed (by an
earlier `events` batch) is not read again and writes nothing: its accepted events are reported as
duplicates and its rejected lines as rejected.

Normalisation (one wide table, columns in EVENTS_COLUMNS, NULL where a type has no such field):
- a field that is null or an empty string is absent, whichever type it belongs to;
- times: ISO-8601 with offset or `Z`; without offset = Asia/Shanghai local time (R1); or epoch
  milliseconds (JSON integer) → naive UTC `TIMESTAMP` (microseconds; more digits are truncated).
- money (price, voucher, amount): exact `Decimal` (JSON numbers are parsed with
  `parse_float=Decimal`, or a decimal string), at most 2 decimals, never negative. unit_price: at
  most 6 decimals.
- billing_item: matched by `reference.item_key` (spaces removed, ASCII `()` = full-width `（）`)
  against `ref_billing_item_keys`, stored with the canonical spelling.
- pack_purchase defaults: effective_at = purchased_at; expires_at = effective_at + 1 calendar year,
  the same wall-clock instant in Asia/Shanghai (29 Feb → 28 Feb, like SQL `+ INTERVAL 1 YEAR`).
  price stays NULL when absent (the list price is resolved at rating, R12) but a list price must
  exist for the item, size and purchase date, else the event is rejected `no_list_price`.
- pack_refund: a request, stored as given (owner_uin optional), whether or not its purchase is
  in yet: the purchase may come in a later run, and what is stored must not depend on the order
  of the runs. Every distinct request of a pack is kept; the rating takes the owner from the
  purchase and R20 decides each request at its instant (`unknown_pack`, `not_pack_owner`,
  `already_refunded` are denials in the run report, not load rejections).
- uin-like ids (owner_uin, pack_id, order_id) are strings; JSON integers are accepted and kept
  as their decimal digits.

Keys: event_key is pack_id (pack_purchase), order_id (qps_purchase), else a hash of the
normalised content (so a pack_refund sent again as it was is a duplicate, and another request
for the same pack is another event). (event_type, event_key) is unique among accepted events:
the same key with the same normalised content is a duplicate (counted, not stored again); with
different content it is rejected as `conflict` (the first accepted version stays). A
contract_price is also a conflict when one for the same owner_uin, billing_item and from_month
was accepted with another unit_price or to_month (R10: which would hold?).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import db
from .event_fields import FIELDS, EventError, add_one_year, billing_date, json_type_name
from .ingest_files import FORMATS, NAMED_FORMATS
from .paths import REFERENCE_DIR
from .reference import item_key, load_reference
from .warehouse import Warehouse

BATCH_KIND = "events"

# The `events` table: column → DuckDB type (the rating stage builds an empty typed view from it).
EVENTS_COLUMNS: dict[str, str] = {
    "event_type": "VARCHAR",
    "event_key": "VARCHAR",
    "owner_uin": "VARCHAR",
    "pack_id": "VARCHAR",
    "order_id": "VARCHAR",
    "billing_item": "VARCHAR",
    "action": "VARCHAR",
    "size": "BIGINT",
    "price": "DECIMAL(18,2)",
    "voucher": "DECIMAL(18,2)",
    "purchased_at": "TIMESTAMP",
    "effective_at": "TIMESTAMP",
    "expires_at": "TIMESTAMP",
    "requested_at": "TIMESTAMP",
    "at": "TIMESTAMP",
    "opened_at": "TIMESTAMP",
    "from_ts": "TIMESTAMP",
    "to_ts": "TIMESTAMP",
    "enabled": "BOOLEAN",
    "unit_price": "DECIMAL(18,6)",
    "from_month": "VARCHAR",
    "to_month": "VARCHAR",
    "qps": "INTEGER",
    "start_date": "DATE",
    "end_date": "DATE",
    "period": "VARCHAR",
    "amount": "DECIMAL(18,2)",
    "reason": "VARCHAR",
    "source_file": "VARCHAR",
    "source_line": "BIGINT",
    "batch_id": "VARCHAR",
}

# The `events_rejected` table.
REJECTED_COLUMNS: dict[str, str] = {
    "batch_id": "VARCHAR",
    "source_file": "VARCHAR",
    "source_line": "BIGINT",
    "reason": "VARCHAR",
    "detail": "VARCHAR",
    "raw": "VARCHAR",
}

EVENT_TYPES = (
    "pack_purchase",
    "pack_refund",
    "postpaid",
    "contract_price",
    "qps_purchase",
    "activation",
    "account",
    "top_up",
    "suspension",
)

REJECT_REASONS = (
    "unreadable",  # not UTF-8, not JSON, not an object, or the file's stream is corrupt
    "unknown_type",  # `type` is not one of EVENT_TYPES
    "unknown_field",  # a field the type does not have (a typo must not fall back to a default)
    "missing_field",  # a required field absent or null
    "bad_value",  # wrong JSON type, out of range, inconsistent (voucher > price, end < start…)
    "bad_timestamp",  # unreadable time
    "unknown_billing_item",
    "unknown_action",  # qps_purchase: action not in ref_interfaces, or it has no QPS class
    "no_list_price",  # pack_purchase without price and no list price for item/size/date (R12)
    "conflict",  # same pack_id / order_id already accepted with different content
)

SOURCE_COLUMNS = ("event_key", "source_file", "source_line", "batch_id")
_KEYED_BY = {"pack_purchase": "pack_id", "qps_purchase": "order_id"}


@dataclass
class EventsResult:
    """What one `load_events` run did. `read = accepted + duplicates + rejected`."""

    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add(self, counts: dict[str, Any]) -> None:
        self.read += counts["read"]
        self.accepted += counts["accepted"]
        self.duplicates += counts["duplicates"]
        self.rejected += counts["rejected"]
        for reason, n in counts["rejected_by_reason"].items():
            self.rejected_by_reason[reason] = self.rejected_by_reason.get(reason, 0) + n
        self.rejected_by_reason = dict(sorted(self.rejected_by_reason.items()))


# --------------------------------------------------------------------------------------------
# Reference data the validation needs.
# --------------------------------------------------------------------------------------------


@dataclass
class EventReference:
    """The reference facts events are checked against (from `ref_*` tables)."""

    item_keys: dict[str, str]  # item_key(spelling) → canonical billing_item
    # (billing_item, size) → [(valid_from, list_price or None)] sorted by valid_from
    pack_prices: dict[tuple[str, int], list[tuple[date, Decimal | None]]]
    # action → [(valid_from, qps_class or None)] sorted by valid_from
    interfaces: dict[str, list[tuple[date, str | None]]]

    @classmethod
    def load(cls, ref_dir: Path = REFERENCE_DIR) -> EventReference:
        con = db.connect()
        try:
            load_reference(con, ref_dir)
            item_keys = dict(
                con.execute("SELECT item_key, billing_item FROM ref_billing_item_keys").fetchall()
            )
            prices: dict[tuple[str, int], list[tuple[date, Decimal | None]]] = {}
            for item, size, price, valid_from in con.execute(
                "SELECT billing_item, size, list_price, valid_from FROM ref_pack_prices "
                "WHERE size IS NOT NULL ORDER BY billing_item, size, valid_from"
            ).fetchall():
                prices.setdefault((item, size), []).append((valid_from or date.min, price))
            interfaces: dict[str, list[tuple[date, str | None]]] = {}
            for action, qps_class, valid_from in con.execute(
                "SELECT action, qps_class, valid_from FROM ref_interfaces "
                "WHERE action IS NOT NULL ORDER BY action, valid_from"
            ).fetchall():
                qps_class = (qps_class or "").strip() or None
                interfaces.setdefault(action, []).append((valid_from or date.min, qps_class))
        finally:
            con.close()
        return cls(item_keys=item_keys, pack_prices=prices, interfaces=interfaces)

    def billing_item(self, spelling: str) -> str:
        canonical = self.item_keys.get(item_key(spelling))
        if canonical is None:
            raise EventError("unknown_billing_item", f"billing_item {spelling!r} is not in the reference")
        return canonical

    def list_price(self, billing_item: str, size: int, on: date) -> Decimal | None:
        """The list price of a pack (R12) valid on `on`; None when there is none (or 联系商务)."""
        current = None
        for valid_from, price in self.pack_prices.get((billing_item, size), []):
            if valid_from <= on:
                current = price
        return current

    def qps_class(self, action: str, on: date) -> str:
        versions = self.interfaces.get(action)
        if not versions:
            raise EventError("unknown_action", f"action {action!r} is not in the reference")
        current = [qps_class for valid_from, qps_class in versions if valid_from <= on]
        if not current:
            raise EventError("unknown_action", f"action {action!r} is not valid on {on}")
        if current[-1] is None:
            raise EventError("unknown_action", f"action {action!r} has no QPS add-on class (R21)")
        return current[-1]


# --------------------------------------------------------------------------------------------
# One event: JSON object → normalised row.
# --------------------------------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise EventError("bad_value", f"field {key!r} appears twice")
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise EventError("bad_value", f"{name} is not a number")


def parse_line(text: str) -> dict[str, Any]:
    """A JSON Lines line → the event object (Decimal for JSON fractions)."""
    try:
        obj = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except EventError:
        raise
    except (ValueError, RecursionError) as exc:
        raise EventError("unreadable", f"not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise EventError("unreadable", f"expected a JSON object, got {json_type_name(obj)}")
    return obj


def _absent(value: Any) -> bool:
    """JSON null, or a string of nothing but whitespace."""
    return value is None or (value.__class__ is str and not value.strip())


def normalise(obj: dict[str, Any], ref: EventReference) -> dict[str, Any]:
    """Validate one event and return its normalised columns (no source/key columns yet)."""
    if _absent(obj.get("type")):
        raise EventError("missing_field", "type")
    event_type = obj["type"]
    if not isinstance(event_type, str) or event_type not in FIELDS:
        raise EventError("unknown_type", f"type {event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    spec = FIELDS[event_type]
    # null or an empty string is an absent value, as in call logs: one table of several event
    # types written by pandas, polars or csv.DictReader gives each event the others' fields so
    given = {name: value for name, value in obj.items() if not _absent(value)}
    known = {name for name, _, _, _ in spec} | {"type"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise EventError("unknown_field", f"{event_type} has no field {', '.join(map(repr, unknown))}")
    missing = [name for name, _, _, required in spec if required and name not in given]
    if missing:
        raise EventError("missing_field", ", ".join(missing))

    row: dict[str, Any] = dict.fromkeys(EVENTS_COLUMNS)
    row["event_type"] = event_type
    for name, column, parser, _ in spec:
        if name in given:
            row[column] = parser(given[name], name)
    if row["billing_item"] is not None:
        row["billing_item"] = ref.billing_item(row["billing_item"])
    _CHECKS[event_type](row, ref)
    return row


def _check_pack_purchase(row: dict[str, Any], ref: EventReference) -> None:
    if row["effective_at"] is None:
        row["effective_at"] = row["purchased_at"]
    if row["expires_at"] is None:
        try:
            row["expires_at"] = add_one_year(row["effective_at"])
        except (ValueError, OverflowError):
            raise EventError("bad_timestamp", "effective_at + 1 year is out of range") from None
    if row["expires_at"] <= row["effective_at"]:
        raise EventError("bad_value", "expires_at must be after effective_at")
    price = row["price"]
    if price is None:
        price = ref.list_price(row["billing_item"], row["size"], billing_date(row["purchased_at"]))
        if price is None:
            raise EventError(
                "no_list_price",
                f"no price given and {row['billing_item']} has no list price for size "
                f"{row['size']} on {billing_date(row['purchased_at'])} (R12)",
            )
    if row["voucher"] is not None and row["voucher"] > price:
        raise EventError("bad_value", f"voucher {row['voucher']} exceeds the price {price}")


def _check_contract_price(row: dict[str, Any], ref: EventReference) -> None:
    if row["to_month"] is not None and row["to_month"] < row["from_month"]:
        raise EventError("bad_value", "to_month is before from_month")


def _check_qps_purchase(row: dict[str, Any], ref: EventReference) -> None:
    ref.qps_class(row["action"], billing_date(row["purchased_at"]))
    if row["end_date"] < row["start_date"]:
        raise EventError("bad_value", "end_date is before start_date")


def _check_suspension(row: dict[str, Any], ref: EventReference) -> None:
    if row["to_ts"] is not None and row["to_ts"] <= row["from_ts"]:
        raise EventError("bad_value", "to must be after from")


def _check_top_up(row: dict[str, Any], ref: EventReference) -> None:
    if row["amount"] == 0:
        raise EventError("bad_value", "amount must be positive")


def _no_check(row: dict[str, Any], ref: EventReference) -> None:
    return None


_CHECKS: dict[str, Callable[[dict[str, Any], EventReference], None]] = {
    "pack_purchase": _check_pack_purchase,
    "pack_refund": _no_check,  # its pack is looked up when the month is rated (R20)
    "postpaid": _no_check,
    "contract_price": _check_contract_price,
    "qps_purchase": _check_qps_purchase,
    "activation": _no_check,
    "account": _no_check,
    "top_up": _check_top_up,
    "suspension": _check_suspension,
}


# sorted: the canonical JSON lists its keys in this order
_CONTENT_COLUMNS = tuple(sorted(name for name in EVENTS_COLUMNS if name not in SOURCE_COLUMNS))
# a decimal at its column's scale (6 places for DECIMAL(18,6), else 2), so that 5, 5.0 and 5.00
# give the same content
_DECIMAL_PLACES = {name: Decimal("0.000001") for name, typ in EVENTS_COLUMNS.items() if typ == "DECIMAL(18,6)"}


def _json_value(name: str, value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(_DECIMAL_PLACES.get(name, Decimal("0.01"))))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def content_of(row: dict[str, Any]) -> str:
    """The normalised content of an event (source and key columns excluded), as canonical JSON."""
    content = {}
    for name in _CONTENT_COLUMNS:
        value = row.get(name)
        # most columns of an event are empty, and text needs no work: skip the call for them
        content[name] = value if value is None or value.__class__ is str else _json_value(name, value)
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def event_key(row: dict[str, Any], content: str) -> str:
    """pack_id / order_id, else a hash of the normalised `content` (content_of the row)."""
    key_column = _KEYED_BY.get(row["event_type"])
    if key_column is not None:
        return row[key_column]
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


# --------------------------------------------------------------------------------------------
# Files.
# --------------------------------------------------------------------------------------------


# JSON Lines by the names call logs have (ingest_files): `.jsonl`, `.ndjson`, and when named `.json`
_EVENTS_SUFFIXES = tuple(suffix for suffix, fmt in FORMATS.items() if fmt == "jsonl")
_NAMED_SUFFIXES = tuple(suffix for suffix, fmt in NAMED_FORMATS.items() if fmt == "jsonl")


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files to read, files skipped): each file as given, and in each folder, recursively and
    sorted, its JSON Lines files (any case) to read and the others skipped."""
    files: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for p in sorted(p.resolve() for p in path.rglob("*") if p.is_file()):
                (files if p.name.lower().endswith(_EVENTS_SUFFIXES) else skipped).append(p)
        elif path.is_file():
            if not path.name.lower().endswith(_NAMED_SUFFIXES):
                raise ValueError(f"{path}: not an events file: expected .jsonl or .ndjson, each optionally .gz (or .json)")
            files.append(path.resolve())
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files, skipped


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _lines(path: Path) -> Iterator[tuple[int, bytes | None, str | None]]:
    """(line number, bytes, None) per line; (n, None, error) once if the stream breaks."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    number = 0
    try:
        with opener(path, "rb") as fh:
            for number, line in enumerate(fh, start=1):  # noqa: B007
                yield number, line, None
    except (OSError, EOFError, zlib.error) as exc:
        yield number + 1, None, f"file cannot be read past line {number}: {exc}"


# --------------------------------------------------------------------------------------------
# Committed state and writing.
# --------------------------------------------------------------------------------------------

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
    "DECIMAL(18,2)": pa.decimal128(18, 2),
    "DECIMAL(18,6)": pa.decimal128(18, 6),
}


def arrow_schema(columns: dict[str, str]) -> pa.Schema:
    return pa.schema([pa.field(name, _ARROW_TYPES[typ]) for name, typ in columns.items()])


EVENTS_SCHEMA = arrow_schema(EVENTS_COLUMNS)
REJECTED_SCHEMA = arrow_schema(REJECTED_COLUMNS)


def _write_parquet(rows: list[dict[str, Any]], schema: pa.Schema, path: Path) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=True)


@dataclass
class _State:
    """Accepted events so far: (event_type, event_key) → content, and contract terms."""

    contents: dict[tuple[str, str], str] = field(default_factory=dict)
    # (owner_uin, billing_item, from_month) of the accepted contract prices
    contract_terms: set[tuple[str, str, str]] = field(default_factory=set)

    def accept(self, row: dict[str, Any], content: str) -> None:
        self.contents[(row["event_type"], row["event_key"])] = content
        if row["event_type"] == "contract_price":
            self.contract_terms.add(_contract_terms_key(row))


def _contract_terms_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """Two contract prices of one account and item from the same month cannot both hold (R10)."""
    return (row["owner_uin"], row["billing_item"], row["from_month"])


def _committed_state(wh: Warehouse) -> _State:
    state = _State()
    for path in wh.files("events"):
        for row in pq.read_table(path, schema=EVENTS_SCHEMA).to_pylist():
            state.accept(row, content_of(row))
    return state


def _committed_events_sources(wh: Warehouse) -> dict[str, dict[str, Any]]:
    """sha256 → {source, batch_id, counts} of files already loaded by an `events` batch."""
    found: dict[str, dict[str, Any]] = {}
    for record in wh.commits():
        if record.get("kind") != BATCH_KIND:
            continue
        for src in record.get("sources", []):
            found.setdefault(
                src["sha256"],
                {**src, "batch_id": record["batch_id"], "counts": record.get("counts", {})},
            )
    return found


def batch_id_for(sha256: str) -> str:
    return f"ev-{sha256[:20]}"


def _empty_counts() -> dict[str, Any]:
    return {"read": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "rejected_by_reason": {}}


def _load_file(
    wh: Warehouse, path: Path, sha256: str, ref: EventReference, state: _State
) -> dict[str, Any]:
    """Validate one file and commit it as one batch; returns its counts."""
    batch_id = batch_id_for(sha256)
    source_file = str(path)
    counts = _empty_counts()
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []

    def reject(line_no: int, reason: str, detail: str, raw: str) -> None:
        rejected.append(
            {
                "batch_id": batch_id,
                "source_file": source_file,
                "source_line": line_no,
                "reason": reason,
                "detail": detail,
                "raw": raw,
            }
        )
        by_reason = counts["rejected_by_reason"]
        by_reason[reason] = by_reason.get(reason, 0) + 1

    for line_no, data, error in _lines(path):
        if error is not None:
            counts["read"] += 1
            reject(line_no, "unreadable", error, "")
            break
        assert data is not None
        raw = data.decode("utf-8", errors="backslashreplace").rstrip("\r\n")
        if line_no == 1:
            raw = raw.removeprefix("\ufeff")
            data = data.removeprefix(b"\xef\xbb\xbf")
        if not data.strip():
            continue  # a blank line is not a record
        counts["read"] += 1
        try:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise EventError("unreadable", f"not UTF-8: {exc}") from None
            row = normalise(parse_line(text.strip()), ref)
            content = content_of(row)
            row["event_key"] = event_key(row, content)
            seen = state.contents.get((row["event_type"], row["event_key"]))
            if seen is not None:
                if seen == content:
                    counts["duplicates"] += 1
                    continue
                key_name = _KEYED_BY.get(row["event_type"], "event_key")
                raise EventError(
                    "conflict",
                    f"{row['event_type']} {key_name} {row['event_key']!r} was already accepted "
                    f"with different content",
                )
            if row["event_type"] == "contract_price" and _contract_terms_key(row) in state.contract_terms:
                owner, item, from_month = _contract_terms_key(row)
                raise EventError(
                    "conflict",
                    f"a contract_price for owner_uin {owner!r}, {item} from {from_month} was already "
                    f"accepted with another unit_price or to_month",
                )
        except EventError as exc:
            reject(line_no, exc.reason, exc.detail, raw)
            continue
        row["source_file"] = source_file
        row["source_line"] = line_no
        row["batch_id"] = batch_id
        accepted.append(row)
        state.accept(row, content)

    counts["accepted"] = len(accepted)
    counts["rejected"] = len(rejected)
    counts["rejected_by_reason"] = dict(sorted(counts["rejected_by_reason"].items()))
    batch = wh.begin(batch_id, BATCH_KIND)
    if accepted:
        _write_parquet(accepted, EVENTS_SCHEMA, batch.path(f"events/{batch_id}.parquet"))
    if rejected:
        _write_parquet(rejected, REJECTED_SCHEMA, batch.path(f"events_rejected/{batch_id}.parquet"))
    source = {"path": source_file, "sha256": sha256, "bytes": path.stat().st_size}
    wh.commit(batch, sources=[source], counts=counts)
    return counts


def _progress_message(entry: dict[str, Any]) -> str:
    counts = (
        f"read {entry['read']}, accepted {entry['accepted']}, duplicates {entry['duplicates']}, "
        f"rejected {entry['rejected']}"
    )
    if entry["status"] == "skipped":
        return f"events {entry['path']}: skipped, not an events file (.jsonl or .ndjson, each optionally .gz)"
    if entry["status"] == "already_loaded":
        return f"events {entry['path']}: already loaded as {entry['batch_id']} ({counts})"
    return f"events {entry['path']}: batch {entry['batch_id']} ({counts})"


def load_events(
    warehouse: Path,
    paths: list[Path],
    *,
    progress: Callable[[str], None] | None = None,
    reference_dir: Path | None = None,
) -> EventsResult:
    """Load account-event files into the warehouse (one committed batch per new file).

    `progress`, if given, is called with a one-line message once each file is done. `reference_dir` defaults to the project's `reference/` folder.
    """
    files, skipped = expand_paths(list(paths))
    wh = Warehouse(warehouse)
    result = EventsResult()
    for path in skipped:
        entry = {"path": str(path), "status": "skipped", **_empty_counts()}
        result.files.append(entry)
        if progress is not None:
            progress(_progress_message(entry))
    ref: EventReference | None = None
    with wh.writer():
        committed = _committed_events_sources(wh)
        state: _State | None = None
        for path in files:
            sha256 = file_sha256(path)
            if sha256 in committed:
                # Already loaded: nothing is written. Its accepted events count as duplicates; its
                # rejected lines stay rejected, for the reasons they had (as `ingest` does).
                first = committed[sha256]
                earlier = first.get("counts") or _empty_counts()
                counts = {
                    **_empty_counts(),
                    "read": earlier.get("read", 0),
                    "duplicates": earlier.get("accepted", 0) + earlier.get("duplicates", 0),
                    "rejected": earlier.get("rejected", 0),
                    "rejected_by_reason": dict(earlier.get("rejected_by_reason", {})),
                }
                entry = {
                    "path": str(path),
                    "sha256": sha256,
                    "batch_id": first["batch_id"],
                    "status": "already_loaded",
                    **counts,
                    "committed_counts": earlier,
                }
            else:
                if ref is None:
                    ref = EventReference.load(reference_dir or REFERENCE_DIR)
                if state is None:
                    state = _committed_state(wh)
                counts = _load_file(wh, path, sha256, ref, state)
                committed[sha256] = {"batch_id": batch_id_for(sha256), "counts": counts}
                entry = {
                    "path": str(path),
                    "sha256": sha256,
                    "batch_id": batch_id_for(sha256),
                    "status": "loaded",
                    **counts,
                }
            result.add(counts)
            result.files.append(entry)
            if progress is not None:
                progress(_progress_message(entry))
    return result
