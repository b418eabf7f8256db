"""The warehouse folder: committed Parquet tables, an append-only commit log, crash recovery.

Layout (every data file is named by the batch that wrote it):

    <wh>/calls/billing_month=YYYY-MM/<batch>.parquet   accepted calls (hive-partitioned, R1 month)
    <wh>/quarantine/<batch>.parquet                      records that could not be accepted
    <wh>/duplicates/<batch>.parquet                      duplicates and conflicts
    <wh>/events/<batch>.parquet                          accepted account events
    <wh>/events_rejected/<batch>.parquet                 rejected account events
    <wh>/_commits/<seq>-<batch>.json                     the commit log: a batch exists iff its file does
    <wh>/_staging/<batch>/...                            a batch being written (never read)
    <wh>/exports/YYYY-MM/                                bill outputs

A batch is written to `_staging/`, its files are moved into place, and only then is its commit
record written (atomically, by rename). Readers list files through the commit log, so a batch
that crashed half-way is invisible; the next writer deletes its leftovers (`recover`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLE_DIRS = ("calls", "quarantine", "duplicates", "events", "events_rejected")


class WarehouseError(RuntimeError):
    """A warehouse that cannot be used as asked."""


def _fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@dataclass
class Batch:
    """A batch being staged: write files under `staging`, then `Warehouse.commit` it."""

    batch_id: str
    kind: str
    staging: Path
    meta: dict[str, Any] = field(default_factory=dict)

    def path(self, relpath: str) -> Path:
        """Where to stage the file that will live at `<wh>/<relpath>`."""
        target = (self.staging / relpath).resolve()
        if self.staging.resolve() not in target.parents:
            raise WarehouseError(f"batch file {relpath!r} escapes the staging folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


class Warehouse:
    """A warehouse folder and its commit log."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def commits_dir(self) -> Path:
        return self.root / "_commits"

    def commits(self) -> list[dict[str, Any]]:
        """Every committed batch record, in commit order."""
        if not self.commits_dir.is_dir():
            return []
        records = []
        for path in sorted(self.commits_dir.glob("*.json")):
            records.append(json.loads(path.read_text(encoding="utf-8")))
        return records

    def files(self, table: str, commits: list[dict[str, Any]] | None = None) -> list[Path]:
        """The committed data files of `table` (one of TABLE_DIRS), in commit order; of the
        `commits` given (one read of the log for several tables), else of the log now."""
        prefix = table + "/"
        return [
            self.root / rel
            for record in (self.commits() if commits is None else commits)
            for rel in record["files"]
            if rel.startswith(prefix)
        ]

    def committed_sources(self) -> dict[str, dict[str, Any]]:
        """Source files already committed, by sha256, with their batch and its counts."""
        return {
            src["sha256"]: {**src, "batch_id": record["batch_id"], "counts": record.get("counts", {})}
            for record in self.commits()
            for src in record.get("sources", [])
        }

    @contextmanager
    def writer(self) -> Iterator[Warehouse]:
        """Hold the single-writer lock, after rolling back any half-written batch."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "_lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.recover()
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def recover(self) -> list[Path]:
        """Delete staging leftovers and data files that no commit lists; returns what went."""
        removed: list[Path] = []
        staging = self.root / "_staging"
        if staging.is_dir():
            removed.append(staging)
            shutil.rmtree(staging)
        known = {self.root / rel for record in self.commits() for rel in record["files"]}
        for table in TABLE_DIRS:
            for path in sorted((self.root / table).rglob("*")):
                if path.is_file() and path not in known:
                    path.unlink()
                    removed.append(path)
        for tmp in self.commits_dir.glob(".*.tmp") if self.commits_dir.is_dir() else []:
            tmp.unlink()
            removed.append(tmp)
        return removed

    def begin(self, batch_id: str, kind: str) -> Batch:
        """Start staging a batch (call inside `writer()`)."""
        staging = self.root / "_staging" / batch_id
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        return Batch(batch_id=batch_id, kind=kind, staging=staging)

    def commit(self, batch: Batch, *, sources: list[dict[str, Any]], counts: dict[str, Any]) -> dict:
        """Move a staged batch into place and record it; the record's rename is the commit point."""
        staged = sorted(p for p in batch.staging.rglob("*") if p.is_file())
        relpaths = [p.relative_to(batch.staging).as_posix() for p in staged]
        for src, rel in zip(staged, relpaths, strict=True):
            with open(src, "rb") as fh:
                os.fsync(fh.fileno())
            dest = self.root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
            _fsync_dir(dest.parent)
        seq = len(list(self.commits_dir.glob("*.json"))) if self.commits_dir.is_dir() else 0
        record = {
            "seq": seq,
            "batch_id": batch.batch_id,
            "kind": batch.kind,
            "files": relpaths,
            "sources": sources,
            "counts": counts,
            **batch.meta,
        }
        body = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        write_atomic(self.commits_dir / f"{seq:08d}-{batch.batch_id}.json", body)
        shutil.rmtree(batch.staging, ignore_errors=True)
        return record
